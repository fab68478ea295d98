"""The console sub-app mounted at ``/console``: pages, static files, session and headers."""

from fastapi import Depends, FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

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
from hotline.console.headers import apply_security_headers
from hotline.console.session import COOKIE_NAME, load_session, verify_csrf, write_cookie


def create_console(parent: FastAPI) -> FastAPI:
    """The console shares the parent's state (settings, sessionmaker, login throttle)."""
    console = FastAPI(
        title="hotline console",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(verify_csrf)],
    )
    console.state = parent.state
    install_error_pages(console)

    @console.middleware("http")
    async def _session_and_headers(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        settings = request.app.state.settings
        # Before routing, which rewrites the scope's root_path for the static mount.
        static = request.url.path.startswith(request.scope.get("root_path", "") + "/static/")
        request.state.console_session = load_session(settings, request.cookies.get(COOKIE_NAME))
        response: Response = await call_next(request)
        session = request.state.console_session
        if session.renewed and not static:
            write_cookie(response, settings, session)
        response.headers["Cache-Control"] = "public, max-age=3600" if static else "no-store"
        return apply_security_headers(response)

    console.mount("/static", StaticFiles(packages=[("hotline.console", "static")]), name="static")
    for module in (
        signin,
        agent,
        admin,
        editor,
        reply_templates,
        operator,
        contacts,
        contact_settings,
        satisfaction,
        meetings,
        meeting_types,
    ):
        console.include_router(module.router)
    return console
