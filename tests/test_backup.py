"""Backup and restore as the README documents them, tried once: ``pg_dump`` of a database restored
into another answers the same through the app, and ``hotline kb export`` synced into a fresh
database gives the same knowledge base."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.app import create_app
from hotline.auth.models import User
from hotline.config import Settings
from hotline.demo import DEMO_PASSWORD
from hotline.knowledge import service as knowledge
from hotline.knowledge.files import sync_folder
from hotline.knowledge.schemas import OverrideWrite
from tests.conftest import (
    KNOWLEDGE_BASE,
    create_throwaway_database,
    drop_throwaway_database,
    make_settings,
)
from tests.contacts.conftest import OpenContact, open_contact
from tests.knowledge.test_files import files_of
from tests.processes import HOTLINE, environment

__all__ = ["open_contact"]  # the contacts suite's fixture

pytestmark = pytest.mark.slow

AARHUS = "0751"
EDITED_SLUG = "storskrald-afhentning"
EDITED = "Ring til Kredsløb på 77 88 10 10, hverdage 7-15."


def libpq(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL tools take it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def hotline(settings: Settings, *arguments: str) -> str:
    done = subprocess.run(
        [str(HOTLINE), *arguments], env=environment(settings), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture
def knowledge_with_an_edit(
    settings: Settings, session: Session, demo_users: dict[str, User]
) -> None:
    """The shipped knowledge base, and one override an admin then edited in hotline."""
    sync_folder(session, KNOWLEDGE_BASE)
    admin = session.get_one(User, demo_users["admin.aarhus"].id)
    current = knowledge.get_override(session, AARHUS, EDITED_SLUG)
    knowledge.save_override(
        session, admin, AARHUS, EDITED_SLUG, OverrideWrite(mode="append", body=EDITED),
        expected=knowledge.override_version(current),
    )  # fmt: skip
    session.commit()


@pytest.fixture
def fresh_settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A second, empty database on the same backend."""
    url = create_throwaway_database(backend, tmp_path)
    yield make_settings(url, tmp_path / "fresh-var")
    drop_throwaway_database(url)


@pytest.fixture
def postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL (a SQLite database is one file to copy)")


def test_a_pg_dump_restored_into_another_database_answers_the_same(
    postgresql: None,
    settings: Settings,
    fresh_settings: Settings,
    knowledge_with_an_edit: None,
    open_contact: OpenContact,
    tmp_path: Path,
) -> None:
    contact = open_contact(outcome="answered", citizen_name="Karen Jensen")
    with TestClient(create_app(settings)) as original:
        agent = token(original, "agent.aarhus@hotline.example")
        sent = original.post(
            "/api/v1/replies",
            json={"municipality": AARHUS, "to": "karen@example.dk",
                  "subject": "Storskrald", "body_markdown": "Se vejledningen."},
            headers=agent,
        )  # fmt: skip
        assert sent.status_code == 202, sent.text
        paths = [
            f"/api/v1/municipalities/{AARHUS}/articles/{EDITED_SLUG}",
            f"/api/v1/contacts/{contact.id}",
            f"/api/v1/replies/{sent.json()['id']}",
            f"/api/v1/search?q=storskrald&municipality={AARHUS}",
            "/api/v1/users/me",
        ]
        before = [original.get(path, headers=agent).json() for path in paths]

    dump = tmp_path / "hotline.dump"
    original_url, restored_url = libpq(settings.database_url), libpq(fresh_settings.database_url)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", original_url],
                   check=True)  # fmt: skip
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}",
                    str(dump)], check=True)  # fmt: skip

    with TestClient(create_app(fresh_settings)) as restored:
        assert restored.get("/ready").status_code == 200  # schema at the newest migration
        again = token(restored, "agent.aarhus@hotline.example")  # the same password
        assert [restored.get(path, headers=again).json() for path in paths] == before
    assert EDITED in before[0]["body_markdown"]


def token(client: TestClient, email: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_kb_export_synced_into_a_fresh_database_gives_the_same_knowledge_base(
    settings: Settings,
    fresh_settings: Settings,
    knowledge_with_an_edit: None,
    tmp_path: Path,
) -> None:
    hotline(settings, "kb", "export", str(tmp_path / "backup"))
    migrate.upgrade(fresh_settings)
    hotline(fresh_settings, "kb", "sync", str(tmp_path / "backup"))
    hotline(fresh_settings, "kb", "export", str(tmp_path / "again"))

    assert files_of(tmp_path / "again") == files_of(tmp_path / "backup")
    override = f"municipalities/{AARHUS}/overrides/{EDITED_SLUG}.md"
    assert EDITED in files_of(tmp_path / "backup")[override]
    hotline(fresh_settings, "demo")  # accounts are not knowledge: the fresh database has none
    assert as_an_agent_reads(fresh_settings) == as_an_agent_reads(settings)


def as_an_agent_reads(settings: Settings) -> list[dict[str, object]]:
    """Every article as it applies in Aarhus; revision numbers count edits, so they differ."""
    with TestClient(create_app(settings)) as client:
        agent = token(client, "agent.aarhus@hotline.example")
        articles = client.get(f"/api/v1/municipalities/{AARHUS}/articles", headers=agent)
    assert articles.status_code == 200, articles.text
    kept = ("slug", "title", "category", "source", "mode", "body_markdown", "body_html",
            "missing_facts", "facts_used")  # fmt: skip
    return [{key: article[key] for key in kept} for article in articles.json()]
