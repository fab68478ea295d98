"""Pages citizens open without an account, on their municipality's letterhead, in Danish
with an English toggle (a plain link, no JavaScript).

Shared by every public page (the booking page; the satisfaction survey can use the same):
``public_page(request, letterhead, template, context)`` renders ``template`` inside
``public_base.html`` with the letterhead's colours, logo and footer; ``language(request)``
reads ``?lang=en``; ``toggle_link`` is the same URL in the other language.
"""

import base64
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hotline.letterheads.service import Letterhead

Language = Literal["da", "en"]
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def language(request: Request) -> Language:
    return "en" if request.query_params.get("lang") == "en" else "da"


def with_language(path: str, lang: Language, **params: object) -> str:
    """``path`` with its query, keeping ``lang=en`` (Danish is the default and needs none)."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if lang == "en":
        query["lang"] = "en"
    return f"{path}?{urlencode(query)}" if query else path


def toggle_link(request: Request) -> tuple[str, str, Language]:
    """(href, label, language) of the link to this page in the other language."""
    other: Language = "da" if language(request) == "en" else "en"
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return with_language(request.url.path, other, **params), LANGUAGE_NAMES[other], other


def public_page(
    request: Request,
    letterhead: Letterhead,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    title: str,
) -> HTMLResponse:
    lang = language(request)
    theme = letterhead.theme
    logo = letterhead.logo
    toggle_href, toggle_label, toggle_lang = toggle_link(request)
    page: dict[str, Any] = {
        "lang": lang,
        "title": title,
        "municipality": letterhead.municipality,
        "theme": theme,
        "logo_src": (
            f"data:{logo.content_type};base64,{base64.b64encode(logo.data).decode()}"
            if logo
            else None
        ),
        "logo_alt": theme.logo_alt or letterhead.municipality.name,
        "toggle_href": toggle_href,
        "toggle_label": toggle_label,
        "toggle_lang": toggle_lang,
        **context,
    }
    return templates.TemplateResponse(request, template, page, status_code=status_code)
