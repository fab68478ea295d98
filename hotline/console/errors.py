"""Console errors as Danish HTML pages: never a JSON dump, never a stack trace."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from hotline.console.headers import apply_security_headers
from hotline.console.session import SignInRequired, current_session
from hotline.console.templating import console_path, is_htmx, render, with_query
from hotline.contacts.reports import MAX_PERIOD
from hotline.errors import OVERLOAD_RETRY_AFTER, Problem, write_race_problem
from hotline.kit.cpr import danish_cpr_message

log = logging.getLogger(__name__)

_BY_STATUS = {
    400: "Forespørgslen kunne ikke behandles.",
    401: "Du skal logge ind for at fortsætte.",
    403: "Du har ikke adgang til denne side eller handling.",
    404: "Siden eller oplysningen findes ikke.",
    405: "Den handling kan ikke udføres her.",
    409: "Oplysningerne er i konflikt med noget, der allerede er gemt.",
    412: "En anden har ændret oplysningerne, siden du åbnede dem. Genindlæs siden og prøv igen.",
    422: "Nogle af oplysningerne er ugyldige.",
    428: "Genindlæs siden og prøv igen.",
    429: "For mange forsøg. Vent lidt, og prøv så igen.",
    500: "Der skete en fejl hos os. Fejlen er registreret; prøv igen om lidt.",
    503: "Systemet har travlt lige nu, og intet er ændret. Prøv igen om et øjeblik.",
}
NUL_CHARACTER = "Teksten indeholder et NUL-tegn, som ikke kan gemmes. Fjern det, og prøv igen."
_BY_SLUG = {
    "csrf-refused": "Formularen er udløbet eller kom ikke fra konsollen. "
    "Genindlæs siden og prøv igen.",
    "not-applicable-in-municipality": "Artiklen gælder ikke i den valgte kommune.",
    "template-error": "Teksten kan ikke bruges: den beder om noget, svar ikke må (fx meget "
    "lange løkker eller tekster). Tjek pladsholderne {{ … }} og betingelserne {% … %}.",
    "period-ends-before-start": "Perioden slutter, før den begynder. Vælg en til-dato, der "
    "ligger efter fra-datoen.",
    "period-too-long": f"En opgørelse dækker højst {MAX_PERIOD.days} dage. "
    "Vælg en kortere periode.",
    "unknown-municipality": "Ingen kommune har den kommunekode. Skriv kommunekoden med fire "
    "cifre, fx 0751, eller lad feltet stå tomt.",
    "booking-closed": "Mødet er allerede aflyst, holdt eller begyndt; intet blev ændret.",
    "concurrent-write": "En anden gemte det samme i samme øjeblik, og intet af dit blev gemt. "
    "Genindlæs siden og prøv igen.",
    "nul-character": NUL_CHARACTER,
}


def danish_message(status: int, slug: str | None = None) -> str:
    """The message an agent reads for an error; services speak English to API clients (a CPR
    problem's Danish words come with it: each names the text that holds the number)."""
    return (
        _BY_SLUG.get(slug or "")
        or danish_cpr_message(slug or "")
        or _BY_STATUS.get(status)
        or _BY_STATUS[400]
    )


def error_page(request: Request, status: int, slug: str | None = None) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "message": danish_message(status, slug)},
        status_code=status,
    )


def _sign_in_redirect(request: Request) -> Response:
    next_path = request.url.path if request.method == "GET" else None
    if next_path and request.url.query:
        next_path += "?" + request.url.query
    expired = "1" if current_session(request).expired else None
    target = with_query(console_path(request, "login"), next=next_path, udloebet=expired)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_error_pages(console: FastAPI) -> None:
    @console.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return _sign_in_redirect(request)

    @console.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return error_page(request, exc.status, exc.slug)

    @console.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_page(request, 422)

    @console.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return error_page(request, exc.status_code)

    @console.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        return apply_security_headers(error_page(request, 422))

    @console.exception_handler(StaleDataError)
    @console.exception_handler(IntegrityError)
    async def _write_race(request: Request, exc: Exception) -> Response:
        problem = write_race_problem(exc)
        if problem is None:
            return await _unexpected(request, exc)
        log.info("lost a write race on %s: %s", request.url.path, exc)
        return apply_security_headers(error_page(request, problem.status, problem.slug))

    @console.exception_handler(PoolTimeout)
    async def _overloaded(request: Request, exc: PoolTimeout) -> Response:
        log.warning("no database connection free on %s: %s", request.url.path, exc)
        page = error_page(request, 503)
        page.headers["Retry-After"] = OVERLOAD_RETRY_AFTER
        return apply_security_headers(page)

    @console.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        # Raised past the session middleware, so the headers are added here.
        return apply_security_headers(error_page(request, 500))
