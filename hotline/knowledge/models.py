"""Shared articles with their history, the fact catalogue, and what each municipality adds.

Every change goes through a service that flushes, so listeners (search indexing) see it in the
same transaction.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, UTCDateTime, utcnow


class Source(StrEnum):
    SHARED = "shared"
    OVERRIDE = "override"
    LOCAL = "local"


class OverrideMode(StrEnum):
    REPLACE = "replace"
    APPEND = "append"
    HIDE = "hide"


class ArticleStatus(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"


class FactType(StrEnum):
    TEXT = "text"
    MONEY = "money"
    URL = "url"
    PHONE = "phone"
    EMAIL = "email"
    OPENING_HOURS = "opening_hours"


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


_STATUS_CHECK = f"status IN ({_values(ArticleStatus)})"


class Article(Base):
    """A shared rule written once by the editors; ``revision`` grows with every real change."""

    __tablename__ = "kb_articles"
    __table_args__ = (CheckConstraint(_STATUS_CHECK, name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # For agents only: shown in the console beside the text, never mailed to a citizen.
    agent_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(80), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(10), default="da")
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.PUBLISHED.value)
    review_by: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254))


MAX_REASON_CHARS = 500


class ArticleRevision(Base):
    """A full snapshot of a shared article after one change: who, when, and which fields."""

    __tablename__ = "kb_article_revisions"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    agent_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(80))
    tags: Mapped[list[str]] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16))
    review_by: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    changed_fields: Mapped[list[str]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(254))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why the editor changed it, in their words: the admins read it beside the diff.
    reason: Mapped[str | None] = mapped_column(String(MAX_REASON_CHARS))


# Who ``hotline kb sync`` writes as: a row last written by anyone else was edited in hotline.
SYNC_ACTOR = "kb sync"


class Fact(Base):
    """A named local value (``{{ key }}`` in shared text) that every municipality supplies.

    ``label`` is what agents and citizens read where a value is missing (the key is for
    editors); ``default_value`` applies to every municipality that gives no value of its own
    (national numbers such as 1813 and 114), so it is never "missing" anywhere.
    """

    __tablename__ = "kb_facts"
    __table_args__ = (CheckConstraint(f"type IN ({_values(FactType)})", name="type_known"),)

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(120))
    default_value: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Who last set the description or type: a sync keeps an editor's change (as for articles).
    updated_by: Mapped[str] = mapped_column(String(254), server_default=SYNC_ACTOR)


class FactValue(Base):
    """One municipality's value of one fact, stored as written; formatted by type on display."""

    __tablename__ = "kb_fact_values"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), primary_key=True
    )
    fact_key: Mapped[str] = mapped_column(
        ForeignKey("kb_facts.key", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254))


class Override(Base):
    """How one municipality differs from a shared article, pinned to the revision it read."""

    __tablename__ = "kb_overrides"
    __table_args__ = (
        CheckConstraint(f"mode IN ({_values(OverrideMode)})", name="mode_known"),
        CheckConstraint("mode != 'replace' OR title IS NOT NULL", name="replace_has_title"),
        UniqueConstraint("municipality_code", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), index=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(200))
    # replace: the local text; append: the local section; hide: an optional note why.
    body: Mapped[str] = mapped_column(Text, default="")
    # For agents only: shown in the console beside the text, never mailed to a citizen.
    agent_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    based_on_revision: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254))

    article: Mapped[Article] = relationship(lazy="raise")


class LocalArticle(Base):
    """An article that exists for one municipality only."""

    __tablename__ = "kb_local_articles"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status_known"),
        UniqueConstraint("municipality_code", "slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # For agents only: shown in the console beside the text, never mailed to a citizen.
    agent_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(80))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(10), default="da")
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.PUBLISHED.value)
    review_by: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254))
