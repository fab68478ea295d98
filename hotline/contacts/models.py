"""The contact record, the articles it touched, its forward to a municipal desk, the routing
tables that pick the desk, the hotline's price per contact and the audit of personal reads.

Reports group by the citizen's local (Europe/Copenhagen) day, week, month, hour and weekday.
Those are written once when the contact starts (``local_*`` columns), so every report is a plain
GROUP BY on an indexed column that reads the same on SQLite and PostgreSQL, instead of a
per-row time-zone conversion each database spells differently.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, UTCDateTime, utcnow

NOTE_MAX_CHARS = 500
DEFAULT_DESK = "*"  # the routing row used for every category without a row of its own


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    MEETING = "meeting"


class Outcome(StrEnum):
    ANSWERED = "answered"
    REPLY_SENT = "reply_sent"
    FORWARDED = "forwarded"
    CALLBACK_AGREED = "callback_agreed"
    REFERRED = "referred"  # to another authority, named in referred_to
    DROPPED = "dropped"


# Finished at first contact: the citizen needed nobody else.
FIRST_CONTACT_RESOLUTION = (Outcome.ANSWERED, Outcome.REPLY_SENT)


class Authority(StrEnum):
    """Authorities a contact is referred to (the hotline cannot act for them)."""

    UDBETALING_DANMARK = "udbetaling_danmark"
    SKAT = "skat"
    POLITI = "politi"
    SUNDHEDSVAESEN = "sundhedsvaesen"
    FAMILIERETSHUSET = "familieretshuset"
    ANDEN = "anden"


class ForwardState(StrEnum):
    OPEN = "open"
    IN_TIME = "in_time"
    LATE = "late"


class ArticleUse(StrEnum):
    OPENED = "opened"
    ATTACHED = "attached"


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Contact(Base):
    """One call, email, chat or meeting with a citizen, from start to outcome."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(f"channel IN ({_values(Channel)})", name="channel_known"),
        CheckConstraint(f"outcome IN ({_values(Outcome)})", name="outcome_known"),
        CheckConstraint(
            "(outcome = 'referred') = (referred_to IS NOT NULL)", name="referral_names_authority"
        ),
        CheckConstraint(f"forward_state IN ({_values(ForwardState)})", name="forward_state_known"),
        Index("ix_contacts_municipality_month", "municipality_code", "local_month"),
        Index("ix_contacts_local_date", "local_date"),
        Index("ix_contacts_agent_started", "agent_id", "started_at"),
        Index("ix_contacts_updated_at", "updated_at"),  # the days a rollup must recompute
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    member: Mapped[bool] = mapped_column(Boolean)  # membership when the contact started
    channel: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handling_seconds: Mapped[int | None] = mapped_column(Integer)
    local_date: Mapped[date] = mapped_column(Date)
    local_week: Mapped[date] = mapped_column(Date)  # the Monday of its ISO week
    local_month: Mapped[date] = mapped_column(Date)  # the first of its month
    local_hour: Mapped[int] = mapped_column(Integer)
    local_weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    topic: Mapped[str | None] = mapped_column(String(80))  # a knowledge-base category
    outcome: Mapped[str | None] = mapped_column(String(20))
    referred_to: Mapped[str | None] = mapped_column(String(40))
    # Kept beside the Forward row so reports count forwards without a join: None (never
    # forwarded), 'open', 'in_time' or 'late' (handled after the promised deadline).
    forward_state: Mapped[str | None] = mapped_column(String(10))
    # Personal data: erased contact_retention_days after the contact ended (erased_at set).
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX_CHARS))
    citizen_name: Mapped[str | None] = mapped_column(String(120))
    citizen_phone: Mapped[str | None] = mapped_column(String(40))
    citizen_email: Mapped[str | None] = mapped_column(String(254))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    articles: Mapped[list["ContactArticle"]] = relationship(
        order_by="ContactArticle.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class ContactArticle(Base):
    """An article the agent opened or attached while the contact was open (once each)."""

    __tablename__ = "contact_articles"
    __table_args__ = (UniqueConstraint("contact_id", "slug", "use"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(120))
    use: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SharedRoute(Base):
    """The default routing every municipality inherits: category -> desk name and the local
    part of its mailbox (``borgerservice`` becomes borgerservice@<the municipality's domain>)."""

    __tablename__ = "routing_shared"

    category: Mapped[str] = mapped_column(String(80), primary_key=True)
    desk_name: Mapped[str] = mapped_column(String(120))
    mailbox_local_part: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LocalRoute(Base):
    """A municipality's own desk for a category (or ``*``, its default desk)."""

    __tablename__ = "routing_local"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(80), primary_key=True)
    desk_name: Mapped[str] = mapped_column(String(120))
    mailbox: Mapped[str] = mapped_column(String(254))
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Forward(Base):
    """A contact handed to a municipal desk: sent through the outbox, handled via its link."""

    __tablename__ = "contact_forwards"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    municipality_code: Mapped[str] = mapped_column(String(4), index=True)
    desk_name: Mapped[str] = mapped_column(String(120))
    mailbox: Mapped[str] = mapped_column(String(254))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"))  # set once queued
    promise: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactPrice(Base):
    """The hotline's price per contact from a month on (set by an operator)."""

    __tablename__ = "contact_prices"

    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)  # first of a month
    price_per_contact: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    set_by: Mapped[str] = mapped_column(String(254))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ContactReadAudit(Base):
    """Append-only: who read a contact's personal data (name, phone, email, note), when."""

    __tablename__ = "contact_read_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(40))


# ---------------------------------------------------------------------------- rollups

# Handling-time histogram of the contact rollup: bucket i holds the handling times in
# [HANDLING_EDGES[i - 1], HANDLING_EDGES[i]) seconds (the last bucket is open-ended). Half-minute
# buckets up to 10 minutes, where most contacts end, then coarser ones.
HANDLING_EDGES = (*range(30, 601, 30), 720, 900, 1200, 1800, 3600)
HANDLING_BUCKETS = tuple(f"handled_{index:02d}" for index in range(len(HANDLING_EDGES) + 1))
CONTACT_MEASURES = (
    "contacts",
    "closed",
    "first_contact_resolved",
    "forwarded",
    "forwards",
    "forwards_in_time",
    "non_member",
)


def _contact_rollup(name: str, *grain: Column[Any]) -> Table:
    return Table(
        name,
        Base.metadata,
        *grain,
        *(Column(measure, Integer, nullable=False) for measure in CONTACT_MEASURES),
        *(Column(bucket, Integer, nullable=False) for bucket in HANDLING_BUCKETS),
    )


# Two grains, each small for what it answers (a year of 500,000 contacts is ~9,000 and
# ~36,000 rows; one grain of day x hour x municipality would be ~300,000): every municipality
# together per day and hour (the heatmap, and days, weeks and months for those who see all) ...
contact_hourly_rollups = _contact_rollup(
    "contact_hourly_rollups",
    Column("local_date", Date, primary_key=True),
    Column("local_hour", Integer, primary_key=True),
    Column("local_weekday", Integer, nullable=False),
)
# ... and per day and municipality (the role scope's column: a municipality's own figures, the
# comparison between municipalities).
contact_daily_rollups = _contact_rollup(
    "contact_daily_rollups",
    Column("local_date", Date, primary_key=True),
    Column("municipality_code", String(4), primary_key=True),
    Column("local_week", Date, nullable=False),
    Column("local_month", Date, nullable=False),
)


class RollupState(Base):
    """How far a rollup is built: every day up to ``rolled_through`` is in it, as the source
    rows were at ``watermark`` (rows changed after it mark their day to be read live)."""

    __tablename__ = "report_rollups"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    rolled_through: Mapped[date] = mapped_column(Date)
    watermark: Mapped[datetime] = mapped_column(UTCDateTime)
