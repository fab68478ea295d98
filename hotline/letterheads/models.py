from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class LetterheadOverride(Base):
    """A municipality admin's changes on top of the theme files; the files stay the fallback."""

    __tablename__ = "letterheads"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)  # validated PNG or JPEG
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # UPDATE ... WHERE version = <read>: two admins saving at once cannot both win.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own protocol)
