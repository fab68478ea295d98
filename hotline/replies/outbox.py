"""The worker's side of the outbox: claim due replies under a lease, record each outcome.

Each function is one short transaction of the worker's. A claim is a single conditional UPDATE
(``FOR UPDATE SKIP LOCKED`` in its subquery on PostgreSQL; SQLite runs it under its one write
lock), so two workers never hold the same row. Every outcome is written only while the worker
still holds the claim. A worker that dies leaves its rows ``sending`` until the lease runs out;
then another worker claims them again (at-least-once delivery, same Message-ID).
"""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.replies.audit import audit
from hotline.replies.models import (
    IDEMPOTENCY_WINDOW,
    SETTLED,
    IdempotencyKey,
    Reply,
    ReplyStatus,
)


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(
            Reply.status.in_([ReplyStatus.QUEUED.value, ReplyStatus.RETRYING.value]),
            Reply.next_attempt_at <= now,
        ),
        and_(Reply.status == ReplyStatus.SENDING.value, Reply.lease_until < now),
    )


def claim_due(
    session: Session, worker_id: str, now: datetime, *, limit: int, lease_seconds: float
) -> list[Reply]:
    """Claim up to ``limit`` due replies (oldest first) and load them."""
    # A CTE with FOR UPDATE is evaluated exactly once on PostgreSQL; an IN (subquery ... LIMIT)
    # may be re-run by the planner and claim more rows than the limit.
    candidates = (
        select(Reply.id)
        .where(_due(now))
        .order_by(Reply.next_attempt_at, Reply.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
    )
    claimed = session.scalars(
        update(Reply)
        .where(Reply.id.in_(select(candidates.c.id)), _due(now))
        .values(
            status=ReplyStatus.SENDING.value,
            claimed_by=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=Reply.attempts + 1,
            updated_at=now,
        )
        .returning(Reply.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    return list(
        session.scalars(
            select(Reply).where(Reply.id.in_(claimed)).order_by(Reply.next_attempt_at, Reply.id)
        )
    )


def renew_lease(session: Session, worker_id: str, now: datetime, lease_seconds: float) -> None:
    """Extend the lease on everything this worker still holds (long batches, slow servers)."""
    session.execute(
        update(Reply)
        .where(Reply.claimed_by == worker_id, Reply.status == ReplyStatus.SENDING.value)
        .values(lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )


def release(session: Session, worker_id: str, reply_ids: Sequence[int], now: datetime) -> None:
    """Hand back claimed but unsent replies (graceful stop): due again at once."""
    session.execute(
        update(Reply)
        .where(
            Reply.id.in_(reply_ids),
            Reply.claimed_by == worker_id,
            Reply.status == ReplyStatus.SENDING.value,
        )
        .values(lease_until=now)
        .execution_options(synchronize_session=False)
    )


def _settle(
    session: Session, reply_ids: Sequence[int], worker_id: str, **values: object
) -> set[int]:
    """Write an outcome where this worker still holds the claim; returns those replies' ids."""
    settled = session.scalars(
        update(Reply)
        .where(
            Reply.id.in_(reply_ids),
            Reply.claimed_by == worker_id,
            Reply.status == ReplyStatus.SENDING.value,
        )
        .values(claimed_by=None, lease_until=None, **values)
        .returning(Reply.id)
        .execution_options(synchronize_session=False)
    )
    return set(settled)


def mark_sent(
    session: Session,
    settings: Settings,
    replies: Sequence[Reply],
    worker_id: str,
    now: datetime,
) -> set[int]:
    """Record replies as sent (one statement for the group); returns the ids still held."""
    settled = _settle(
        session,
        [reply.id for reply in replies],
        worker_id,
        status=ReplyStatus.SENT.value,
        sent_at=now,
        next_attempt_at=None,
        last_error=None,
        updated_at=now,
    )
    session.add_all(audit(settings, r, None, "sent") for r in replies if r.id in settled)
    return settled


def retry_delay(settings: Settings, attempts: int) -> float:
    """Exponential backoff with jitter: half the step fixed, half random, so workers spread."""
    step = min(
        settings.mail_retry_base_seconds * 2 ** (attempts - 1), settings.mail_retry_max_seconds
    )
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311 - jitter, not security


def mark_failed_attempt(
    session: Session,
    settings: Settings,
    reply: Reply,
    worker_id: str,
    now: datetime,
    reason: str,
    *,
    permanent: bool,
) -> str | None:
    """Schedule a retry, or fail for good when permanent or out of attempts.

    Returns the new status, or None when the lease was lost meanwhile.
    """
    reason = reason[:1000]
    if permanent or reply.attempts >= settings.mail_max_attempts:
        if not permanent:
            reason = f"gave up after {reply.attempts} attempts; last error: {reason}"[:1000]
        status, next_attempt_at = ReplyStatus.FAILED, None
    else:
        status = ReplyStatus.RETRYING
        next_attempt_at = now + timedelta(seconds=retry_delay(settings, reply.attempts))
    settled = _settle(
        session,
        [reply.id],
        worker_id,
        status=status.value,
        next_attempt_at=next_attempt_at,
        last_error=reason,
        updated_at=now,
    )
    if not settled:
        return None
    if status is ReplyStatus.FAILED:
        reply.last_error = reason
        session.add(audit(settings, reply, None, "failed"))
    return status.value


def purge_expired(session: Session, settings: Settings, now: datetime) -> int:
    """Erase recipient, subject and content of replies settled longer ago than the retention.

    The reply row (who, for which municipality, status, Message-ID, article slugs) and the
    audit trail with its hashed recipient stay.
    """
    cutoff = now - timedelta(days=settings.reply_retention_days)
    expired = select(Reply.id).where(
        Reply.status.in_([status.value for status in SETTLED]),
        Reply.updated_at < cutoff,
        Reply.purged_at.is_(None),
    )
    erased = session.execute(
        update(Reply)
        .where(Reply.id.in_(expired))
        .values(to=None, subject="", html=None, text=None, mime=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_WINDOW)
    )
    return erased.rowcount  # type: ignore[attr-defined]


def backlog(session: Session) -> dict[str, tuple[int, datetime | None]]:
    """Unsettled replies per status: how many, and when the oldest was queued (for /metrics)."""
    rows = session.execute(
        select(Reply.status, func.count(), func.min(Reply.created_at))
        .where(Reply.status.not_in([status.value for status in SETTLED]))
        .group_by(Reply.status)
    ).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    return {
        status.value: found.get(status.value, (0, None))
        for status in ReplyStatus
        if status not in SETTLED
    }
