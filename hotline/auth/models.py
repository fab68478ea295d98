from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.auth.permissions import ROLES_WITH_MUNICIPALITY, Role
from hotline.db import Base, UTCDateTime, utcnow

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)
_BOUND_VALUES = ", ".join(f"'{role.value}'" for role in ROLES_WITH_MUNICIPALITY)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        CheckConstraint(
            f"(role IN ({_BOUND_VALUES})) = (municipality_code IS NOT NULL)",
            name="municipality_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.code"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every token and console cookie carries the epoch it was issued in; signing out, a new
    # password and deactivation count it up, so all of them stop working at the next request.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0] if self.full_name.strip() else self.email


class LoginFailure(Base):
    """Failed sign-ins, counted in the database so every process counts the same.

    ``scope`` is ``pair`` (one account from one address: growing delays, so a guesser elsewhere
    never locks the real user out) or ``address`` (one address guessing many accounts). ``key``
    is a SHA-256 of the email and address: no list of who tried which account is kept.
    """

    __tablename__ = "login_failures"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
