"""Stored text has one spelling (``\\n``, NFC) whoever wrote it; articles carry notes for agents
only, through the API, the folder, ``kb export`` and ``kb sync`` (issue 14)."""

import unicodedata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.knowledge import service
from hotline.knowledge.files import export_folder, sync_folder
from hotline.knowledge.models import Article, OverrideMode
from hotline.knowledge.resolve import Source, resolve
from hotline.knowledge.schemas import ArticleUpdate, OverrideWrite
from tests.conftest import KNOWLEDGE_BASE
from tests.knowledge.conftest import AARHUS, ADMIN, EDITOR, add_article, add_override, write

BROWSER_BODY = "Første linje.\r\nAnden linje.\r\n\r\nTredje linje.\rFjerde linje."
DECOMPOSED = unicodedata.normalize("NFD", "Åbningstider på rådhuset")


def test_text_from_a_browser_or_a_mac_is_stored_with_newlines_and_composed_letters(
    session: Session, municipalities: None
) -> None:
    article = add_article(session, "tider", body=BROWSER_BODY, title=DECOMPOSED)
    assert article.body == "Første linje.\nAnden linje.\n\nTredje linje.\nFjerde linje."
    assert article.title == "Åbningstider på rådhuset"
    assert unicodedata.is_normalized("NFC", article.title)

    override = add_override(session, AARHUS, article, OverrideMode.APPEND, body="A\r\nB")
    assert override.body == "A\nB"


def test_a_one_line_edit_shows_only_that_line_in_a_stale_overrides_diff(
    session: Session, municipalities: None
) -> None:
    """The editor's browser sends every line with \\r\\n; the stored text had \\n."""
    article = add_article(session, "hegnssyn", body="Linje et.\nLinje to.\nLinje tre.")
    add_override(session, AARHUS, article, OverrideMode.APPEND, body="Særligt i Aarhus.")
    edited = ArticleUpdate(body="Linje et.\r\nLinje TO.\r\nLinje tre.")
    service.update_article(session, article, edited.model_dump(exclude_unset=True), EDITOR)

    diff = service.override_read(session, service.get_override(session, AARHUS, "hegnssyn"))
    assert diff.stale and diff.shared_diff is not None
    changed = [
        line
        for line in diff.shared_diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ["-Linje to.", "+Linje TO."]


def test_the_api_stores_a_crlf_body_as_newlines(
    client: TestClient, auth_headers: dict[str, dict[str, str]], session: Session
) -> None:
    response = client.post(
        "/api/v1/articles",
        headers=auth_headers["editor"],
        json={"slug": "crlf", "title": "CRLF", "category": "Test", "body": BROWSER_BODY},
    )
    assert response.status_code == 201, response.text
    assert "\r" not in response.json()["body"]


def test_agent_notes_are_shown_to_agents_but_are_no_part_of_the_text(
    session: Session, municipalities: None
) -> None:
    article = add_article(
        session, "affald", body="Storskrald hentes.", agent_notes="Spørg om adressen."
    )
    data = OverrideWrite(mode=OverrideMode.APPEND, body="Lokalt.", agent_notes="Kun i Aarhus.")
    service.put_override(session, AARHUS, article, data, ADMIN)

    resolved = resolve(session, "affald", AARHUS)
    assert [(n.source, n.markdown) for n in resolved.agent_notes] == [
        (Source.SHARED, "Spørg om adressen."),
        (Source.OVERRIDE, "Kun i Aarhus."),
    ]
    assert "Spørg" not in resolved.body_markdown
    assert "Kun i Aarhus" not in resolved.body_markdown
    assert [n.markdown for n in resolve(session, "affald", "0461").agent_notes] == [
        "Spørg om adressen."
    ]


def test_agent_notes_go_through_the_folder_export_and_sync(
    session: Session, tmp_path: Path, municipalities: None
) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "municipalities.csv").write_bytes((KNOWLEDGE_BASE / "municipalities.csv").read_bytes())
    write(
        root,
        "articles/affald.md",
        "---\ntitle: Affald\ncategory: Miljø\nagent_notes: |\n  Spørg om adressen.\n"
        "  Storskrald er ikke haveaffald.\n---\nStorskrald hentes.\n",
    )
    write(
        root,
        "municipalities/0751/overrides/affald.md",
        "---\nmode: append\nagent_notes: Kun i Aarhus.\n---\nLokalt.\n",
    )
    write(
        root,
        "municipalities/0751/articles/dokk1.md",
        "---\ntitle: Dokk1\ncategory: Borgerservice\nagent_notes: Husk elevatoren.\n---\nHavnen.\n",
    )
    sync_folder(session, root)

    article = session.query(Article).filter_by(slug="affald").one()
    assert article.agent_notes == "Spørg om adressen.\nStorskrald er ikke haveaffald."
    assert service.get_override(session, AARHUS, "affald").agent_notes == "Kun i Aarhus."
    assert service.get_local_article(session, AARHUS, "dokk1").agent_notes == "Husk elevatoren."

    exported = tmp_path / "export"
    export_folder(session, exported)
    text = (exported / "articles" / "affald.md").read_text(encoding="utf-8")
    assert "agent_notes: |-\n  Spørg om adressen.\n  Storskrald er ikke haveaffald.\n" in text
    assert "agent_notes: Kun i Aarhus." in (
        exported / "municipalities/0751/overrides/affald.md"
    ).read_text(encoding="utf-8")

    report = sync_folder(session, exported)
    assert all(kind.created == kind.updated == kind.removed == 0 for kind in report.kinds.values())


@pytest.mark.parametrize("line_ending", ["\r\n", "\r"])
def test_a_folder_written_on_windows_or_an_old_mac_syncs_like_one_with_newlines(
    session: Session, tmp_path: Path, municipalities: None, line_ending: str
) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "municipalities.csv").write_bytes((KNOWLEDGE_BASE / "municipalities.csv").read_bytes())
    text = "---\ntitle: Hegn\ncategory: Byg\n---\n# Hegn\nEn linje.\n\nTo linjer.\n"
    (root / "articles").mkdir()
    (root / "articles" / "hegn.md").write_bytes(text.replace("\n", line_ending).encode())
    sync_folder(session, root)
    assert session.query(Article).filter_by(slug="hegn").one().body == (
        "# Hegn\nEn linje.\n\nTo linjer."
    )
