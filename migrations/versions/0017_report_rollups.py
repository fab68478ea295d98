"""report rollups: per-day aggregates of contacts (per hour for every municipality together,
and per municipality; with a handling-time histogram) and of survey answers (per
municipality), how far each is built, and the indexes that find the days changed since
(contacts.updated_at, survey answers and invitations); a version on the shared routing and the
price per contact, which the console now edits; when a citizen agreed on the phone to the
survey email.

Revision ID: 0017_report_rollups
Revises: 0013_meetings
Create Date: 2026-11-29 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "0017_report_rollups"
down_revision: str | Sequence[str] | None = "0016_change_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of hotline.contacts.models' names (a migration does not follow later edits).
CONTACT_MEASURES = (
    "contacts",
    "closed",
    "first_contact_resolved",
    "forwarded",
    "forwards",
    "forwards_in_time",
    "non_member",
)
HANDLING_BUCKETS = tuple(f"handled_{index:02d}" for index in range(26))
# The console edits these; its forms carry the version they read (412 on a lost update).
VERSIONED = ("routing_shared", "contact_prices")
SATISFACTION_MEASURES = ("invited", "answered", "rating_sum", "satisfied", "got_answer")


def _figures() -> list[sa.Column[int]]:
    return [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in CONTACT_MEASURES + HANDLING_BUCKETS
    ]


def upgrade() -> None:
    op.create_table(
        "contact_hourly_rollups",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_hour", sa.Integer(), nullable=False),
        sa.Column("local_weekday", sa.Integer(), nullable=False),
        *_figures(),
        sa.PrimaryKeyConstraint("local_date", "local_hour"),
    )
    op.create_table(
        "contact_daily_rollups",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("local_week", sa.Date(), nullable=False),
        sa.Column("local_month", sa.Date(), nullable=False),
        *_figures(),
        sa.PrimaryKeyConstraint("local_date", "municipality_code"),
    )
    op.create_table(
        "satisfaction_rollups",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("local_month", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SATISFACTION_MEASURES),
        sa.PrimaryKeyConstraint("local_date", "municipality_code"),
    )
    op.create_table(
        "report_rollups",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("rolled_through", sa.Date(), nullable=False),
        sa.Column("watermark", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_contacts_updated_at", "contacts", ["updated_at"])
    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_index(
        op.f("ix_survey_invitations_first_sent_at"), "survey_invitations", ["first_sent_at"]
    )
    op.add_column(
        "survey_invitations",
        sa.Column("citizen_agreed_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_survey_responses_answered_at"), "survey_responses", ["answered_at"])


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations") as batch:
        batch.drop_column("citizen_agreed_at")
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
    op.drop_index(op.f("ix_survey_responses_answered_at"), table_name="survey_responses")
    op.drop_index(op.f("ix_survey_invitations_first_sent_at"), table_name="survey_invitations")
    op.drop_index("ix_contacts_updated_at", table_name="contacts")
    op.drop_table("report_rollups")
    op.drop_table("satisfaction_rollups")
    op.drop_table("contact_daily_rollups")
    op.drop_table("contact_hourly_rollups")
