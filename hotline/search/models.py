"""What search keeps in the database: the change log the indexes follow, and the gaps.

The index itself is not here: each process holds one in memory (``hotline.search.index``),
built from the knowledge tables and kept fresh from ``search_changes``.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class SearchChange(Base):
    """One piece of knowledge changed: written in the transaction of the edit, so it commits
    (and becomes visible to every process's index) with it, or not at all.

    ``ref`` names what to re-read: ``article:<id>``, ``local:<id>``, ``fact:<key>`` (a fact's
    type: every municipality's value), ``value:<code>:<key>`` (one municipality's value)."""

    __tablename__ = "search_changes"
    __table_args__ = (Index("ix_search_changes_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    ref: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchGap(Base):
    """A query that found nothing: the knowledge-gaps report. Query, place and time only."""

    __tablename__ = "search_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    municipality_code: Mapped[str] = mapped_column(String(4), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
