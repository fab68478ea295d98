"""A reply is its own outbox entry: the status and lease columns are what the worker claims."""

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, UTCDateTime, utcnow


class ReplyStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    RETRYING = "retrying"  # a transient failure; next try at next_attempt_at
    FAILED = "failed"  # permanent refusal or out of attempts; last_error says why


SETTLED = (ReplyStatus.SENT, ReplyStatus.FAILED)
# How long a retried POST with the same Idempotency-Key gets the first result back.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in ReplyStatus)


class Reply(Base):
    """The composed message exactly as it will be sent, plus its delivery state."""

    __tablename__ = "replies"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status_known"),
        Index("ix_replies_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a system message (a meeting's confirmation or reminder): no agent wrote it.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    # Recipient, subject and content are erased reply_retention_days after the reply settled.
    to: Mapped[str | None] = mapped_column("recipient", String(254))
    subject: Mapped[str] = mapped_column(String(300))
    from_name: Mapped[str] = mapped_column(String(200))
    from_address: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    sending_domain: Mapped[str] = mapped_column(String(253))
    html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    # The exact bytes the worker sends (MIME with inline logo, DKIM-signed): built once at
    # submission, so every retry is the identical message and delivery does no CPU work.
    mime: Mapped[bytes | None] = mapped_column(LargeBinary)
    article_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # What the citizen quotes ("HL-7K3Q9"): in the subject and footer. None: a system message.
    reference: Mapped[str | None] = mapped_column(String(16), index=True, unique=True)
    # The contact it was sent within (hotline/contacts), when one was open.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)

    status: Mapped[str] = mapped_column(String(16), default=ReplyStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The X-Request-ID of the request that queued it: the worker's log lines for it carry it.
    request_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SendAudit(Base):
    """Append-only: who sent what on behalf of which municipality, to whom (hashed), outcome.

    The ``queued`` row names the agent and their municipality; ``sent`` and ``failed`` rows
    (written by the worker) record the outcome, ``detail`` holding the server's reason.

    recipient_hash is HMAC-SHA256 of the lower-cased address keyed with the server secret: it
    answers "did we write to this address?" for someone who knows the address, and is kept
    after the reply's own copy of the address is erased (HOTLINE_REPLY_RETENTION_DAYS).
    """

    __tablename__ = "send_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    event: Mapped[str] = mapped_column(String(16))  # queued, sent or failed
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agent_municipality_code: Mapped[str | None] = mapped_column(String(4))
    municipality_code: Mapped[str] = mapped_column(String(4), index=True)
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    article_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    message_id: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str | None] = mapped_column(String(1000))


class IdempotencyKey(Base):
    """An agent's Idempotency-Key and the reply its first request created."""

    __tablename__ = "reply_idempotency_keys"
    __table_args__ = (UniqueConstraint("agent_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
