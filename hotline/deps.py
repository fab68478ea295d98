"""Request-scoped injections shared by every router."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
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
