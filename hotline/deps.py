"""Request-scoped injections shared by every router."""

from collections.abc import Iterator
from ipaddress import ip_address
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.service import user_from_token
from hotline.config import Settings
from hotline.errors import Unauthorized


def _request_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler succeeds, rolled back when it
    raises, and rolled back too when a page answered a refusal (``discard_changes``)."""
    with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if getattr(request.state, "discard_changes", False):
            session.rollback()
        else:
            session.commit()


# scope="function": commit before the response is sent, so a failed commit is never a 2xx.
DbSession = Annotated[Session, Depends(_request_session, scope="function")]


def discard_changes(request: Request) -> None:
    """A handled error (a form the service refused): nothing of the attempt may be stored."""
    request.state.discard_changes = True


def _settings(request: Request) -> Settings:
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


_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/token")


def _current_user(
    session: DbSession,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user_from_token(session, settings, credentials.credentials)


CurrentUser = Annotated[User, Depends(_current_user)]

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
