"""Accounts, passwords and tokens. No HTTP here: the routers translate."""

import functools
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Row, and_, bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from hotline.auth.models import LoginFailure, User
from hotline.auth.permissions import Action, Principal, require, scope_to_municipalities
from hotline.auth.schemas import UserCreate, UserUpdate
from hotline.config import Settings
from hotline.db import LoopReads
from hotline.errors import Conflict, NotFound, TooManyRequests, Unauthorized, lost_write_race
from hotline.kit.time import utcnow
from hotline.municipalities.models import Municipality
from hotline.municipalities.schemas import HOTLINE_COLUMNS, MunicipalityUpdate
from hotline.municipalities.service import get_municipality, update_municipality

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
    """Failed sign-ins, counted in the database (every process counts the same).

    Per account *and* address: after ``per_account`` failures each further one doubles a wait
    (``delay_seconds``, 2x, 4x ... up to ``window_seconds``), so a guesser is slowed to a crawl
    while the real user, signing in from anywhere else, is never locked out (OWASP's advice
    against account lockout). Per address: ``per_address`` failures in ``window_seconds`` stop
    one address guessing many accounts. Failures are written in their own transaction, since
    the request's is rolled back with the 401.
    """

    def __init__(
        self, per_account: int, per_address: int, window_seconds: int, delay_seconds: int = 5
    ):
        self.per_account = per_account
        self.per_address = per_address
        self.window = timedelta(seconds=window_seconds)
        self.delay_seconds = delay_seconds

    @staticmethod
    def _keys(account: str, address: str) -> dict[str, str]:
        def digest(*parts: str) -> str:
            return hashlib.sha256("\0".join(parts).encode()).hexdigest()

        return {"pair": digest("pair", account, address), "address": digest("address", address)}

    def check(self, session: Session, account: str, address: str) -> None:
        now = utcnow()
        keys = self._keys(account, address)
        rows = session.scalars(
            select(LoginFailure).where(
                or_(
                    *(and_(LoginFailure.scope == k, LoginFailure.key == v) for k, v in keys.items())
                )
            )
        ).all()
        waits = [
            row.blocked_until - now for row in rows if row.blocked_until and row.blocked_until > now
        ]
        if waits:
            retry = math.ceil(max(waits).total_seconds())
            raise TooManyRequests(
                "Too many failed sign-in attempts. Try again later.",
                headers={"Retry-After": str(retry)},
            )

    def fail(self, session: Session, account: str, address: str) -> None:
        for attempt in range(3):  # two first failures at once: one insert loses, then updates
            try:
                with Session(session.get_bind()) as own, own.begin():
                    self._count(own, account, address)
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    def _count(self, own: Session, account: str, address: str) -> None:
        now = utcnow()
        own.execute(
            delete(LoginFailure).where(
                LoginFailure.last_failure_at < now - self.window,
                or_(LoginFailure.blocked_until.is_(None), LoginFailure.blocked_until < now),
            )
        )
        for scope, key in self._keys(account, address).items():
            row = own.get(LoginFailure, (scope, key), with_for_update=True)
            if row is None:
                row = LoginFailure(scope=scope, key=key, failures=0, first_failure_at=now)
                own.add(row)
            elif scope == "address" and row.first_failure_at <= now - self.window:
                row.failures, row.first_failure_at, row.blocked_until = 0, now, None
            row.failures += 1
            row.last_failure_at = now
            if scope == "pair" and row.failures >= self.per_account:
                doublings = min(row.failures - self.per_account, 30)
                wait = min(self.delay_seconds * 2**doublings, self.window.total_seconds())
                row.blocked_until = now + timedelta(seconds=wait)
            elif scope == "address" and row.failures >= self.per_address:
                row.blocked_until = row.first_failure_at + self.window
            own.flush()

    def succeed(self, session: Session, account: str, address: str) -> None:
        key = self._keys(account, address)["pair"]
        session.execute(
            delete(LoginFailure).where(LoginFailure.scope == "pair", LoginFailure.key == key)
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(
    session: Session, throttle: LoginThrottle, email: str, password: str, address: str
) -> User:
    account = normalise_email(email)
    throttle.check(session, account, address)
    user = session.scalar(select(User).where(User.email == account))
    valid = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid or not user.active:
        session.rollback()  # end the read, so the failure's own transaction may write
        throttle.fail(session, account, address)
        raise Unauthorized(BAD_CREDENTIALS)
    throttle.succeed(session, account, address)
    return user


def end_sessions(session: Session, user: User) -> None:
    """Every console session and API token of ``user`` stops working at its next request."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


def sign_out(session: Session, user: User) -> None:
    """Signing out ends the account's sessions everywhere: a copied cookie or token too."""
    end_sessions(session, user)


def sign_out_session(session: Session, user_id: int | None, epoch: int) -> None:
    """Signing out of one console session ends all of the account's, unless that session was
    already ended (a stale cookie cannot end the sessions begun after it)."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is not None and user.session_epoch == epoch:
        sign_out(session, user)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def issue_token(settings: Settings, user: User) -> IssuedToken:
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "iat": now,
        "exp": now + ttl,
        "ep": user.session_epoch or 0,
    }
    token = jwt.encode(claims, settings.signing_key, algorithm=TOKEN_ALGORITHM)
    return IssuedToken(token=token, expires_in=int(ttl.total_seconds()))


_ASK_FOR_A_NEW_ONE = "The token is invalid or has expired; request a new one."


def _token_subject(settings: Settings, token: str) -> tuple[int, int]:
    """The account id and session epoch a valid, unexpired token names."""
    try:
        user_id, epoch, expires = _verified_claims(settings.signing_key, token)
    except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError) as exc:
        raise Unauthorized(_ASK_FOR_A_NEW_ONE, headers={"WWW-Authenticate": "Bearer"}) from exc
    if expires <= datetime.now(UTC).timestamp():
        raise Unauthorized(_ASK_FOR_A_NEW_ONE, headers={"WWW-Authenticate": "Bearer"})
    return user_id, epoch


def verify_token(settings: Settings, token: str) -> None:
    """A token's signature and expiry, without the database (checked once per process, the
    expiry every time): a forged or expired token is refused before anything else about the
    request is looked at; the account behind a valid one is checked where the work runs."""
    _token_subject(settings, token)


@functools.lru_cache(maxsize=4096)
def _verified_claims(signing_key: str, token: str) -> tuple[int, int, float]:
    """(account id, session epoch, expiry) of a token whose signature is checked once per
    process: an agent sends the same token all shift, and PyJWT's decoding and HMAC cost more
    than the request's SQL. Only what cannot change is cached; the expiry is compared on
    every request and the account (active, epoch) read from the database."""
    claims = jwt.decode(
        token, signing_key, algorithms=[TOKEN_ALGORITHM], options={"require": ["exp"]}
    )
    return int(claims["sub"]), int(claims.get("ep", 0)), float(claims["exp"])


class _Account(Protocol):
    @property
    def active(self) -> bool: ...
    @property
    def session_epoch(self) -> int: ...


_AccountT = TypeVar("_AccountT", bound=_Account)


def _checked(account: _AccountT | None, token_epoch: int) -> _AccountT:
    """A missing or blocked account, or a token from before a sign-out, stops here."""
    if account is None or not account.active:
        raise Unauthorized("The account is not active.", headers={"WWW-Authenticate": "Bearer"})
    if token_epoch != account.session_epoch:
        raise Unauthorized(
            "The token was ended by signing out or a password change; request a new one.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return account


def _storable_id(user_id: int) -> bool:
    return -(2**63) < user_id < 2**63


def user_from_token(session: Session, settings: Settings, token: str) -> User:
    """The signed-in account as the session's ``User``, made from the plain row that
    ``signed_in_from_token`` checks: handed to the session as a loaded instance
    (``merge(load=False)``, ~50 µs) instead of read again through the ORM (~250 µs, on every
    API request that acts). Columns not in the row (password hash, creation time) load when a
    use case touches them."""
    return _as_session_user(session, _signed_in_row(session, settings, token))


def _as_session_user(session: Session, row: Row[Any]) -> User:
    """The checked account row as the session's ``User``, without reading it again."""
    user = User(**row._mapping)
    make_transient_to_detached(user)
    return session.merge(user, load=False)


@dataclass(frozen=True)
class SignedIn:
    """The account a token names, as a read's permission checks need it (a ``Principal``).

    Read as one plain row on every request, so the database stays the truth: a sign-out, a new
    password or a block in any process stops the next request everywhere. A Core row costs
    ~15-30 µs where the ORM's ``session.get`` (identity map, instance state) costs ~250 µs.
    """

    id: int
    email: str
    full_name: str
    role: str
    municipality_code: str | None


_users = User.__table__
_SIGNED_IN_ROW = select(
    _users.c.id,
    _users.c.email,
    _users.c.full_name,
    _users.c.role,
    _users.c.municipality_code,
    _users.c.active,
    _users.c.session_epoch,
).where(_users.c.id == bindparam("user_id"))


def _account_row(session: Session, user_id: int) -> Row[Any] | None:
    if not _storable_id(user_id):
        return None
    return session.execute(_SIGNED_IN_ROW, {"user_id": user_id}).one_or_none()


def _signed_in_row(session: Session, settings: Settings, token: str) -> Row[Any]:
    """The account row the token names, checked (active, same session epoch)."""
    user_id, epoch = _token_subject(settings, token)
    return _checked(_account_row(session, user_id), epoch)


def _signed_in(row: Row[Any]) -> SignedIn:
    return SignedIn(row.id, row.email, row.full_name, row.role, row.municipality_code)


def signed_in_from_token(session: Session, settings: Settings, token: str) -> SignedIn:
    """What ``user_from_token`` checks, as a plain ``Principal`` (no ORM object at all)."""
    return _signed_in(_signed_in_row(session, settings, token))


async def signed_in_from_loop(reads: LoopReads, settings: Settings, token: str) -> SignedIn:
    """``signed_in_from_token`` from the event loop: the same one-row check of the same row (a
    sign-out or a blocked account stops the next request, in every process), read without a
    thread hop; ``NeedsDatabase`` where ``reads`` cannot answer at once."""
    user_id, epoch = _token_subject(settings, token)
    return _signed_in(_checked(await _account_row_from_loop(reads, user_id), epoch))


async def _account_row_from_loop(reads: LoopReads, user_id: int) -> Any:
    """``_account_row`` through ``reads``."""
    if not _storable_id(user_id):
        return None
    return await reads.one(_SIGNED_IN_ROW, {"user_id": user_id})


def _live(row: Row[Any] | None, epoch: int) -> Row[Any] | None:
    """The account a console session names; None when it is gone or blocked, or its sessions
    were ended (sign-out, new password) after ``epoch``."""
    if row is None or not row.active or row.session_epoch != epoch:
        return None
    return row


def _live_account_row(session: Session, user_id: int, epoch: int) -> Row[Any] | None:
    return _live(_account_row(session, user_id), epoch)


def signed_in_account(session: Session, user_id: int, epoch: int) -> SignedIn | None:
    """The account a console session names, as one plain row (see ``SignedIn``)."""
    row = _live_account_row(session, user_id, epoch)
    return _signed_in(row) if row is not None else None


async def signed_in_account_from_loop(
    reads: LoopReads, user_id: int, epoch: int
) -> SignedIn | None:
    """``signed_in_account`` from the event loop (see ``signed_in_from_loop``)."""
    live = _live(await _account_row_from_loop(reads, user_id), epoch)
    return _signed_in(live) if live is not None else None


def session_user(session: Session, user_id: int, epoch: int) -> User | None:
    """The account a console session names, as the session's ``User``: the same one-row check
    as ``signed_in_account``, handed to the session as ``user_from_token`` does."""
    row = _live_account_row(session, user_id, epoch)
    return _as_session_user(session, row) if row is not None else None


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
    # Added inside the savepoint: a refused insert (the email is taken) is undone with it, so
    # the caller's session does not hold the account and try to insert it again at its next
    # flush (a console page redrawn after the refusal).
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        if not lost_write_race(exc):
            raise
        raise Conflict(f"An account with the email {user.email} already exists.") from exc
    return user


def update_user(session: Session, user: User, changes: UserUpdate) -> User:
    data = changes.model_dump(exclude_unset=True)
    ends_sessions = False
    if password := data.pop("password", None):
        user.password_hash = hash_password(password)
        ends_sessions = True
    if data.get("active") is False and user.active:
        ends_sessions = True
    for key, value in data.items():
        setattr(user, key, value)
    if ends_sessions:
        end_sessions(session, user)
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


def edit_municipality(
    session: Session, actor: Principal, code: str, changes: MunicipalityUpdate
) -> Municipality:
    """Operators change every column of a municipality; its admins only their own contact
    columns. Authorised here, with the accounts, because the municipalities package sits below
    auth (every account belongs to a municipality) and so cannot ask the permissions itself."""
    municipality = get_municipality(session, code)
    if HOTLINE_COLUMNS & changes.model_fields_set:
        require(actor, Action.EDIT_MUNICIPALITY_HOTLINE_COLUMNS, municipality.code)
    require(actor, Action.EDIT_MUNICIPALITY_CONTACT, municipality.code)
    return update_municipality(session, municipality, changes)
