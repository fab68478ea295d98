from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
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

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0] if self.full_name.strip() else self.email
