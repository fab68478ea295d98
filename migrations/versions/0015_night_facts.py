"""night facts: a fact's human label (what agents and citizens read instead of its key) and
its shared default (a value every municipality has until it gives its own, e.g. 1813, 114)

Revision ID: 0015_night_facts
Revises: 0013_meetings
Create Date: 2026-11-29 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_night_facts"
down_revision: str | Sequence[str] | None = "0014_evening_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kb_facts") as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("default_value", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_facts") as batch_op:
        batch_op.drop_column("default_value")
        batch_op.drop_column("label")
