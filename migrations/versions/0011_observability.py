"""replies: the request id of the request that queued each reply, for the worker's log lines

Revision ID: 0011_observability
Revises: 0010_search_changelog
Create Date: 2026-11-28 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_observability"
down_revision: str | Sequence[str] | None = "0010_search_changelog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("replies", sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Not batch mode: recreating replies on SQLite would cascade over its audit rows.
    op.drop_column("replies", "request_id")
