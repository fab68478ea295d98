"""Accounts, passwords and tokens. No HTTP here: the routers translate."""

import functools
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, Principal, require, scope_to_municipalities
from hotline.auth.schemas import UserCreate, UserUpdate
from hotline.config import Settings
from hotline.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from hotline.municipalities.service import get_municipality

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """What an unknown account's password is checked against, so it takes as long as a known
    one's. Made on first use, not at import: every `hotline` command imports this module, and
    a production-cost hash took a third of a second of each command's start."""
    return _hasher.hash("not-a-real-password-only-for-timing")


TOKEN_ALGORITHM = "HS256"  # noqa: S105 (an algorithm name)
BAD_CREDENTIALS = "The email address or password is wrong."


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class LoginThrottle:
    """Counts failed logins per account and per address in a sliding window (per process)."""

    def __init__(self, per_account: int, per_address: int, window_seconds: int):
        self.limits = {"account": per_account, "address": per_address}
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def check(self, account: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for kind, value in (("account", account), ("address", address)):
                failures = self._recent((kind, value), now)
                if len(failures) >= self.limits[kind]:
                    retry = int(failures[0] + self.window - now) + 1
                    raise TooManyRequests(
                        "Too many failed sign-in attempts. Try again later.",
                        headers={"Retry-After": str(retry)},
                    )

    def fail(self, account: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures[("account", account)].append(now)
            self._failures[("address", address)].append(now)

    def succeed(self, account: str) -> None:
        with self._lock:
            self._failures.pop(("account", account), None)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(
    session: Session, throttle: LoginThrottle, email: str, password: str, address: str
) -> User:
    account = normalise_email(email)
    throttle.check(account, address)
    user = session.scalar(select(User).where(User.email == account))
    valid = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid or not user.active:
        throttle.fail(account, address)
        raise Unauthorized(BAD_CREDENTIALS)
    throttle.succeed(account)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def issue_token(settings: Settings, user: User) -> IssuedToken:
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "role": user.role, "iat": now, "exp": now + ttl}
    token = jwt.encode(claims, settings.signing_key, algorithm=TOKEN_ALGORITHM)
    return IssuedToken(token=token, expires_in=int(ttl.total_seconds()))


def user_from_token(session: Session, settings: Settings, token: str) -> User:
    try:
        claims = jwt.decode(
            token, settings.signing_key, algorithms=[TOKEN_ALGORITHM], options={"require": ["exp"]}
        )
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Unauthorized(
            "The token is invalid or has expired; request a new one.",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Unauthorized("The account is not active.", headers={"WWW-Authenticate": "Bearer"})
    return user


def create_user(session: Session, data: UserCreate) -> User:
    if data.municipality_code is not None:
        get_municipality(session, data.municipality_code)
    user = User(
        email=normalise_email(data.email),
        full_name=data.full_name.strip(),
        role=data.role.value,
        municipality_code=data.municipality_code,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"An account with the email {user.email} already exists.") from exc
    return user


def update_user(session: Session, user: User, changes: UserUpdate) -> User:
    data = changes.model_dump(exclude_unset=True)
    if password := data.pop("password", None):
        user.password_hash = hash_password(password)
    for key, value in data.items():
        setattr(user, key, value)
    session.flush()
    return user


def create_account(session: Session, actor: Principal, data: UserCreate) -> User:
    """An operator opens an account (the schema already holds the role/municipality rule)."""
    require(actor, Action.MANAGE_ACCOUNTS)
    return create_user(session, data)


def change_account(session: Session, actor: User, user_id: int, changes: UserUpdate) -> User:
    """An operator changes an account; never blocks their own (nobody could undo it)."""
    require(actor, Action.MANAGE_ACCOUNTS)
    account = get_user(session, user_id)
    if changes.active is False and account.id == actor.id:
        raise Conflict("Operators do not block their own account.")
    return update_user(session, account, changes)


def toggle_account(session: Session, actor: User, user_id: int) -> User:
    """The console's "Spær"/"Genåbn": block an open account, reopen a blocked one."""
    require(actor, Action.MANAGE_ACCOUNTS)  # before the lookup: no probing of account ids
    account = get_user(session, user_id)
    return change_account(session, actor, user_id, UserUpdate(active=not account.active))


def list_users(session: Session, viewer: Principal) -> Sequence[User]:
    stmt = scope_to_municipalities(
        select(User).order_by(User.email), viewer, Action.LIST_ACCOUNTS, User.municipality_code
    )
    return session.scalars(stmt).all()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No account has the id {user_id}.")
    return user


def users_with_password(session: Session, emails: Sequence[str], password: str) -> list[str]:
    """Which of these accounts still accept ``password`` (used to refuse demo logins in prod)."""
    users = session.scalars(select(User).where(User.email.in_(emails)))
    return [user.email for user in users if verify_password(user.password_hash, password)]
