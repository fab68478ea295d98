"""meetings console: a municipality's override of a meeting type carries a version, so two
admins (or the console and the API) cannot overwrite each other's change unseen.

Revision ID: 0018_meetings_console
Revises: 0013_meetings
Create Date: 2026-11-29 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_meetings_console"
down_revision: str | Sequence[str] | None = "0017_report_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_type_overrides") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("meeting_type_overrides") as batch:
        batch.drop_column("version")
