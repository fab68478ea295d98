"""`hotline worker` as an operator runs it, and the retention of what was sent."""

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.cli import app
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction, utcnow
from hotline.municipalities.models import Municipality
from hotline.replies import outbox
from hotline.replies import worker as outbox_worker
from hotline.replies.audit import recipient_hash
from hotline.replies.models import Reply, SendAudit
from tests.conftest import TEST_SECRET
from tests.replies.conftest import QueueReplies, deliver

runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("HOTLINE_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("HOTLINE_SMTP_URL", raising=False)
    return settings


def test_worker_until_idle_writes_eml_files_without_smtp(
    cli_env: Settings, queue_replies: QueueReplies, session: Session
) -> None:
    (reply,) = queue_replies(cli_env)
    result = runner.invoke(app, ["worker", "--until-idle"])
    assert result.exit_code == 0, result.output
    assert (Path(cli_env.mail_dir) / f"{reply.message_id.strip('<>')}.eml").is_file()
    assert session.get_one(Reply, reply.id).status == "sent"


def test_worker_refuses_a_bad_smtp_url(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SMTP_URL", "http://mail.example")
    result = runner.invoke(app, ["worker", "--until-idle"])
    assert result.exit_code == 1
    assert "HOTLINE_SMTP_URL must start with smtp:// or smtps://" in result.output


def test_after_the_retention_period_recipient_and_content_are_erased_the_audit_stays(
    settings: Settings, queue_replies: QueueReplies, session: Session, engine: Engine
) -> None:
    (sent,) = queue_replies(settings)
    deliver(settings)
    (pending,) = queue_replies(settings)
    later = utcnow() + timedelta(days=settings.reply_retention_days, hours=1)
    with transaction(make_sessionmaker(engine)) as tx:
        assert outbox.purge_expired(tx, settings, later) == 1

    erased = session.get_one(Reply, sent.id)
    assert (erased.to, erased.subject, erased.html, erased.text, erased.mime) == (
        None,
        "",
        None,
        None,
        None,
    )
    assert erased.purged_at is not None and erased.message_id == sent.message_id
    kept = session.get_one(Reply, pending.id)
    assert kept.to == "borger@example.dk" and kept.mime is not None
    hashes = set(session.scalars(select(SendAudit.recipient_hash)))
    assert hashes == {recipient_hash(settings, "borger@example.dk")}


def test_a_failing_housekeeping_job_is_retried_with_back_off_and_holds_up_nothing_else(
    settings: Settings, queue_replies: QueueReplies, session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A job that fails after writing is rolled back alone: the job after it commits, the
    reply queued is delivered in the same round, and the failed job runs again after one
    minute, then two (not at every poll of the outbox)."""
    failed_at, ran_at = [], []

    def renames_odense_then_fails(tx: Session, _settings: Settings, now: datetime) -> None:
        failed_at.append(now)
        tx.get_one(Municipality, "0461").name = "Halvt Omdøbt"
        tx.flush()
        raise RuntimeError("a job's bad moment")

    def renames_aarhus(tx: Session, _settings: Settings, now: datetime) -> None:
        ran_at.append(now)
        tx.get_one(Municipality, "0751").name = "Aarhus Omdøbt"

    (reply,) = queue_replies(settings)
    start = utcnow()
    clock = [start]
    monkeypatch.setattr(outbox_worker, "utcnow", lambda: clock[0])
    worker = outbox_worker.Worker(settings, [renames_odense_then_fails, renames_aarhus])

    asyncio.run(worker.run(until_idle=True))
    assert session.get_one(Reply, reply.id).status == "sent"
    assert session.get_one(Municipality, "0461").name == "Odense Kommune"
    assert session.get_one(Municipality, "0751").name == "Aarhus Omdøbt"
    try:
        for seconds in (30, 60, 120, 179, 180):
            clock[0] = start + timedelta(seconds=seconds)
            worker._housekeeping_when_due()
    finally:
        worker._engine.dispose()
    assert [moment - start for moment in failed_at] == [
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=3),
    ]
    assert ran_at == [start]  # hourly, as before
