"""What a public page says when something is refused, in Danish and English: the one place for
every public page (the booking pages, the survey, the partner round).

The services speak English (or a page's Danish) to API clients, and Pydantic speaks English;
a citizen reads neither a problem document nor ``value is not a valid email address``. So a
page chooses its own words here: a message beside the field it concerns (``field_messages``,
``problem_message``) or, when there is no page to show, an error page in the page's language
with a way back (``error_page``). ``PublicRoute`` makes sure no problem escaping a public
page's handler reaches the citizen as JSON.

The console has its own Danish words (hotline/console/errors.py, forms.py); it speaks to staff
and no English, and the public pages cannot import it (the console imports the domains).
"""

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from hotline.config import Settings
from hotline.errors import Problem
from hotline.letterheads.service import Letterhead, letterhead_for
from hotline.municipalities.models import Municipality
from hotline.public.layout import Language, language_of, render_public

BORGER_DK = "https://www.borger.dk"

# A refusal by its problem type (``Problem.slug``), else by its status.
_PROBLEMS: dict[Language, dict[str | int, str]] = {
    "da": {
        "link-invalid": "Linket virker ikke. Brug linket præcis, som det stod i e-mailen.",
        "link-expired": "Linket er udløbet.",
        "booking-closed": "Mødet er allerede aflyst, holdt eller begyndt, og det kan ikke "
        "ændres længere. Intet blev ændret.",
        "slot-taken": "Tiden er lige blevet taget. Vælg en anden tid.",
        "slot-unavailable": "Tiden kan ikke bookes. Vælg en af de ledige tider.",
        "form-check-failed": "Formularen kunne ikke modtages. Vent et øjeblik, og send den igen.",
        "concurrent-write": "En anden gemte det samme i samme øjeblik, og intet blev gemt. "
        "Prøv igen.",
        400: "Siden kunne ikke vises. Tjek adressen, og prøv igen.",
        404: "Siden findes ikke. Tjek adressen, eller brug linket fra kommunens hjemmeside.",
        409: "Det kan ikke lade sig gøre lige nu, fordi noget er ændret. Intet blev ændret.",
        410: "Siden findes ikke længere.",
        422: "Nogle af oplysningerne er ikke gyldige. Tjek dem, og prøv igen.",
        429: "Der er kommet for mange forsøg fra din forbindelse. Vent lidt, og prøv igen.",
        503: "Der er travlt lige nu, og intet blev ændret. Prøv igen om lidt.",
    },
    "en": {
        "link-invalid": "The link does not work. Use the link exactly as it was in the email.",
        "link-expired": "The link has expired.",
        "booking-closed": "The meeting has already been cancelled, held or begun and can no "
        "longer be changed. Nothing was changed.",
        "slot-taken": "Someone else has just taken the time. Choose another time.",
        "slot-unavailable": "The time cannot be booked. Choose one of the free times.",
        "form-check-failed": "The form could not be accepted. Wait a moment and send it again.",
        "concurrent-write": "Someone else saved the same thing at the same moment and nothing "
        "was saved. Please try again.",
        400: "The page could not be shown. Check the address and try again.",
        404: "The page does not exist. Check the address, or use the link on the "
        "municipality's website.",
        409: "That is not possible right now because something has changed. Nothing was changed.",
        410: "The page no longer exists.",
        422: "Some of the details are not valid. Check them and try again.",
        429: "There have been too many attempts from your connection. Wait a little and try again.",
        503: "We are busy right now and nothing was changed. Please try again shortly.",
    },
}

# A field Pydantic refused, by the error's type (``{max_length}`` from its context).
_FIELDS: dict[Language, dict[str, str]] = {
    "da": {
        "missing": "Skal udfyldes.",
        "string_too_short": "Skal udfyldes.",
        "string_too_long": "Teksten er for lang (højst {max_length} tegn).",
        "email": "Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.",
        "other": "Tjek det, du har skrevet her.",
    },
    "en": {
        "missing": "This is required.",
        "string_too_short": "This is required.",
        "string_too_long": "The text is too long (at most {max_length} characters).",
        "email": "Write a valid email address, e.g. name@example.com.",
        "other": "Check what you have written here.",
    },
}

_PAGE: dict[Language, dict[str, str]] = {
    "da": {
        "title": "Det gik ikke",
        "back_out": "Gå til borger.dk",
        "cpr": "Skriv ikke CPR-numre her. Ret feltet, og send igen.",
    },
    "en": {
        "title": "Something went wrong",
        "back_out": "Go to borger.dk",
        "cpr": "Do not write CPR numbers here. Correct the field and send it again.",
    },
}


def problem_message(exc: Problem, language: Language) -> str:
    """The citizen's words for a refusal: by its type, else by its status."""
    words = _PROBLEMS[language]
    return words.get(exc.slug) or words.get(exc.status) or words[400]


def cpr_message(language: Language) -> str:
    """Beside a field that holds a CPR number (a page may say more about its own field)."""
    return _PAGE[language]["cpr"]


def _field_message(error: Mapping[str, Any], language: Language) -> str:
    words = _FIELDS[language]
    kind = error["type"]
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        kind = "email"
    template = words.get(kind, words["other"])
    return template.format(**({"max_length": "?"} | (error.get("ctx") or {})))


def field_messages(
    exc: ValidationError, language: Language, field_of: Callable[[tuple[Any, ...]], str]
) -> dict[str, str]:
    """The first refusal of each field, keyed by the page's name for the field (``field_of``
    reads an error's location: a page's inputs need not be the schema's fields)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        errors.setdefault(field_of(tuple(error["loc"])), _field_message(error, language))
    return errors


def neutral_letterhead(session: Session, settings: Settings) -> Letterhead:
    """The hotline's own neutral letterhead, for a page that knows no municipality (an unknown
    code, a link that does not work): the one a non-member municipality's citizens get."""
    nobody = Municipality(code="", name="", member=False)  # never added to the session
    return letterhead_for(session, settings, nobody)


def error_page(
    request: Request,
    language: Language,
    exc: Problem,
    *,
    message: str | None = None,
    letterhead: Letterhead | None = None,
    back: tuple[str, str] | None = None,
) -> Response:
    """A refusal with no page of its own to show it on: the message (the page's own, else the
    general one for ``exc``) and a way back (``back``: (link, text); else out to borger.dk),
    with the refusal's status and headers (a 429's Retry-After)."""
    settings: Settings = request.app.state.settings
    page_words = _PAGE[language]
    if letterhead is None:
        with request.app.state.sessionmaker() as session:
            letterhead = neutral_letterhead(session, settings)
    response = render_public(
        request,
        "public_error.html",
        letterhead,
        language,
        {
            "title": page_words["title"],
            "message": message or problem_message(exc, language),
            "back": back or (BORGER_DK, page_words["back_out"]),
        },
        status_code=exc.status,
    )
    response.headers.update(exc.headers or {})
    return response


async def _language(request: Request) -> Language:
    """The language the page was read in: ``?lang=en`` on a link, the hidden field of a form."""
    if "lang" in request.query_params or request.method != "POST":
        return language_of(request.query_params.get("lang"))
    form = await request.form()  # read already by the handler (Starlette keeps it)
    return language_of(str(form.get("lang", "")) or None)


class PublicRoute(APIRoute):
    """A public page's route: a problem its handler does not answer itself becomes an error
    page in the page's language (never a problem document: a citizen's browser shows JSON as
    it is). The request's transaction has been rolled back by then (``hotline.deps``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_with_error_page(request: Request) -> Response:
            try:
                return await handle(request)
            except Problem as exc:
                return error_page(request, await _language(request), exc)

        return handle_with_error_page
