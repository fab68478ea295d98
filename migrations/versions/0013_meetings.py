"""meetings: meeting types, municipal overrides, bookings (one seat per slot, unique); replies
and send_audit may have no agent (system messages). The per-address rate-limit windows the
booking page counts in are satisfaction's (0012_satisfaction).

Revision ID: 0013_meetings
Revises: 0012_satisfaction
Create Date: 2026-11-29 00:12:40.342141
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "0013_meetings"
down_revision: str | Sequence[str] | None = "0012_satisfaction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SYSTEM_MESSAGE_TABLES = ("replies", "send_audit")  # agent_id becomes optional


def _agent_optional(optional: bool) -> None:
    """Outbox rows without an agent (a meeting's confirmation and reminder). On SQLite by the
    documented writable_schema edit of the table's SQL, as 0009_contacts does: recreating
    replies would trip every foreign key that references it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for table in SYSTEM_MESSAGE_TABLES:
            op.alter_column(table, "agent_id", existing_type=sa.Integer(), nullable=optional)
        return
    required, relaxed = "agent_id INTEGER NOT NULL,", "agent_id INTEGER,"
    old, new = (required, relaxed) if optional else (relaxed, required)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    for table in SYSTEM_MESSAGE_TABLES:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
            (old, new, table),
        )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    _agent_optional(True)

    op.create_table(
        "meeting_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("article_slugs", sa.JSON(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("closed_days", sa.JSON(), nullable=False),
        sa.Column("parallel_agents", sa.Integer(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("min_notice_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('phone', 'video')", name=op.f("ck_meeting_types_channel_known")
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 5 AND 240", name=op.f("ck_meeting_types_duration_sane")
        ),
        sa.CheckConstraint(
            "parallel_agents BETWEEN 1 AND 100", name=op.f("ck_meeting_types_parallel_sane")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_types")),
        sa.UniqueConstraint("slug", name=op.f("uq_meeting_types_slug")),
    )
    op.create_table(
        "meeting_type_overrides",
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("meeting_type_id", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("local_questions", sa.JSON(), nullable=False),
        sa.Column("local_instructions", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_type_id"],
            ["meeting_types.id"],
            name=op.f("fk_meeting_type_overrides_meeting_type_id_meeting_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_meeting_type_overrides_municipality_code_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "municipality_code", "meeting_type_id", name=op.f("pk_meeting_type_overrides")
        ),
    )
    op.create_table(
        "meeting_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_type_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("starts_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_month", sa.String(length=7), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("citizen_name", sa.String(length=120), nullable=False),
        sa.Column("citizen_phone", sa.String(length=40), nullable=True),
        sa.Column("citizen_email", sa.String(length=254), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("booked_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_queued_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("started_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(seat IS NULL) = (state IN ('cancelled_by_citizen', 'cancelled_by_municipality'))",
            name=op.f("ck_meeting_bookings_cancelled_frees_seat"),
        ),
        sa.CheckConstraint(
            "state IN ('booked', 'held', 'no_show', 'cancelled_by_citizen', "
            "'cancelled_by_municipality')",
            name=op.f("ck_meeting_bookings_state_known"),
        ),
        sa.CheckConstraint(
            "citizen_phone IS NOT NULL OR citizen_email IS NOT NULL",
            name=op.f("ck_meeting_bookings_reachable"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_meeting_bookings_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_meeting_bookings_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_type_id"],
            ["meeting_types.id"],
            name=op.f("fk_meeting_bookings_meeting_type_id_meeting_types"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_meeting_bookings_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_bookings")),
        sa.UniqueConstraint(
            "meeting_type_id", "starts_at", "seat", name="uq_meeting_bookings_seat"
        ),
    )
    with op.batch_alter_table("meeting_bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meeting_bookings_municipality_month",
            ["municipality_code", "local_month"],
            unique=False,
        )
        batch_op.create_index("ix_meeting_bookings_starts_at", ["starts_at"], unique=False)


def downgrade() -> None:
    _agent_optional(False)  # fails if system messages exist: delete them first

    with op.batch_alter_table("meeting_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_bookings_starts_at")
        batch_op.drop_index("ix_meeting_bookings_municipality_month")

    op.drop_table("meeting_bookings")
    op.drop_table("meeting_type_overrides")
    op.drop_table("meeting_types")
