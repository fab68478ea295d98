"""search: one in-memory tantivy index per process, fed by a change log; the FTS5 and tsvector
structures and the tables they indexed go

Revision ID: 0010_search_changelog
Revises: 0009_contacts
Create Date: 2026-11-28 23:30:00.000000
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "0010_search_changelog"
down_revision: str | Sequence[str] | None = "0009_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_changes")),
    )
    op.create_index("ix_search_changes_created_at", "search_changes", ["created_at"])
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    # The tsvector column and its GIN index go with their table on PostgreSQL.
    op.drop_table("search_stems")
    op.drop_table("search_words")
    op.drop_table("search_doc_facts")
    op.drop_table("search_docs")


def _revision_0003() -> ModuleType:
    """The full-text DDL of revision 0003, read from its file rather than copied."""
    path = Path(__file__).with_name("0003_search.py")
    spec = importlib.util.spec_from_file_location("hotline_migration_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    """The old tables come back empty: `hotline search reindex` of that version fills them."""
    op.drop_index("ix_search_changes_created_at", table_name="search_changes")
    op.drop_table("search_changes")
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=120), nullable=True),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("fact_key", sa.String(length=80), nullable=True),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_docs")),
        sa.UniqueConstraint("key", name=op.f("uq_search_docs_key")),
    )
    op.create_index("ix_search_docs_article_id", "search_docs", ["article_id"])
    op.create_index("ix_search_docs_fact_key", "search_docs", ["fact_key"])
    op.create_index(
        "ix_search_docs_municipality_slug", "search_docs", ["municipality_code", "slug"]
    )
    op.create_index("ix_search_docs_slug_scope", "search_docs", ["slug", "scope"])
    op.create_table(
        "search_words",
        sa.Column("word", sa.String(length=60), nullable=False),
        sa.Column("stem", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.create_index("ix_search_words_stem", "search_words", ["stem"])
    op.create_table(
        "search_doc_facts",
        sa.Column("doc_key", sa.String(length=200), nullable=False),
        sa.Column("fact_key", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=True),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doc_key"],
            ["search_docs.key"],
            name=op.f("fk_search_doc_facts_doc_key_search_docs"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doc_key", "fact_key", name=op.f("pk_search_doc_facts")),
    )
    op.create_index("ix_search_doc_facts_fact_key_scope", "search_doc_facts", ["fact_key", "scope"])
    op.create_index("ix_search_doc_facts_slug_scope", "search_doc_facts", ["slug", "scope"])
    op.create_table(
        "search_stems",
        sa.Column(
            "stem",
            sa.String(length=60).with_variant(sa.String(length=60, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stem", name=op.f("pk_search_stems")),
    )
    old = _revision_0003()
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": old.SQLITE_FULL_TEXT, "postgresql": old.POSTGRESQL_FULL_TEXT}
    for statement in statements.get(dialect, ()):
        op.execute(statement)
