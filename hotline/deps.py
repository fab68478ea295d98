"""Request-scoped injections shared by every router."""

from collections.abc import AsyncIterator, Callable
from ipaddress import ip_address
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hotline.auth.models import User
from hotline.auth.service import (
    SignedIn,
    signed_in_from_loop,
    signed_in_from_token,
    user_from_token,
    verify_token,
)
from hotline.config import Settings
from hotline.db import LoopReads, NeedsDatabase, session_without_database, transaction
from hotline.errors import Unauthorized
from hotline.kit.text import InputModel


async def _request_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler succeeds, rolled back when it
    raises, and rolled back too when a page answered a refusal (``discard_changes``).

    Async, so it costs no thread-pool hop of its own: a new session touches no database, and
    ending one that never did is free. Only a session that did work is ended in a worker
    thread (COMMIT may wait on the database)."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=not getattr(request.state, "discard_changes", False))


async def _end(session: Session, *, commit: bool) -> None:
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await run_in_threadpool(_end_in_thread, session, commit)
    else:
        session.close()


def _end_in_thread(session: Session, commit: bool) -> None:
    with session:
        if commit:
            session.commit()
        else:
            session.rollback()


# scope="function": commit before the response is sent, so a failed commit is never a 2xx.
DbSession = Annotated[Session, Depends(_request_session, scope="function")]


def discard_changes(request: Request) -> None:
    """A handled error (a form the service refused): nothing of the attempt may be stored."""
    request.state.discard_changes = True


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(_settings)]

# Row ids in paths: the tables' INTEGER keys (32-bit on PostgreSQL). Larger numbers are refused
# as invalid input (422) instead of overflowing the database driver (a 500 or a dropped
# connection).
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def client_address(request: Request) -> str:
    """The client's address: the connecting peer, or, when that peer is a trusted proxy
    (``HOTLINE_TRUSTED_PROXIES``), the rightmost X-Forwarded-For entry that is not itself a
    trusted proxy (as nginx's real_ip_recursive and uvicorn's ProxyHeaders do). Anyone else's
    X-Forwarded-For is ignored, so it cannot reset a per-address limit."""
    networks = request.app.state.settings.trusted_proxy_networks
    peer = request.client.host if request.client else "unknown"

    def trusted(address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in networks)

    if not trusted(peer):
        return peer
    forwarded = [
        hop.strip()
        for value in request.headers.getlist("x-forwarded-for")
        for hop in value.split(",")
        if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not trusted(hop):
            return hop[:64]
    return peer


_BEARER_DESCRIPTION = "Token from POST /api/v1/auth/token"
_bearer = HTTPBearer(auto_error=False, description=_BEARER_DESCRIPTION)


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


def _current_user(
    session: DbSession,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    return user_from_token(session, settings, _bearer_token(credentials))


CurrentUser = Annotated[User, Depends(_current_user)]

T = TypeVar("T")


class SignedInCall:
    """A signed-in API call, for what a shift asks for most: ``run`` for the hot reads (a
    municipality, a resolved article, search), ``act`` for the writes (a contact opened, an
    article recorded on it, the contact closed, a reply previewed and sent).

    A read is tried on the event loop first: the account checked through ``LoopReads`` and the
    work run in a ``NoDatabaseSession``, so what the process keeps (the index, kept register
    entries and articles) answers without any thread-pool hop, which costs more than such a
    read (benchmarks/README.md, "Requests"). Work that needs the database (a kept entry
    missing, the index due to look at the change log, a search gap to log) raises
    ``NeedsDatabase`` before it touches it, and runs again as before: the account check, the
    work and the commit in one transaction in one worker thread.
    """

    def __init__(self, request: Request, token: str) -> None:
        self._sessionmaker: sessionmaker[Session] = request.app.state.sessionmaker
        self._settings: Settings = request.app.state.settings
        self._loop_reads: LoopReads | None = request.app.state.loop_reads
        verify_token(self._settings, token)
        self._token = token

    async def run(self, work: Callable[[Session, SignedIn], T]) -> T:
        """``work(session, caller)``: on the loop if it needs no database (so there is nothing
        to commit), else in one transaction: committed, or rolled back if it raises."""
        if self._loop_reads is not None:
            try:
                caller = await signed_in_from_loop(self._loop_reads, self._settings, self._token)
                with session_without_database(self._sessionmaker) as session:
                    return work(session, caller)
            except NeedsDatabase:
                pass
        return await run_in_threadpool(self._run, work)

    def _run(self, work: Callable[[Session, SignedIn], T]) -> T:
        with transaction(self._sessionmaker) as session:
            return work(session, signed_in_from_token(session, self._settings, self._token))

    async def act(self, work: Callable[[Session, User], T]) -> T:
        """``work(session, user)`` in one transaction in one worker thread: the account, the
        use case, the answer (``work`` returns the response's schema, made while the session
        is open) and the commit, where ``DbSession`` with ``CurrentUser`` and a sync endpoint
        took four hops (the account, the endpoint, the response's validation, the commit).
        Committed before the response is sent; rolled back if ``work`` raises."""
        return await run_in_threadpool(self._act, work)

    def _act(self, work: Callable[[Session, User], T]) -> T:
        with transaction(self._sessionmaker) as session:
            return work(session, user_from_token(session, self._settings, self._token))


class _SignedInBearer(HTTPBearer):
    """The bearer scheme (as ``_bearer``, the same in the OpenAPI document) that hands the hot
    reads their ``SignedInCall`` itself: one dependency for FastAPI to solve per request, not
    two (a scheme's credentials, then the call made from them)."""

    async def __call__(self, request: Request) -> SignedInCall:  # type: ignore[override]
        return SignedInCall(request, _bearer_token(await super().__call__(request)))


_signed_in_bearer = _SignedInBearer(
    auto_error=False, scheme_name=_bearer.scheme_name, description=_BEARER_DESCRIPTION
)
SignedInApi = Annotated[SignedInCall, Depends(_signed_in_bearer)]

QueryT = TypeVar("QueryT", bound=InputModel)  # its texts refuse a NUL as every input's do


class QueryModel(Generic[QueryT]):
    """A hot read's query string read into one model, by the endpoint, not parameter by
    parameter by FastAPI: for each declared parameter FastAPI looks up its aliases and
    re-examines its annotation on every request (a search's five took ~33 of its ~520 us
    in-process, benchmarks/README.md, Requests run 13). ``openapi`` documents the parameters
    as FastAPI would; an invalid value is the same 422 (``RequestValidationError``, its place
    under ``query``). One value a parameter: given twice, it is read as FastAPI reads a
    single value, the last one (a list parameter needs FastAPI's own reading)."""

    def __init__(self, model: type[QueryT]) -> None:
        self._model = model
        schema = model.model_json_schema()
        if "$defs" in schema:  # a parameter's schema must stand on its own
            raise TypeError(f"{model.__name__}: a query parameter refers to another schema")
        required = set(schema.get("required", ()))
        self.openapi: dict[str, Any] = {
            "parameters": [
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": field,
                    **({"description": field["description"]} if "description" in field else {}),
                }
                for name, field in schema["properties"].items()
            ]
        }

    def read(self, request: Request) -> QueryT:
        try:
            return self._model.model_validate(dict(request.query_params))
        except ValidationError as exc:
            errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
            raise RequestValidationError(errors) from None


# Reports answer JSON, or with ``?format=csv`` a Danish-Excel CSV: both are documented, so a
# client (and the schemathesis suite) knows either may come back.
CSV_OR_JSON: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}
}


def csv_download(body: bytes, filename: str) -> Response:
    """A report as a file a Danish Excel opens: the body is already UTF-8 with BOM and ``;``."""
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
