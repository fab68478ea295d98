"""Measured satisfaction: a citizen's answer about one contact, and the municipal partners'
feedback rounds.

A survey answer hangs on its contact (primary key = the contact's id): it is personal data only
through that contact, and its comment is erased with the contact's citizen details when the
contact's retention runs out (the rating stays, anonymous, for the statistics).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow

COMMENT_MAX_CHARS = 1000


class GotAnswer(StrEnum):
    JA = "ja"
    DELVIST = "delvist"
    NEJ = "nej"


class InvitedBy(StrEnum):
    REPLY = "reply"  # the link in a reply email
    PHONE_SURVEY = "phone_survey"  # the survey email after a phone contact


class SurveyInvitation(Base):
    """A contact whose citizen got the survey link (the denominator of the response rate)."""

    __tablename__ = "survey_invitations"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    invited_by: Mapped[str] = mapped_column(String(16))
    # indexed: a new invitation marks its contact's day for the satisfaction rollup
    first_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"))
    # A phone contact's survey email goes only to a citizen who agreed on the phone: when the
    # agent recorded that agreement (None for the link in a reply, which needs none).
    citizen_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """The citizen's one answer about a contact; they may change it for CHANGE_WINDOW."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_1_to_5"),
        CheckConstraint("got_answer IN ('ja', 'delvist', 'nej')", name="got_answer_known"),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    got_answer: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX_CHARS))
    first_answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # indexed: a new or changed answer marks its contact's day for the satisfaction rollup
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    changes: Mapped[int] = mapped_column(Integer, default=0)


SATISFACTION_MEASURES = ("invited", "answered", "rating_sum", "satisfied", "got_answer")

satisfaction_rollups = Table(
    "satisfaction_rollups",
    Base.metadata,
    # One Copenhagen day and municipality of the contacts that got a survey link.
    Column("local_date", Date, primary_key=True),
    Column("municipality_code", String(4), primary_key=True),
    Column("local_month", Date, nullable=False),
    *(Column(name, Integer, nullable=False) for name in SATISFACTION_MEASURES),
)


class FeedbackRound(Base):
    """An operator asks the member municipalities for their assessment, until ``closes_on``."""

    __tablename__ = "feedback_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closes_on: Mapped[date] = mapped_column(Date)  # the last Copenhagen day to answer
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerInvitation(Base):
    """One municipality admin asked in a round: when mailed, when last reminded."""

    __tablename__ = "feedback_invitations"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(4))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerAnswer(Base):
    """A municipality's answer in a round (any of its admins; the last one counts)."""

    __tablename__ = "feedback_answers"
    __table_args__ = (
        UniqueConstraint("round_id", "municipality_code"),
        CheckConstraint(
            "quality_of_answers BETWEEN 1 AND 5 AND quality_of_forwards BETWEEN 1 AND 5 "
            "AND cooperation BETWEEN 1 AND 5",
            name="scores_1_to_5",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    answered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quality_of_answers: Mapped[int] = mapped_column(Integer)
    quality_of_forwards: Mapped[int] = mapped_column(Integer)
    cooperation: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX_CHARS))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
