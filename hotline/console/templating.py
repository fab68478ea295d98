"""Jinja2 pages for the console; htmx requests get only the block they target."""

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from hotline.console.access import Action, shows
from hotline.console.session import CSRF_FIELD, CSRF_HEADER, current_session
from hotline.deps import discard_changes
from hotline.kit.time import DANISH_TIME
from hotline.letterheads.render import danish_date

FULL_PAGE_BLOCK = "main"


def console_path(request: Request, name: str, /, **path_params: Any) -> str:
    """A console route's path (mount prefix included), relative to the host."""
    if not path_params:  # the same every time: found once instead of route by route
        return request.scope.get("root_path", "") + _plain_route_path(request.app, name)
    return request.scope.get("root_path", "") + str(request.app.url_path_for(name, **path_params))


@lru_cache(maxsize=512)
def _plain_route_path(app: ASGIApp, name: str) -> str:
    return str(app.url_path_for(name))  # type: ignore[attr-defined]


def with_query(path: str, **params: Any) -> str:
    """``path?a=1&b=2`` without the empty parameters, as ``urlencode`` writes it."""
    query = "&".join(
        f"{_quoted(key)}={_quoted(str(value))}"
        for key, value in params.items()
        if value not in (None, "")
    )
    return f"{path}?{query}" if query else path


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """A query's name or value quoted; cached: a page's links repeat the same few municipality
    codes and slugs (a results block's ten links cost 30 us quoted each time, 10 us kept)."""
    return quote_plus(text)


def danish_when(value: date | datetime | None) -> str:
    """A date as "1. januar 2026"; a timestamp in Danish time with its clock time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(DANISH_TIME)
        return f"{danish_date(local.date())} kl. {local:%H:%M}"
    return danish_date(value)


def _console_context(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "console_user", None)
    return {
        "user": user,
        "csrf_token": current_session(request).csrf,
        "csrf_field": CSRF_FIELD,
        "csrf_header": CSRF_HEADER,
        "path": lambda name, /, **params: console_path(request, name, **params),
        "may": lambda action, code=None: user is not None and shows(user, Action(action), code),
    }


templates = Jinja2Blocks(
    directory=Path(__file__).parent / "templates", context_processors=[_console_context]
)
# The templates ship with the package: looked up once, not checked on disk on every render.
templates.env.auto_reload = False
templates.env.globals["with_query"] = with_query
templates.env.filters["dkdate"] = danish_when
# Context-free macros (form fields, badges), usable in every page and fragment as ``ui``.
templates.env.globals["ui"] = templates.env.get_template("macros.html").module


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def fragment_target(request: Request) -> str | None:
    """The block an htmx request asks for (its target's id), or None for a whole page."""
    if not is_htmx(request):
        return None
    return (request.headers.get("HX-Target") or FULL_PAGE_BLOCK).replace("-", "_")


def drawn_block(request: Request, name: str) -> str | None:
    """The block of template ``name`` that ``render`` draws for this request: the htmx
    target's, ``main`` for a target the template has no block for, None for the whole page."""
    target = fragment_target(request)
    if target is None:
        return None
    return target if target in _blocks_of(name) else FULL_PAGE_BLOCK


@lru_cache(maxsize=64)
def _blocks_of(name: str) -> frozenset[str]:
    """The template's block names. The templates are not reloaded (``auto_reload``), so they
    are read once; ``get_template`` weighs its cache key and loader on every call."""
    return frozenset(templates.get_template(name).blocks)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    partial: bool = False,
) -> Response:
    """The full page, or for htmx the block named like the element it targets (else ``main``).

    A template offers a fragment by naming a block after the target's id (``-`` becomes ``_``).
    ``partial``: ``name`` is the template such a block only includes, drawn whole for the
    block's htmx answer. Drawn through the page's block, it is given the page's context and
    then a copy of it for the include (1.4 % of a search box answer's instructions).
    """
    if status_code >= 400:  # a refused form: the request's transaction rolls back
        discard_changes(request)
    values = dict(context or {})
    response_headers = {"Vary": "HX-Request, HX-Target", **(headers or {})}
    block = None if partial else drawn_block(request, name)
    if block is None:
        return templates.TemplateResponse(
            request, name, values, status_code=status_code, headers=response_headers
        )
    return templates.TemplateResponse(
        request, name, values, status_code=status_code, headers=response_headers, block_name=block
    )
