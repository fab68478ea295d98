"""`hotline worker` as an operator runs it, and the retention of what was sent."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.cli import app
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction, utcnow
from hotline.replies import outbox
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
