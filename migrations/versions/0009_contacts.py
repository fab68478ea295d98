"""contacts: the contact record, forwards to municipal desks, routing tables, prices, the read
audit, replies linked to their contact, and the supervisor role

Revision ID: 0009_contacts
Revises: 0008_hardening
Create Date: 2026-11-28 23:08:06.742402
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

ROLES_BEFORE = "'operator', 'editor', 'municipality_admin', 'agent'"
ROLES_WITH_SUPERVISOR = ROLES_BEFORE + ", 'supervisor'"


revision: str = "0009_contacts"
down_revision: str | Sequence[str] | None = "0008_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _allow_roles(roles: str) -> None:
    """Rewrite the users.role CHECK. On SQLite by the documented writable_schema edit of the
    table's SQL (recreating users would trip every foreign key that references it); widening
    or narrowing a CHECK leaves the stored rows as they are."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_role_known"), "users", type_="check")
        op.create_check_constraint(op.f("ck_users_role_known"), "users", f"role IN ({roles})")
        return
    old, new = (
        (ROLES_WITH_SUPERVISOR, ROLES_BEFORE)
        if roles == ROLES_BEFORE
        else (ROLES_BEFORE, ROLES_WITH_SUPERVISOR)
    )
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'users'",
        (f"role IN ({old}))", f"role IN ({new}))"),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    op.create_table(
        "contact_prices",
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("price_per_contact", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("set_by", sa.String(length=254), nullable=False),
        sa.Column("set_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("valid_from", name=op.f("pk_contact_prices")),
    )
    op.create_table(
        "routing_shared",
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("desk_name", sa.String(length=120), nullable=False),
        sa.Column("mailbox_local_part", sa.String(length=64), nullable=False),
        sa.Column("updated_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_routing_shared")),
    )
    op.create_table(
        "routing_local",
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("desk_name", sa.String(length=120), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_routing_local_municipality_code_municipalities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("municipality_code", "category", name=op.f("pk_routing_local")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("started_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handling_seconds", sa.Integer(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_week", sa.Date(), nullable=False),
        sa.Column("local_month", sa.Date(), nullable=False),
        sa.Column("local_hour", sa.Integer(), nullable=False),
        sa.Column("local_weekday", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("referred_to", sa.String(length=40), nullable=True),
        sa.Column("forward_state", sa.String(length=10), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("citizen_name", sa.String(length=120), nullable=True),
        sa.Column("citizen_phone", sa.String(length=40), nullable=True),
        sa.Column("citizen_email", sa.String(length=254), nullable=True),
        sa.Column("erased_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(outcome = 'referred') = (referred_to IS NOT NULL)",
            name=op.f("ck_contacts_referral_names_authority"),
        ),
        sa.CheckConstraint(
            "channel IN ('phone', 'email', 'chat', 'meeting')",
            name=op.f("ck_contacts_channel_known"),
        ),
        sa.CheckConstraint(
            "outcome IN ('answered', 'reply_sent', 'forwarded', 'callback_agreed', 'referred', "
            "'dropped')",
            name=op.f("ck_contacts_outcome_known"),
        ),
        sa.CheckConstraint(
            "forward_state IN ('open', 'in_time', 'late')",
            name=op.f("ck_contacts_forward_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_contacts_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_contacts_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_agent_started", ["agent_id", "started_at"], unique=False)
        batch_op.create_index("ix_contacts_local_date", ["local_date"], unique=False)
        batch_op.create_index(
            "ix_contacts_municipality_month", ["municipality_code", "local_month"], unique=False
        )

    op.create_table(
        "contact_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("use", sa.String(length=10), nullable=False),
        sa.Column("at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_articles_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_articles")),
        sa.UniqueConstraint(
            "contact_id", "slug", "use", name=op.f("uq_contact_articles_contact_id_slug_use")
        ),
    )
    op.create_table(
        "contact_read_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_read_audit_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["users.id"], name=op.f("fk_contact_read_audit_reader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_read_audit")),
    )
    with op.batch_alter_table("contact_read_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_read_audit_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "contact_forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("desk_name", sa.String(length=120), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("promise", sa.String(length=40), nullable=False),
        sa.Column("due_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_forwards_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["replies.id"], name=op.f("fk_contact_forwards_reply_id_replies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_forwards")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_contact_forwards_contact_id")),
    )
    with op.batch_alter_table("contact_forwards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_forwards_municipality_code"), ["municipality_code"], unique=False
        )

    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its REFERENCES in place: recreating replies (batch mode) would fail
        # on the send audit rows that reference it.
        op.execute(
            "ALTER TABLE replies ADD COLUMN contact_id INTEGER "
            "CONSTRAINT fk_replies_contact_id_contacts REFERENCES contacts (id)"
        )
    else:
        op.add_column("replies", sa.Column("contact_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_replies_contact_id_contacts"), "replies", "contacts", ["contact_id"], ["id"]
        )
    op.create_index(op.f("ix_replies_contact_id"), "replies", ["contact_id"], unique=False)
    _allow_roles(ROLES_WITH_SUPERVISOR)


def downgrade() -> None:
    _allow_roles(ROLES_BEFORE)
    op.drop_index(op.f("ix_replies_contact_id"), table_name="replies")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a referencing column in place: batch mode recreates replies.
        with op.batch_alter_table("replies", schema=None) as batch_op:
            batch_op.drop_column("contact_id")
    else:
        op.drop_constraint(op.f("fk_replies_contact_id_contacts"), "replies", type_="foreignkey")
        op.drop_column("replies", "contact_id")

    with op.batch_alter_table("contact_forwards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_forwards_municipality_code"))

    op.drop_table("contact_forwards")
    with op.batch_alter_table("contact_read_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_read_audit_contact_id"))

    op.drop_table("contact_read_audit")
    op.drop_table("contact_articles")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_municipality_month")
        batch_op.drop_index("ix_contacts_local_date")
        batch_op.drop_index("ix_contacts_agent_started")

    op.drop_table("contacts")
    op.drop_table("routing_local")
    op.drop_table("routing_shared")
    op.drop_table("contact_prices")
