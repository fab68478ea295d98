"""auth: a session epoch per account (signing out ends every session) and login failures counted
in the database

Revision ID: 0008_hardening
Revises: 0007_fact_editors
Create Date: 2026-11-28 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "0008_hardening"
down_revision: str | Sequence[str] | None = "0007_fact_editors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_table(
        "login_failures",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_failures")),
    )
    op.create_index(
        op.f("ix_login_failures_last_failure_at"), "login_failures", ["last_failure_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_last_failure_at"), table_name="login_failures")
    op.drop_table("login_failures")
    # Not batch mode: recreating users on SQLite would cascade through its foreign keys.
    op.drop_column("users", "session_epoch")
