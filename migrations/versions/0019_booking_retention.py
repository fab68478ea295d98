"""booking retention: a booking's citizen details and answers are erased after
HOTLINE_BOOKING_RETENTION_DAYS; the anonymised row (no name, phone or email) stays for reports.

Revision ID: 0019_booking_retention
Revises: 0018_meetings_console
Create Date: 2026-11-29 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "0019_booking_retention"
down_revision: str | Sequence[str] | None = "0018_meetings_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_bookings") as batch:
        batch.add_column(
            sa.Column("erased_at", hotline.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.alter_column("citizen_name", existing_type=sa.String(length=120), nullable=True)
        batch.drop_constraint(op.f("ck_meeting_bookings_reachable"), type_="check")
        batch.create_check_constraint(
            op.f("ck_meeting_bookings_reachable"),
            "citizen_phone IS NOT NULL OR citizen_email IS NOT NULL OR erased_at IS NOT NULL",
        )


def downgrade() -> None:
    # Erased rows cannot satisfy the old check: downgrading needs them gone or refilled first.
    with op.batch_alter_table("meeting_bookings") as batch:
        batch.drop_constraint(op.f("ck_meeting_bookings_reachable"), type_="check")
        batch.create_check_constraint(
            op.f("ck_meeting_bookings_reachable"),
            "citizen_phone IS NOT NULL OR citizen_email IS NOT NULL",
        )
        batch.alter_column("citizen_name", existing_type=sa.String(length=120), nullable=False)
        batch.drop_column("erased_at")
