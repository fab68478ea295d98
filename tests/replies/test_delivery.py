"""The worker delivers the outbox to a real SMTP server on loopback (aiosmtpd)."""

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import dkim
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.replies.models import Reply, SendAudit
from hotline.replies.worker import Worker
from tests.conftest import app_for
from tests.mail.sink import REFUSED_FOR_NOW, REFUSED_PERMANENTLY, DkimKeys, SmtpSink
from tests.replies.conftest import QueueReplies, deliver


def test_an_odense_agent_answers_an_aarhus_citizen_on_aarhus_letterhead(
    settings: Settings, queue_replies: QueueReplies, smtp_sink: SmtpSink, dkim_keys: DkimKeys
) -> None:
    dkim_keys.add("aarhus.dk")
    signing = settings.model_copy(update={"dkim_key_dir": dkim_keys.directory})
    (reply,) = queue_replies(signing, agent="agent.odense", municipality="0751")
    deliver(signing, smtp_url=smtp_sink.url)

    (raw,) = smtp_sink.raw
    (message,) = smtp_sink.messages
    assert smtp_sink.envelopes == [("borgerservice@aarhus.dk", ["borger@example.dk"])]
    assert message["From"].addresses[0].display_name == "Aarhus Kommune"
    assert message["Message-ID"] == reply.message_id
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Aarhus Kommune" in text and "Odense" not in text
    assert "Aarhus Kommune" in html and "Odense" not in html
    (logo,) = [part for part in message.walk() if part.get_content_maintype() == "image"]
    assert f"cid:{logo['Content-ID'].strip('<>')}" in html
    assert dkim.verify(raw, dnsfunc=dkim_keys.dns)


def test_a_sent_reply_reports_sent_and_is_audited(
    settings: Settings,
    queue_replies: QueueReplies,
    smtp_sink: SmtpSink,
    session: Session,
) -> None:
    (reply,) = queue_replies(settings)
    deliver(settings, smtp_url=smtp_sink.url)
    stored = session.get_one(Reply, reply.id)
    assert (stored.status, stored.attempts, stored.claimed_by) == ("sent", 1, None)
    assert stored.sent_at is not None and stored.sent_at <= datetime.now(UTC)
    events = session.scalars(select(SendAudit.event).order_by(SendAudit.id)).all()
    assert events == ["queued", "sent"]


def test_a_5xx_refusal_fails_the_reply_with_the_servers_reason(
    settings: Settings,
    queue_replies: QueueReplies,
    smtp_sink: SmtpSink,
    session: Session,
    client: TestClient,
    auth_headers: dict[str, dict[str, str]],
) -> None:
    (reply,) = queue_replies(settings, to=f"{REFUSED_PERMANENTLY}example.dk")
    deliver(settings, smtp_url=smtp_sink.url)
    status = client.get(f"/api/v1/replies/{reply.id}", headers=auth_headers["agent.odense"]).json()
    assert status["status"] == "failed"
    assert status["last_error"] == "550 5.1.1 Mailbox unknown"
    assert status["next_attempt_at"] is None
    audit = session.scalars(select(SendAudit).where(SendAudit.event == "failed")).one()
    assert audit.detail == "550 5.1.1 Mailbox unknown"
    assert smtp_sink.raw == []


def test_a_4xx_refusal_retries_later_with_backoff(
    settings: Settings, queue_replies: QueueReplies, smtp_sink: SmtpSink, session: Session
) -> None:
    (reply,) = queue_replies(settings, to=f"{REFUSED_FOR_NOW}example.dk")
    before = datetime.now(UTC)
    deliver(settings, smtp_url=smtp_sink.url, mail_retry_base_seconds=60)
    stored = session.get_one(Reply, reply.id)
    assert (stored.status, stored.attempts) == ("retrying", 1)
    assert stored.last_error is not None and stored.last_error.startswith("451")
    assert stored.next_attempt_at is not None
    delay = (stored.next_attempt_at - before).total_seconds()
    assert 30 <= delay <= 61  # half fixed, half jitter of the first 60 s step


def test_a_reply_out_of_attempts_fails_with_the_last_error(
    settings: Settings, queue_replies: QueueReplies, smtp_sink: SmtpSink, session: Session
) -> None:
    (reply,) = queue_replies(settings, to=f"{REFUSED_FOR_NOW}example.dk")
    deliver(settings, smtp_url=smtp_sink.url, mail_max_attempts=1)
    stored = session.get_one(Reply, reply.id)
    assert stored.status == "failed"
    assert stored.last_error is not None
    assert stored.last_error.startswith("gave up after 1 attempts; last error: 451")


def test_without_smtp_replies_become_eml_files(
    settings: Settings, queue_replies: QueueReplies, session: Session
) -> None:
    replies = queue_replies(settings, count=2)
    deliver(settings)
    files = sorted(Path(settings.mail_dir).glob("*.eml"))
    assert sorted(f"<{file.stem}>" for file in files) == sorted(r.message_id for r in replies)
    assert all(session.get_one(Reply, r.id).status == "sent" for r in replies)
    assert b"Aarhus Kommune" in files[0].read_bytes()


def test_two_workers_on_one_outbox_send_every_reply_exactly_once(
    settings: Settings, queue_replies: QueueReplies, smtp_sink: SmtpSink
) -> None:
    replies = queue_replies(settings, count=40)
    busy = settings.model_copy(update={"smtp_url": smtp_sink.url, "mail_batch_size": 3})
    workers = [Worker(busy) for _ in range(2)]
    threads = [
        threading.Thread(target=asyncio.run, args=(worker.run(until_idle=True),))
        for worker in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(smtp_sink.message_ids()) == sorted(reply.message_id for reply in replies)


def test_the_worker_runs_inside_the_app_when_configured(
    settings: Settings,
    smtp_sink: SmtpSink,
    auth_headers: dict[str, dict[str, str]],
) -> None:
    embedded = settings.model_copy(
        update={"smtp_url": smtp_sink.url, "run_worker": True, "mail_poll_seconds": 0.05}
    )
    with TestClient(app_for(embedded)) as client:
        response = client.post(
            "/api/v1/replies",
            json={
                "municipality": "0461",
                "to": "borger@example.dk",
                "subject": "Svar",
                "body_markdown": "Hej",
            },
            headers=auth_headers["agent.aarhus"],
        )
        smtp_sink.wait_for(1)
    assert smtp_sink.message_ids() == [response.json()["message_id"]]
