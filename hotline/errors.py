"""RFC 9457 problem details: the one error shape every API client sees."""

import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
UNSTORABLE_VALUE = "A value cannot be stored: it contains a NUL character or a number out of range."
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error a client can act on. ``slug`` becomes the stable ``type`` URI."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class ConcurrentWrite(Conflict):
    """This request lost a race for the same row to a transaction that wrote it at the same
    moment (a double click, a retry): nothing of it was saved, and trying again is safe."""

    slug, title = "concurrent-write", "Saved by someone else at the same moment"


CONCURRENT_WRITE = (
    "Someone else saved the same thing at the same moment; nothing of this request was saved. "
    "Reload and try again."
)
# PostgreSQL's SQLSTATE for a unique (or primary key) violation.
UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE_VIOLATIONS = (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)


def lost_write_race(exc: BaseException) -> bool:
    """Whether the database refused a write because another transaction wrote the same row
    first: an UPDATE or DELETE whose version check found the row changed (``StaleDataError``),
    or an INSERT whose unique key a concurrent insert took. Only these: another integrity error
    (a foreign key, a check) is a bug to see in the log, not a race to report as a conflict."""
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, IntegrityError):
        return False
    refusal = exc.orig
    return (
        getattr(refusal, "sqlstate", None) == UNIQUE_VIOLATION
        or getattr(refusal, "sqlite_errorcode", None) in _SQLITE_UNIQUE_VIOLATIONS
    )


def write_race_problem(exc: BaseException) -> ConcurrentWrite | None:
    """The problem a lost write race is answered with (None for any other error); the one
    place every front end asks, whether the race was lost at a flush or at the commit."""
    return ConcurrentWrite(CONCURRENT_WRITE) if lost_write_race(exc) else None


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "The resource changed since you read it"


class PreconditionRequired(Problem):
    status, slug, title = 428, "precondition-required", "If-Match header required"


class InvalidInput(Problem):
    status, slug, title = 422, "invalid-input", "Invalid input"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many attempts"


class FieldProblem(BaseModel):
    field: str
    message: str
    code: str | None = None


class ProblemDetails(BaseModel):
    """The body of every error response (RFC 9457), as the OpenAPI document declares it."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


_PROBLEM_DESCRIPTIONS = {
    401: "No valid bearer token",
    403: "The account may not do this",
    404: "Not found",
    409: "Conflicts with the current state",
    412: "If-Match names an outdated version",
    413: "The request body is too large",
    422: "Invalid input",
    428: "If-Match is required",
}
# Declared on every API route (and 429 on sign-in): clients and schemathesis know the shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetails, "description": description}
    for status, description in _PROBLEM_DESCRIPTIONS.items()
}
TOO_MANY_REQUESTS_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ProblemDetails,
        "description": "Too many failed sign-ins; wait Retry-After seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}


def _problems_as_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI files response models under application/json; ours are problem+json."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if not status.isdigit() or int(status) < 400:
                    continue
                content = response.get("content", {})
                if "application/json" in content:
                    response["content"] = {PROBLEM_JSON: content.pop("application/json")}
    return schema


# Seconds a client is asked to wait when no database connection was free (a burst passes fast).
OVERLOAD_RETRY_AFTER = "2"


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HTTP_SLUGS = {
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("request-too-large", "Request body too large"),
}


def install_problem_handlers(app: FastAPI) -> None:
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return _problems_as_problem_json(build_openapi())

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.slug,
            exc.title,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(StaleDataError)
    @app.exception_handler(IntegrityError)
    async def _write_race(request: Request, exc: Exception) -> JSONResponse:
        """Two requests wrote the same row at once and this one lost (at a flush, or at the
        commit the request's session makes): its transaction is rolled back, the client told
        to try again. Any other integrity error stays an internal error."""
        problem = write_race_problem(exc)
        if problem is None:
            return await _unexpected(request, exc)
        log.info("lost a write race on %s: %s", request.url.path, exc)
        return await _problem(request, problem)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in error["loc"]),
                "message": error["msg"],
                "code": error["type"],
            }
            for error in exc.errors()
        ]
        return problem_response(
            422,
            "invalid-input",
            "Invalid input",
            f"{len(errors)} field(s) failed validation",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
        return problem_response(
            exc.status_code,
            slug,
            title,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        """The database refused a value the schemas let through (a NUL character, a number
        out of the column's range): the transaction is rolled back, the client told."""
        log.info("database refused a value on %s: %s", request.url.path, exc.orig)
        return problem_response(
            422,
            "invalid-input",
            "Invalid input",
            UNSTORABLE_VALUE,
            instance=request.url.path,
        )

    @app.exception_handler(PoolTimeout)
    async def _overloaded(request: Request, exc: PoolTimeout) -> JSONResponse:
        """Every database connection stayed busy past the pool's timeout: the process is
        overloaded, nothing was done, and the client may simply try again shortly."""
        log.warning("no database connection free on %s: %s", request.url.path, exc)
        return problem_response(
            503,
            "overloaded",
            "Service busy",
            "The service is busy; nothing was changed. Try again in a moment.",
            instance=request.url.path,
            headers={"Retry-After": OVERLOAD_RETRY_AFTER},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            500,
            "internal-error",
            "Internal error",
            "Something went wrong on our side; the error has been logged.",
            instance=request.url.path,
        )
