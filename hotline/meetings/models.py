"""Meeting types editors define, each municipality's overrides, and the booked meetings.

The last free slot is taken once by the database, not by a check-then-insert: a booking holds
one numbered *seat* of its slot (1..parallel agents), and ``uq_meeting_bookings_seat`` makes
(type, slot start, seat) unique. Two concurrent bookings of the last seat: one INSERT wins,
the other fails on the constraint (PostgreSQL waits for the winner's commit; SQLite serialises
writers). A cancelled booking gives its seat back by setting ``seat`` to NULL (NULLs are
distinct in a unique constraint on both databases), so the slot can be booked again.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class MeetingChannel(StrEnum):
    PHONE = "phone"
    VIDEO = "video"


class BookingState(StrEnum):
    BOOKED = "booked"
    HELD = "held"
    NO_SHOW = "no_show"
    CANCELLED_BY_CITIZEN = "cancelled_by_citizen"
    CANCELLED_BY_MUNICIPALITY = "cancelled_by_municipality"


ACTIVE_STATES = (BookingState.BOOKED, BookingState.HELD, BookingState.NO_SHOW)


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class MeetingType(Base):
    """A kind of meeting citizens book, defined once for every municipality by editors.

    ``questions``: a list of ``Question`` (hotline/meetings/schemas.py) as JSON;
    ``opening_hours``: weekday ("0" = Monday) -> list of ["HH:MM", "HH:MM"] local windows;
    ``closed_days``: ISO dates closed besides weekends without hours and Danish public holidays.
    """

    __tablename__ = "meeting_types"
    __table_args__ = (
        CheckConstraint(f"channel IN ({_values(MeetingChannel)})", name="channel_known"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 240", name="duration_sane"),
        CheckConstraint("parallel_agents BETWEEN 1 AND 100", name="parallel_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    article_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    opening_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSON, default=dict)
    closed_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    parallel_agents: Mapped[int] = mapped_column(Integer, default=1)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MeetingTypeOverride(Base):
    """What one municipality changes on a meeting type: hide it, ask more, instruct its agents."""

    __tablename__ = "meeting_type_overrides"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code", ondelete="CASCADE"), primary_key=True
    )
    meeting_type_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_types.id", ondelete="CASCADE"), primary_key=True
    )
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    local_questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    local_instructions: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Booking(Base):
    """One booked meeting: the slot, the citizen's answers and contact details, what happened."""

    __tablename__ = "meeting_bookings"
    __table_args__ = (
        UniqueConstraint("meeting_type_id", "starts_at", "seat", name="uq_meeting_bookings_seat"),
        CheckConstraint(f"state IN ({_values(BookingState)})", name="state_known"),
        CheckConstraint(
            "(seat IS NULL) = (state IN ('cancelled_by_citizen', 'cancelled_by_municipality'))",
            name="cancelled_frees_seat",
        ),
        CheckConstraint(
            "citizen_phone IS NOT NULL OR citizen_email IS NOT NULL OR erased_at IS NOT NULL",
            name="reachable",
        ),
        Index("ix_meeting_bookings_starts_at", "starts_at"),
        Index("ix_meeting_bookings_municipality_month", "municipality_code", "local_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_month: Mapped[str] = mapped_column(String(7))  # "2026-11": reports group by it
    seat: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(30), default=BookingState.BOOKED.value)
    # Personal data, as the citizen gave it (each answer passed the CPR guard); erased
    # HOTLINE_BOOKING_RETENTION_DAYS after the meeting's end (hotline/meetings/retention.py).
    citizen_name: Mapped[str | None] = mapped_column(String(120))
    citizen_phone: Mapped[str | None] = mapped_column(String(40))
    citizen_email: Mapped[str | None] = mapped_column(String(254))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(2), default="da")
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Filled when an agent starts the meeting (a contact with channel 'meeting').
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
