"""The public pages citizens and partners open from an email (no account, no JavaScript):
one layout on a municipality's letterhead and the Danish/English toggle.

Shared by every public page (the survey, the partner round and the booking page). A page renders
``render_public(request, template, letterhead, language, context)``; its template extends
``public_base.html``. The toggle is a plain link (``?lang=en`` / ``?lang=da``); forms carry the
language in a hidden field, so a POST answers in the language the page was read in.
"""

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from hotline.letterheads.contrast import BODY_TEXT_COLOR
from hotline.letterheads.render import logo_data_uri
from hotline.letterheads.resolution import Letterhead

Language = Literal["da", "en"]
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# Links carry a credential in their path: never send it on as a Referer, never cache or index.
PUBLIC_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}


def language_of(value: str | None) -> Language:
    return "en" if value == "en" else "da"


def link_with_language(path: str, language: Language, **params: object) -> str:
    """``path`` with its query (empty values left out), keeping ``lang=en``: a page's own links
    and form actions stay in the language it was read in (Danish is the default, needs none)."""
    query = {name: value for name, value in params.items() if value not in (None, "")}
    if language == "en":
        query["lang"] = "en"
    return f"{path}?{urlencode(query)}" if query else path


def toggle_url(request: Request, language: Language) -> str:
    """The same page in the other language (a link: works without JavaScript), keeping the
    page's other query parameters (e.g. the day a booking page shows)."""
    other = "da" if language == "en" else "en"
    params = {name: value for name, value in request.query_params.items() if name != "lang"}
    return f"{request.url.path}?{urlencode({**params, 'lang': other})}"


def render_public(
    request: Request,
    template: str,
    letterhead: Letterhead,
    language: Language,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    theme = letterhead.theme
    page = {
        "lang": language,
        "toggle_url": toggle_url(request, language),
        "toggle_label": "English" if language == "da" else "Dansk",
        "toggle_lang": "en" if language == "da" else "da",
        "sender_name": letterhead.sender_name,
        "colors": theme.colors,
        "text_color": BODY_TEXT_COLOR,
        "logo_src": logo_data_uri(letterhead),
        "logo_size": letterhead.logo.display_size if letterhead.logo else None,
        "logo_alt": theme.logo_alt or letterhead.sender_name,
        "footer": theme.footer,
    }
    response = TEMPLATES.TemplateResponse(
        request, template, {**page, **context}, status_code=status_code
    )
    response.headers.update(PUBLIC_HEADERS)
    return response
