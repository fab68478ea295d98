"""The search index: one document per shared text, per override, per local article, per fact.

Nothing is copied per municipality: a municipality's view is assembled at query time from the
shared documents it does not replace or hide plus its own documents. The full-text structures
live outside the metadata (created by migration 0003): an FTS5 table on SQLite, a generated
``tsvector`` column with a GIN index on PostgreSQL.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class DocKind(StrEnum):
    SHARED = "shared"
    OVERRIDE = "override"
    LOCAL = "local"
    FACT = "fact"


SHARED_SCOPE = "shared"


def municipality_scope(code: str) -> str:
    """The token that confines a document to one municipality inside the FTS5 index."""
    return f"m{code}"


class SearchDoc(Base):
    """Analysed text (stems, space separated) of one indexed piece of knowledge."""

    __tablename__ = "search_docs"
    __table_args__ = (
        Index("ix_search_docs_municipality_slug", "municipality_code", "slug"),
        # The texts of the best hits, for the final ranking (hotline.search.scoring).
        Index("ix_search_docs_slug_scope", "slug", "scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "shared:<article id>", "override:<code>:<article id>", "local:<id>", "fact:<code>:<key>"
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    article_id: Mapped[int | None] = mapped_column(index=True)
    slug: Mapped[str | None] = mapped_column(String(120))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    mode: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(80))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    fact_key: Mapped[str | None] = mapped_column(String(80), index=True)
    scope: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


class SearchDocFact(Base):
    """A fact a document shows: its municipality's value of the fact finds the document."""

    __tablename__ = "search_doc_facts"
    __table_args__ = (
        Index("ix_search_doc_facts_fact_key_scope", "fact_key", "scope"),
        Index("ix_search_doc_facts_slug_scope", "slug", "scope"),
    )

    doc_key: Mapped[str] = mapped_column(
        ForeignKey("search_docs.key", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    fact_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    # A copy of the document's visibility, so a fact shown in thousands of articles finds them
    # without reading each document: a municipality's fact leads only to what it can see.
    scope: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str | None] = mapped_column(String(120))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    mode: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(80))
    published: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class SearchWord(Base):
    """The indexed vocabulary (surface words and stems), for spelling suggestions."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(60), primary_key=True)
    stem: Mapped[str] = mapped_column(String(60), index=True)


# The row every document counts toward: its ``documents`` is the number of indexed documents.
ALL_DOCUMENTS = ""


class SearchStem(Base):
    """How many documents hold each stem: the rarity (IDF) in the final ranking, read from one
    table so that both engines weigh a word the same. Kept in step by the indexer."""

    __tablename__ = "search_stems"

    # Byte order on PostgreSQL too, as on SQLite: a stem prefix is a range of this key.
    stem: Mapped[str] = mapped_column(
        String(60).with_variant(String(60, collation="C"), "postgresql"), primary_key=True
    )
    documents: Mapped[int]


class SearchGap(Base):
    """A query that found nothing: the knowledge-gaps report. Query, place and time only."""

    __tablename__ = "search_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    municipality_code: Mapped[str] = mapped_column(String(4), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- objects the migration creates outside the metadata ---------------------------------------

FTS_TABLE = "search_fts"
FTS_SHADOW_TABLES = frozenset(
    {FTS_TABLE} | {f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "docsize", "config")}
)
TSVECTOR_COLUMN = "tsv"
TSVECTOR_INDEX = "ix_search_docs_tsv"


def owned_by_full_text_engine(name: str | None, type_: str, parent_names: Any) -> bool:
    """The FTS5 tables and the tsvector column/index exist in the database, not in the models."""
    if type_ == "table":
        return name in FTS_SHADOW_TABLES
    if type_ == "column":
        return parent_names.get("table_name") == SearchDoc.__tablename__ and name == TSVECTOR_COLUMN
    if type_ == "index":
        return name == TSVECTOR_INDEX
    return False
