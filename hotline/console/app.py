"""The console sub-app mounted at ``/console``: pages, static files, session and headers."""

from fastapi import APIRouter, Depends, FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.console import (
    admin,
    agent,
    contact_settings,
    contacts,
    editor,
    meeting_types,
    meetings,
    operator,
    reply_templates,
    satisfaction,
    signin,
)
from hotline.console.errors import install_error_pages
from hotline.console.forms import refuse_nul_in_form
from hotline.console.headers import SECURITY_HEADERS
from hotline.console.session import COOKIE_NAME, load_session, verify_csrf, write_cookie

# Matched in this order: the agents' first, as the search box posts every few keystrokes
# (safe while no route of one could take another's request: tests/test_app.py).
CONSOLE_ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (
        agent,
        signin,
        admin,
        editor,
        reply_templates,
        operator,
        contacts,
        contact_settings,
        satisfaction,
        meetings,
        meeting_types,
    )
)


def create_console(parent: FastAPI) -> FastAPI:
    """The console shares the parent's state (settings, sessionmaker, login throttle)."""
    console = FastAPI(
        title="hotline console",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(verify_csrf), Depends(refuse_nul_in_form)],
    )
    console.state = parent.state
    install_error_pages(console)

    console.add_middleware(SessionAndHeaders)
    console.mount("/static", StaticFiles(packages=[("hotline.console", "static")]), name="static")
    for router in CONSOLE_ROUTERS:
        console.include_router(router)
    return console


# What every answer carries, set in one pass over the response's headers (replacing any it
# set itself): eight ``MutableHeaders`` assignments each looked through them all.
_PAGE_HEADERS = Headers({"Cache-Control": "no-store", **SECURITY_HEADERS}).raw
_STATIC_HEADERS = Headers({"Cache-Control": "public, max-age=3600", **SECURITY_HEADERS}).raw
_SET_HERE = frozenset(name for name, _ in _PAGE_HEADERS)


class SessionAndHeaders:
    """The console's session (read from its cookie before routing, the cookie rewritten when
    the session was renewed), ``Cache-Control`` and the security headers of every response.

    Pure ASGI, as the app's own middleware (``hotline/middleware.py``): a ``BaseHTTPMiddleware``
    costs each console request an extra task and a streamed copy of the response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings
        # Before routing, which rewrites the scope's root_path for the static mount.
        static = scope["path"].startswith(scope.get("root_path", "") + "/static/")
        state = scope.setdefault("state", {})
        state["console_session"] = load_session(settings, _session_cookie(scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                session = state["console_session"]
                if session.renewed and not static:
                    cookie = Response()
                    write_cookie(cookie, settings, session)
                    for name, value in cookie.raw_headers:
                        if name == b"set-cookie":
                            headers.append("set-cookie", value.decode("latin-1"))
                # ASGI header names are lower case: compared as they are.
                kept = [raw for raw in headers.raw if raw[0] not in _SET_HERE]
                message["headers"] = kept + (_STATIC_HEADERS if static else _PAGE_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _session_cookie(scope: Scope) -> str | None:
    cookies: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies.get(COOKIE_NAME)
