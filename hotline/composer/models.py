from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class ReplyTemplate(Base):
    """A reply macro: shared (municipality_code NULL, editors) or one municipality's own."""

    __tablename__ = "reply_templates"
    __table_args__ = (
        UniqueConstraint("municipality_code", "key"),
        # The constraint above holds for a municipality's own templates only: NULLs are
        # distinct to it. One shared template a key is kept by this partial index.
        Index(
            "uq_reply_templates_shared_key",
            "key",
            unique=True,
            sqlite_where=text("municipality_code IS NULL"),
            postgresql_where=text("municipality_code IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str | None] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own protocol)
