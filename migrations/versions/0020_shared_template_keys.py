"""shared template keys: one shared reply template a key, kept by a partial unique index
(``UNIQUE(municipality_code, key)`` treats every NULL municipality as distinct, so two editors
creating the same key at once both got one).

Duplicates already stored are resolved first, losing nothing written: of each key's shared
templates the first created (lowest id) keeps the key; a later one with the same title, subject
and body (the copy a double click made) is deleted; a later one that differs is kept under the
key ``<key>-dublet-<id>``, where the editors find it in their list, and can merge or delete it.

Revision ID: 0020_shared_template_keys
Revises: 0019_booking_retention
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_shared_template_keys"
down_revision: str | Sequence[str] | None = "0019_booking_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_LENGTH = 80  # reply_templates.key
SHARED = sa.text("municipality_code IS NULL")
templates = sa.table(
    "reply_templates",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("municipality_code", sa.String),
    sa.column("title", sa.String),
    sa.column("subject", sa.String),
    sa.column("body_markdown", sa.Text),
)


def _duplicate_key(key: str, template_id: int, taken: set[str]) -> str:
    """``<key>-dublet-<id>``, cut to the column and still a valid key (no trailing - or _)."""
    attempt = 0
    while True:
        suffix = f"-dublet-{template_id}" + (f"-{attempt}" if attempt else "")
        candidate = key[: KEY_LENGTH - len(suffix)].rstrip("-_") + suffix
        if candidate not in taken:
            return candidate
        attempt += 1


def _resolve_shared_duplicates() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(templates)
        .where(templates.c.municipality_code.is_(None))
        .order_by(templates.c.key, templates.c.id)
    ).all()
    taken = {row.key for row in rows}
    kept: dict[str, sa.Row] = {}
    for row in rows:
        first = kept.setdefault(row.key, row)
        if first is row:
            continue
        same = (row.title, row.subject, row.body_markdown) == (
            first.title,
            first.subject,
            first.body_markdown,
        )
        if same:
            connection.execute(sa.delete(templates).where(templates.c.id == row.id))
            continue
        new_key = _duplicate_key(row.key, row.id, taken)
        taken.add(new_key)
        connection.execute(sa.update(templates).where(templates.c.id == row.id).values(key=new_key))


def upgrade() -> None:
    _resolve_shared_duplicates()
    op.create_index(
        "uq_reply_templates_shared_key",
        "reply_templates",
        ["key"],
        unique=True,
        sqlite_where=SHARED,
        postgresql_where=SHARED,
    )


def downgrade() -> None:
    # The resolved duplicates stay resolved: nothing to restore them from.
    op.drop_index("uq_reply_templates_shared_key", table_name="reply_templates")
