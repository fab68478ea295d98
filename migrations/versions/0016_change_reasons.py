"""change reasons: the editor's reason for a change of a shared article, kept with its revision

Revision ID: 0016_change_reasons
Revises: 0013_meetings
Create Date: 2026-11-29 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_change_reasons"
down_revision: str | Sequence[str] | None = "0015_night_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kb_article_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_article_revisions", schema=None) as batch_op:
        batch_op.drop_column("reason")
