"""knowledge: who last changed a fact's description or type, so a sync keeps an editor's change

Revision ID: 0007_fact_editors
Revises: 0006_search_stems
Create Date: 2026-11-23 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_fact_editors"
down_revision: str | Sequence[str] | None = "0006_search_stems"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Facts written before this revision count as the sync's: the folder goes on winning for them.
    op.add_column(
        "kb_facts",
        sa.Column("updated_by", sa.String(length=254), server_default="kb sync", nullable=False),
    )


def downgrade() -> None:
    # Not batch mode: recreating kb_facts on SQLite would cascade-delete every fact value.
    op.drop_column("kb_facts", "updated_by")
