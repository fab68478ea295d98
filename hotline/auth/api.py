from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from hotline.auth import service
from hotline.auth.schemas import TokenRead, UserCreate, UserRead, UserUpdate
from hotline.deps import AppSettings, CurrentUser, DbSession, RowId, client_address
from hotline.errors import TOO_MANY_REQUESTS_RESPONSE

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenRead, responses=TOO_MANY_REQUESTS_RESPONSE)
def create_token(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenRead:
    """Exchange email and password for a short-lived bearer token."""
    address = client_address(request)
    user = service.authenticate(
        session, request.app.state.login_throttle, form.username, form.password, address
    )
    issued = service.issue_token(settings, user)
    return TokenRead(access_token=issued.token, expires_in=issued.expires_in)


@router.post("/auth/logout", status_code=204)
def sign_out(session: DbSession, user: CurrentUser) -> None:
    """End every token and console session of the caller's account at once."""
    service.sign_out(session, user)


@router.get("/users/me", response_model=UserRead)
def read_me(user: CurrentUser) -> object:
    return user


@router.get("/users", response_model=list[UserRead])
def list_users(session: DbSession, user: CurrentUser) -> object:
    """Operators see every account; a municipality admin sees their municipality's."""
    return service.list_users(session, user)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(data: UserCreate, session: DbSession, user: CurrentUser) -> object:
    return service.create_account(session, user, data)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(user_id: RowId, data: UserUpdate, session: DbSession, user: CurrentUser) -> object:
    """Operators only; an operator cannot block their own account (409)."""
    return service.change_account(session, user, user_id, data)
