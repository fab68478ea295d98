"""The console's sign-in session: a signed cookie that also carries the CSRF token.

Every visitor gets a session (anonymous until sign-in), so even the sign-in form is protected
against cross-site posting. The cookie is a JWT signed with the app's key: no server-side
session store, and a new token (with a new CSRF secret) is issued at sign-in and sign-out.
"""

import functools
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import jwt
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from hotline.auth.models import User
from hotline.auth.service import (
    SignedIn,
    session_user,
    signed_in_account,
    signed_in_account_from_loop,
)
from hotline.config import Settings
from hotline.db import LoopReads, transaction
from hotline.deps import DbSession
from hotline.errors import Forbidden, Unauthorized

COOKIE_NAME = "hotline_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_ALGORITHM = "HS256"
_AUDIENCE = "hotline-console"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Unauthorized):
    slug = "sign-in-required"


class CsrfRefused(Forbidden):
    slug = "csrf-refused"
    title = "Form not from this console"


@dataclass
class ConsoleSession:
    csrf: str
    expires: datetime
    user_id: int | None = None
    epoch: int = 0  # the account's session epoch at sign-in (see User.session_epoch)
    expired: bool = False  # the visitor came with a session that ran out
    renewed: bool = field(default=False, compare=False)  # the cookie must be (re)written


def new_session(settings: Settings, user_id: int | None = None, epoch: int = 0) -> ConsoleSession:
    expires = datetime.now(UTC) + timedelta(hours=settings.console_session_hours)
    return ConsoleSession(secrets.token_urlsafe(32), expires, user_id, epoch, renewed=True)


def encode_session(settings: Settings, session: ConsoleSession) -> str:
    claims = {"csrf": session.csrf, "exp": session.expires, "aud": _AUDIENCE}
    if session.user_id is not None:
        claims["sub"] = str(session.user_id)
        claims["ep"] = session.epoch
    return jwt.encode(claims, settings.signing_key, algorithm=_ALGORITHM)


def load_session(settings: Settings, cookie: str | None) -> ConsoleSession:
    """The session in the cookie, or a fresh anonymous one when it is absent, forged or old."""
    if not cookie:
        return new_session(settings)
    try:
        csrf, expiry, user_id, epoch = _verified_cookie(settings.signing_key, cookie)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return new_session(settings)
    if expiry <= datetime.now(UTC).timestamp():
        fresh = new_session(settings)
        fresh.expired = True
        return fresh
    return ConsoleSession(csrf, datetime.fromtimestamp(expiry, UTC), user_id, epoch)


@functools.lru_cache(maxsize=4096)
def _verified_cookie(signing_key: str, cookie: str) -> tuple[str, int, int | None, int]:
    """(CSRF token, expiry, account id, session epoch) of a cookie whose signature is checked
    once per process, as the API's tokens (``hotline.auth.service._verified_claims``): the
    browser sends the same cookie all shift. Only what cannot change is cached; the expiry is
    compared on every request, and the account (active, epoch) is read from the database."""
    claims = jwt.decode(
        cookie,
        signing_key,
        algorithms=[_ALGORITHM],
        audience=_AUDIENCE,
        options={"require": ["exp", "csrf"], "verify_exp": False},
    )
    user_id = int(claims["sub"]) if "sub" in claims else None
    return str(claims["csrf"]), int(claims["exp"]), user_id, int(claims.get("ep", 0))


def write_cookie(response: Response, settings: Settings, session: ConsoleSession) -> None:
    """Set the session's cookie on ``response`` (a new expiry, and the token as it is now)."""
    response.set_cookie(
        COOKIE_NAME,
        encode_session(settings, session),
        max_age=max(0, int((session.expires - datetime.now(UTC)).total_seconds())),
        path="/console",
        secure=settings.public_base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def current_session(request: Request) -> ConsoleSession:
    return request.state.console_session


def start_session(request: Request, user_id: int | None, epoch: int = 0) -> None:
    """Sign in (or out, with None): a new token and a new CSRF secret, against fixation."""
    request.state.console_session = new_session(request.app.state.settings, user_id, epoch)


async def verify_csrf(request: Request) -> None:
    """Every state-changing request must echo the session's CSRF token (form field or header)."""
    if request.method in _SAFE_METHODS:
        return
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None:
        sent = (await request.form()).get(CSRF_FIELD)
    expected = current_session(request).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("The form's CSRF token is missing or does not match the session.")


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as pages show it: a copy that outlives the request's transaction
    (error pages are drawn after a rollback has expired the ORM object)."""

    id: int
    full_name: str
    role: str
    municipality_code: str | None


_AccountT = TypeVar("_AccountT", User, SignedIn)


def _admitted(request: Request, user: _AccountT | None) -> _AccountT:
    """Sign-in required unless ``user`` is the session's live account; the pages' copy kept."""
    if user is None:
        raise SignInRequired("Sign in to use the console.")
    request.state.console_user = Viewer(user.id, user.full_name, user.role, user.municipality_code)
    return user


def signed_in_row(request: Request, session: Session) -> SignedIn:
    """What ``ConsoleUser`` checks, as one plain row instead of the ORM account (for the hot
    fragments): the account is read on every request, so a sign-out, a new password or a block
    in any process stops the next request at once."""
    console_session = current_session(request)
    account = (
        signed_in_account(session, console_session.user_id, console_session.epoch)
        if console_session.user_id is not None
        else None
    )
    return _admitted(request, account)


async def signed_in_from_loop(request: Request, reads: LoopReads) -> SignedIn:
    """``signed_in_row`` from the event loop: the same check of the same row, without a thread
    hop (``NeedsDatabase`` where ``reads`` cannot answer at once)."""
    console_session = current_session(request)
    account = (
        await signed_in_account_from_loop(reads, console_session.user_id, console_session.epoch)
        if console_session.user_id is not None
        else None
    )
    return _admitted(request, account)


@contextmanager
def signed_in_transaction(request: Request) -> Iterator[tuple[Session, SignedIn]]:
    """A request's transaction (as ``DbSession``: committed when the block succeeds, rolled
    back when it raises or the page answered a refusal) with the signed-in account as a plain
    row, without FastAPI's dependencies: the account, the work and the end of the transaction
    take one thread-pool hop together (the caller's), for the fragment the agent's typing asks
    for many times a minute."""
    with transaction(request.app.state.sessionmaker) as session:
        yield session, signed_in_row(request, session)
        if getattr(request.state, "discard_changes", False):
            session.rollback()  # the commit that follows has nothing to write


def _signed_in_user(request: Request, session: DbSession) -> User:
    console_session = current_session(request)
    user = (
        session_user(session, console_session.user_id, console_session.epoch)
        if console_session.user_id
        else None
    )
    return _admitted(request, user)


ConsoleUser = Annotated[User, Depends(_signed_in_user)]
