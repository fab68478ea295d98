import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer.schemas import ReplyRequest
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction
from hotline.replies import service
from hotline.replies.models import Reply
from hotline.replies.worker import Worker
from tests.mail.sink import dkim_keys, smtp_sink

__all__ = ["dkim_keys", "smtp_sink"]  # fixtures shared with tests/mail


def reply_request(**changes: object) -> ReplyRequest:
    """A citizen of Aarhus asking about something; override any field."""
    fields: dict[str, object] = {
        "municipality": "0751",
        "to": "borger@example.dk",
        "citizen_name": "Karen Jensen",
        "subject": "Svar på dit spørgsmål",
        "body_markdown": "Tak for din henvendelse. Du kan **bestille tid** på hjemmesiden.",
        **changes,
    }
    return ReplyRequest.model_validate(fields)


QueueReplies = Callable[..., list[Reply]]


@pytest.fixture
def queue_replies(engine: Engine, demo_users: dict[str, User]) -> QueueReplies:
    """Queue replies through the service, as POST /api/v1/replies does, committed."""

    def queue(
        settings: Settings, count: int = 1, agent: str = "agent.odense", **changes: object
    ) -> list[Reply]:
        with transaction(make_sessionmaker(engine)) as session:
            return [
                service.submit(session, settings, reply_request(**changes), demo_users[agent])[0]
                for _ in range(count)
            ]

    return queue


@pytest.fixture
def reload(engine: Engine) -> Callable[[Reply], Reply]:
    def fresh(reply: Reply) -> Reply:
        with Session(engine) as session:
            return session.get_one(Reply, reply.id)

    return fresh


@contextmanager
def running_worker(settings: Settings, **changes: object) -> Iterator[Worker]:
    """A worker polling in a thread of its own until the block ends."""
    worker = Worker(settings.model_copy(update={"mail_poll_seconds": 0.05, **changes}))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(worker.run(),))
    thread.start()
    try:
        yield worker
    finally:
        loop.call_soon_threadsafe(worker.request_stop)
        thread.join(timeout=30)
        loop.close()


def deliver(settings: Settings, **changes: object) -> None:
    """Run one outbox worker until nothing is due."""
    asyncio.run(Worker(settings.model_copy(update=changes)).run(until_idle=True))
