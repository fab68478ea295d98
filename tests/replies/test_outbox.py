"""Claiming under a lease: no two workers hold the same reply, and only the holder settles it."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction, utcnow
from hotline.replies import outbox
from hotline.replies.models import Reply
from tests.replies.conftest import QueueReplies

LEASE = 60.0


def claim(engine: Engine, worker: str, *, limit: int = 10, at_offset: float = 0) -> list[Reply]:
    with transaction(make_sessionmaker(engine)) as session:
        now = utcnow() + timedelta(seconds=at_offset)
        return outbox.claim_due(session, worker, now, limit=limit, lease_seconds=LEASE)


def test_a_claimed_reply_is_not_claimed_again_until_its_lease_runs_out(
    settings: Settings, queue_replies: QueueReplies, engine: Engine
) -> None:
    replies = queue_replies(settings, count=3)
    first = claim(engine, "worker-a", limit=2)
    second = claim(engine, "worker-b")
    assert [r.id for r in first] == [r.id for r in replies[:2]]
    assert [r.id for r in second] == [replies[2].id]
    assert claim(engine, "worker-c") == []

    reclaimed = claim(engine, "worker-c", at_offset=LEASE + 1)
    assert sorted(r.id for r in reclaimed) == sorted(r.id for r in replies)
    assert {(r.claimed_by, r.attempts) for r in reclaimed} == {("worker-c", 2)}


def test_only_the_worker_holding_the_claim_can_settle_it(
    settings: Settings, queue_replies: QueueReplies, engine: Engine, session: Session
) -> None:
    (reply,) = queue_replies(settings)
    (stale,) = claim(engine, "worker-a")
    claim(engine, "worker-b", at_offset=LEASE + 1)  # worker-a was too slow
    with transaction(make_sessionmaker(engine)) as tx:
        assert outbox.mark_sent(tx, settings, [stale], "worker-a", utcnow()) == set()
    assert session.get_one(Reply, reply.id).claimed_by == "worker-b"
    with transaction(make_sessionmaker(engine)) as tx:
        assert outbox.mark_sent(tx, settings, [stale], "worker-b", utcnow()) == {reply.id}


def test_on_postgresql_a_claim_in_progress_is_skipped_not_waited_for(
    backend: str, settings: Settings, queue_replies: QueueReplies, engine: Engine
) -> None:
    if backend != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claims on its write lock")
    replies = queue_replies(settings, count=4)
    sessions = make_sessionmaker(engine)
    with sessions() as slow, sessions() as fast:
        held = outbox.claim_due(slow, "worker-a", utcnow(), limit=2, lease_seconds=LEASE)
        fast.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
        taken = outbox.claim_due(fast, "worker-b", utcnow(), limit=10, lease_seconds=LEASE)
        fast.commit()
        slow.commit()
    assert [r.id for r in held] == [r.id for r in replies[:2]]
    assert [r.id for r in taken] == [r.id for r in replies[2:]]
