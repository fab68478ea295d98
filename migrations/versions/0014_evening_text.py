"""evening text: stored texts repaired to one spelling (``\\n`` line endings, Unicode NFC);
articles, their revisions, overrides and local articles get notes for agents only; each reply
gets the short reference a citizen quotes.

Revision ID: 0014_evening_text
Revises: 0013_meetings
Create Date: 2026-11-29 02:40:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_evening_text"
down_revision: str | Sequence[str] | None = "0013_meetings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGENT_NOTES_TABLES = ("kb_articles", "kb_article_revisions", "kb_overrides", "kb_local_articles")

# (table, primary key columns, text columns) of every text a person wrote and hotline keeps.
STORED_TEXTS = (
    ("kb_articles", ("id",), ("title", "body", "category")),
    ("kb_article_revisions", ("article_id", "revision"), ("title", "body", "category")),
    ("kb_overrides", ("id",), ("title", "body")),
    ("kb_local_articles", ("id",), ("title", "body", "category")),
    ("kb_facts", ("key",), ("description",)),
    ("kb_fact_values", ("municipality_code", "fact_key"), ("value",)),
    ("reply_templates", ("id",), ("title", "subject", "body_markdown")),
    ("contacts", ("id",), ("note",)),
)


def _normalised(text: str | None) -> str | None:
    """As ``hotline.kit.text.normalise_text`` (a migration must not change with the app)."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _repair_texts() -> None:
    """Texts saved from browser forms kept ``\\r\\n``: a one-line edit then showed every line as
    changed, and a body became one block. Rewrite only the rows that differ."""
    bind = op.get_bind()
    for name, keys, columns in STORED_TEXTS:
        table = sa.table(name, *(sa.column(column) for column in (*keys, *columns)))
        for row in bind.execute(sa.select(table)).mappings():
            changes = {
                column: _normalised(row[column])
                for column in columns
                if row[column] is not None and _normalised(row[column]) != row[column]
            }
            if changes:
                condition = sa.and_(*(table.c[key] == row[key] for key in keys))
                bind.execute(table.update().where(condition).values(**changes))


def upgrade() -> None:
    for table in AGENT_NOTES_TABLES:
        op.add_column(table, sa.Column("agent_notes", sa.Text(), server_default="", nullable=False))
    op.add_column("replies", sa.Column("reference", sa.String(length=16), nullable=True))
    op.create_index(op.f("ix_replies_reference"), "replies", ["reference"], unique=True)
    _repair_texts()


def downgrade() -> None:
    op.drop_index(op.f("ix_replies_reference"), table_name="replies")
    op.drop_column("replies", "reference")
    for table in AGENT_NOTES_TABLES:
        op.drop_column(table, "agent_notes")
