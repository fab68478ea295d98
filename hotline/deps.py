"""Request-scoped injections shared by every router."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.auth.models import User
from hotline.auth.service import user_from_token
from hotline.config import Settings
from hotline.db import DbSession
from hotline.errors import Unauthorized


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
