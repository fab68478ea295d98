"""`knowledge_base/` <-> database: idempotent sync, fixed-point export, clear errors."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.cli import app
from hotline.config import Settings
from hotline.errors import Conflict, NotFound
from hotline.knowledge import service
from hotline.knowledge.files import export_folder, sync_folder
from hotline.knowledge.models import Article, ArticleRevision, FactType, Override
from hotline.knowledge.resolve import resolve
from hotline.knowledge.schemas import FactCreate, OverrideWrite
from hotline.municipalities.models import Municipality
from hotline.sync import SourceErrors
from tests.conftest import KNOWLEDGE_BASE
from tests.knowledge.conftest import AARHUS, ADMIN, EDITOR, ODENSE, write

ARTICLE = """---
title: "Storskrald"
category: Affald
tags: [storskrald, affald]
review_by: 2027-01-31
---
# Storskrald

Bestil hos {{ affald_navn }}.
"""


def changes(report) -> dict[str, tuple[int, int, int, int]]:
    return {
        kind: (r.created, r.updated, r.unchanged, r.removed) for kind, r in report.kinds.items()
    }


def files_of(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A small knowledge base: one article, Aarhus overriding it and with a local article."""
    root = tmp_path / "kb"
    root.mkdir()
    shutil.copy(KNOWLEDGE_BASE / "municipalities.csv", root)
    write(root, "facts.yaml", "affald_navn:\n  description: Affaldsselskab\n  type: text\n")
    write(root, "articles/storskrald.md", ARTICLE)
    write(root, "municipalities/0751/facts.yaml", 'affald_navn: "Kredsløb"\n')
    write(root, "municipalities/0751/overrides/storskrald.md", "---\nmode: append\n---\nLokalt.\n")
    write(
        root,
        "municipalities/0751/articles/dokk1.md",
        "---\ntitle: Dokk1\ncategory: Borgerservice\n---\nHavnen.\n",
    )
    return root


def test_sync_reports_counts_per_kind_and_a_second_run_changes_nothing(
    session: Session, folder: Path
) -> None:
    first = sync_folder(session, folder)
    assert changes(first) == {
        "municipalities": (98, 0, 0, 0),
        "facts": (1, 0, 0, 0),
        "fact values": (1, 0, 0, 0),
        "articles": (1, 0, 0, 0),
        "overrides": (1, 0, 0, 0),
        "local articles": (1, 0, 0, 0),
    }
    session.commit()
    resolved = resolve(session, "storskrald", AARHUS)
    assert resolved.body_markdown == "# Storskrald\n\nBestil hos Kredsløb.\n\nLokalt."
    assert resolved.tags == ["storskrald", "affald"]

    second = sync_folder(session, folder)
    assert second.changes == 0
    assert changes(second)["overrides"] == (0, 0, 1, 0)


def test_removed_files_are_removed_from_the_database(session: Session, folder: Path) -> None:
    sync_folder(session, folder)
    (folder / "municipalities/0751/overrides/storskrald.md").unlink()
    (folder / "municipalities/0751/articles/dokk1.md").unlink()
    (folder / "municipalities/0751/facts.yaml").unlink()
    report = changes(sync_folder(session, folder))
    assert report["overrides"] == (0, 0, 0, 1)
    assert report["local articles"] == (0, 0, 0, 1)
    assert report["fact values"] == (0, 0, 0, 1)
    assert resolve(session, "storskrald", AARHUS).missing_facts == ["affald_navn"]


def test_removing_a_shared_article_with_its_overrides_removes_its_history(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    (folder / "articles/storskrald.md").unlink()
    (folder / "municipalities/0751/overrides/storskrald.md").unlink()
    report = changes(sync_folder(session, folder))
    assert (report["articles"], report["overrides"]) == ((0, 0, 0, 1), (0, 0, 0, 1))
    session.commit()
    assert session.scalar(select(func.count()).select_from(ArticleRevision)) == 0
    with pytest.raises(NotFound):
        resolve(session, "storskrald", AARHUS)


def test_shared_edit_in_the_folder_makes_unchanged_overrides_stale(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    write(folder, "articles/storskrald.md", ARTICLE + "\nNyt afsnit.\n")
    report = changes(sync_folder(session, folder))
    assert (report["articles"], report["overrides"]) == ((0, 1, 0, 0), (0, 0, 1, 0))
    assert resolve(session, "storskrald", AARHUS).stale is True

    # Exported files pin the revision they were written against; bumping it re-confirms.
    write(
        folder,
        "municipalities/0751/overrides/storskrald.md",
        "---\nmode: append\nbased_on_revision: 2\n---\nLokalt.\n",
    )
    assert changes(sync_folder(session, folder))["overrides"] == (0, 1, 0, 0)
    assert resolve(session, "storskrald", AARHUS).stale is False


def test_override_changed_in_the_same_sync_counts_as_reconfirmed(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    write(folder, "articles/storskrald.md", ARTICLE + "\nNyt afsnit.\n")
    write(folder, "municipalities/0751/overrides/storskrald.md", "---\nmode: append\n---\nNyt.\n")
    sync_folder(session, folder)
    resolved = resolve(session, "storskrald", AARHUS)
    assert (resolved.stale, resolved.shared_revision, resolved.override_revision) == (False, 2, 2)


def test_stale_override_survives_export_and_resync(
    session: Session, folder: Path, tmp_path: Path
) -> None:
    sync_folder(session, folder)
    write(folder, "articles/storskrald.md", ARTICLE + "\nNyt afsnit.\n")
    sync_folder(session, folder)
    export_folder(session, tmp_path / "out")
    exported = (tmp_path / "out/municipalities/0751/overrides/storskrald.md").read_text()
    assert exported == "---\nmode: append\nbased_on_revision: 1\n---\nLokalt.\n"
    assert sync_folder(session, tmp_path / "out").changes == 0
    assert resolve(session, "storskrald", AARHUS).stale is True


def test_shipped_knowledge_base_is_valid_idempotent_and_a_fixed_point(
    session: Session, tmp_path: Path
) -> None:
    first = sync_folder(session, KNOWLEDGE_BASE)
    assert first.kinds["articles"].created >= 40
    assert sync_folder(session, KNOWLEDGE_BASE).changes == 0

    police = service.get_fact(session, "politi_telefon")
    assert (police.label, police.default_value) == ("politiets telefonnummer", "114")

    export_folder(session, tmp_path / "a")
    assert sync_folder(session, tmp_path / "a").changes == 0
    export_folder(session, tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    exported = (tmp_path / "a" / "facts.yaml").read_text(encoding="utf-8")
    assert "label: gebyret for hegnsyn" in exported and "default_value: '114'" in exported


def test_export_refuses_a_folder_that_is_not_empty(session: Session, folder: Path) -> None:
    with pytest.raises(Conflict):
        export_folder(session, folder)


INVALID = {
    "bad YAML": (
        "articles/storskrald.md",
        "---\ntitle: [unclosed\ncategory: Affald\n---\nTekst.\n",
        "articles/storskrald.md:3: invalid YAML",
    ),
    "bad YAML in the fact catalogue": (
        "facts.yaml",
        "affald_navn:\n  description: Navn\n  type: text\n- oops\n",
        "facts.yaml:4: invalid YAML",
    ),
    "unknown mode": (
        "municipalities/0751/overrides/storskrald.md",
        "---\nmode: erstat\n---\nTekst.\n",
        "municipalities/0751/overrides/storskrald.md:2: mode: Input should be 'replace'",
    ),
    "override of a missing article": (
        "municipalities/0751/overrides/findes-ikke.md",
        "---\nmode: hide\n---\n",
        "municipalities/0751/overrides/findes-ikke.md:1: override of unknown article 'findes-ikke'",
    ),
    "unknown municipality code": (
        "municipalities/9999/facts.yaml",
        "affald_navn: x\n",
        "municipalities/9999:1: unknown municipality code 9999",
    ),
    "missing title": (
        "articles/uden-titel.md",
        "---\ncategory: Affald\n---\nTekst.\n",
        "articles/uden-titel.md:1: 'title' is required",
    ),
    "replace without title": (
        "municipalities/0751/overrides/storskrald.md",
        "---\nmode: replace\n---\nTekst.\n",
        "municipalities/0751/overrides/storskrald.md:2: 'title' is required for replace",
    ),
    "unknown fact in a text": (
        "municipalities/0751/articles/dokk1.md",
        "---\ntitle: Dokk1\ncategory: B\n---\n\nLinje 1\nRing {{ telefon }}.\n",
        "municipalities/0751/articles/dokk1.md:7: unknown fact 'telefon'",
    ),
    "invalid fact value": (
        "facts.yaml",
        "affald_navn:\n  description: Navn\n  type: money\n",
        "municipalities/0751/facts.yaml:1: affald_navn: 'Kredsløb' is not an amount",
    ),
    "non-member municipality": (
        "municipalities/0147/facts.yaml",
        "affald_navn: x\n",
        "municipalities/0147:1: municipality 0147 is not a member of the hotline",
    ),
}


@pytest.mark.parametrize(("relative", "text", "expected"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_file_rejects_the_whole_sync_with_a_located_error(
    session: Session, folder: Path, relative: str, text: str, expected: str
) -> None:
    write(folder, relative, text)
    with pytest.raises(SourceErrors) as raised:
        sync_folder(session, folder)
    messages = [str(error).removeprefix(f"{folder}/") for error in raised.value.errors]
    assert any(message.startswith(expected) for message in messages), messages
    assert len(messages) == 1, messages
    assert session.scalar(select(func.count()).select_from(Municipality)) == 0
    assert session.scalar(select(func.count()).select_from(Article)) == 0


def test_every_error_of_every_file_is_reported_at_once(session: Session, folder: Path) -> None:
    write(folder, "articles/uden-titel.md", "---\ncategory: Affald\nfarve: blå\n---\nTekst.\n")
    write(folder, "municipalities/0751/overrides/storskrald.md", "---\nmode: erstat\n---\n")
    with pytest.raises(SourceErrors) as raised:
        sync_folder(session, folder)
    assert [(Path(e.path).name, e.line) for e in raised.value.errors] == [
        ("uden-titel.md", 1),
        ("uden-titel.md", 3),
        ("storskrald.md", 2),
    ]


def test_failed_sync_leaves_the_previous_state_untouched(session: Session, folder: Path) -> None:
    sync_folder(session, folder)
    session.commit()
    write(folder, "articles/storskrald.md", ARTICLE + "\nÆndret.\n")
    write(folder, "articles/ny.md", "---\ntitle: x\n---\n")
    with pytest.raises(SourceErrors):
        sync_folder(session, folder)
    session.rollback()
    assert session.scalar(select(Article.revision)) == 1
    assert session.scalar(select(func.count()).select_from(Override)) == 1


runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(settings.var_dir))
    return settings


def test_cli_sync_and_export(cli_env: Settings, folder: Path, tmp_path: Path) -> None:
    synced = runner.invoke(app, ["kb", "sync", str(folder)])
    assert synced.exit_code == 0, synced.output
    assert "articles: 1 created, 0 updated, 0 unchanged, 0 removed" in synced.output
    again = runner.invoke(app, ["kb", "sync", str(folder)])
    assert again.output.endswith("0 change(s)\n")

    exported = runner.invoke(app, ["kb", "export", str(tmp_path / "out")])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "out/municipalities/0751/articles/dokk1.md").read_text() == (
        "---\ntitle: Dokk1\ncategory: Borgerservice\n---\nHavnen.\n"
    )


def test_cli_sync_prints_every_error_and_fails(cli_env: Settings, folder: Path) -> None:
    write(folder, "municipalities/0751/overrides/storskrald.md", "---\nmode: erstat\n---\n")
    result = runner.invoke(app, ["kb", "sync", str(folder)])
    assert result.exit_code == 1
    assert "overrides/storskrald.md:2: mode:" in result.output
    assert "1 error(s); nothing was changed." in result.output


# --- changes made in hotline since the last sync ----------------------------------------------


def kept_of(report) -> list[str]:
    return [str(kept) for kept in report.kept]


def edit_override(session: Session, body: str) -> None:
    article = service.get_article(session, "storskrald")
    service.put_override(session, AARHUS, article, OverrideWrite(mode="append", body=body), ADMIN)


def test_override_edited_in_hotline_is_kept_and_reported(session: Session, folder: Path) -> None:
    sync_folder(session, folder)
    session.commit()
    edit_override(session, "Ring til genbrugsstationen.")
    session.commit()

    report = sync_folder(session, folder)
    assert report.changes == 0
    assert report.kinds["overrides"].kept == 1
    assert str(report.kinds["overrides"]) == "0 created, 0 updated, 0 unchanged, 0 removed, 1 kept"
    assert kept_of(report) == [f"overrides {AARHUS}/storskrald: edited in hotline by {ADMIN}"]
    session.commit()
    resolved = resolve(session, "storskrald", AARHUS)
    assert resolved.body_markdown.endswith("Ring til genbrugsstationen.")
    assert service.get_override(session, AARHUS, "storskrald").updated_by == ADMIN


def test_overwrite_edits_restores_the_file_version(session: Session, folder: Path) -> None:
    sync_folder(session, folder)
    edit_override(session, "Ring til genbrugsstationen.")
    service.set_fact_value(session, AARHUS, "affald_navn", "AffaldVarme", ADMIN)

    report = sync_folder(session, folder, overwrite_edits=True)
    assert (report.kinds["overrides"].updated, report.kinds["fact values"].updated) == (1, 1)
    assert report.kept == []
    session.commit()
    resolved = resolve(session, "storskrald", AARHUS)
    assert resolved.body_markdown == "# Storskrald\n\nBestil hos Kredsløb.\n\nLokalt."
    again = sync_folder(session, folder)
    assert (again.changes, again.kept) == (0, [])


def test_fact_value_edited_in_hotline_survives_sync(session: Session, folder: Path) -> None:
    sync_folder(session, folder)
    service.set_fact_value(session, AARHUS, "affald_navn", "AffaldVarme", ADMIN)
    write(folder, "municipalities/0751/facts.yaml", 'affald_navn: "Kredsløb A/S"\n')
    assert kept_of(sync_folder(session, folder)) == [
        f"fact values {AARHUS}/affald_navn: edited in hotline by {ADMIN}"
    ]
    (folder / "municipalities/0751/facts.yaml").unlink()
    report = sync_folder(session, folder)
    assert (report.kinds["fact values"].removed, report.kinds["fact values"].kept) == (0, 1)
    assert service.get_fact_value(session, AARHUS, "affald_navn").value == "AffaldVarme"


def test_fact_description_or_type_edited_in_hotline_survives_sync(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    fact = service.get_fact(session, "affald_navn")
    service.update_fact(session, fact, {"description": "Affaldsselskabets navn"}, EDITOR)
    write(folder, "facts.yaml", "affald_navn:\n  description: Renovation\n  type: text\n")

    report = sync_folder(session, folder)
    assert kept_of(report) == [f"facts affald_navn: edited in hotline by {EDITOR}"]
    assert service.get_fact(session, "affald_navn").description == "Affaldsselskabets navn"

    report = sync_folder(session, folder, overwrite_edits=True)
    assert (report.kinds["facts"].updated, report.kept) == (1, [])
    assert service.get_fact(session, "affald_navn").description == "Renovation"
    assert service.get_fact(session, "affald_navn").updated_by == "kb sync"


def test_a_fact_created_in_hotline_is_not_removed_by_a_folder_without_it(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    service.create_fact(
        session, FactCreate(key="genbrug_url", description="Genbrug", type=FactType.URL), EDITOR
    )
    report = sync_folder(session, folder)
    assert (report.kinds["facts"].removed, report.changes) == (0, 0)
    assert kept_of(report) == [f"facts genbrug_url: edited in hotline by {EDITOR}"]

    export_folder(session, folder.parent / "out")
    report = sync_folder(session, folder.parent / "out")
    assert (report.changes, report.kept) == (0, [])  # exported, it is the folder's again
    assert service.get_fact(session, "genbrug_url").updated_by == "kb sync"


def test_article_edited_by_an_editor_survives_and_its_overrides_still_sync(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    article = service.get_article(session, "storskrald")
    service.update_article(session, article, {"title": "Storskrald og haveaffald"}, EDITOR)
    write(folder, "articles/storskrald.md", ARTICLE + "\nNyt afsnit fra mappen.\n")
    write(folder, "municipalities/0751/overrides/storskrald.md", "---\nmode: append\n---\nNyt.\n")

    report = sync_folder(session, folder)
    assert changes(report)["articles"] == (0, 0, 0, 0)
    assert changes(report)["overrides"] == (0, 1, 0, 0)
    assert kept_of(report) == [f"articles storskrald: edited in hotline by {EDITOR}"]
    assert (article.title, article.revision) == ("Storskrald og haveaffald", 2)
    assert "Nyt afsnit fra mappen." not in article.body
    session.commit()
    resolved = resolve(session, "storskrald", AARHUS)
    assert resolved.body_markdown.endswith("Nyt.")
    assert resolved.stale is False


def test_an_edited_article_removed_from_the_folder_stays_with_its_overrides(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    article = service.get_article(session, "storskrald")
    service.update_article(session, article, {"tags": ["storskrald"]}, EDITOR)
    (folder / "articles/storskrald.md").unlink()
    (folder / "municipalities/0751/overrides/storskrald.md").unlink()

    report = sync_folder(session, folder)
    assert report.changes == 0
    assert kept_of(report) == [
        f"articles storskrald: edited in hotline by {EDITOR}",
        f"overrides {AARHUS}/storskrald: its shared article 'storskrald' is kept",
    ]
    session.commit()
    assert resolve(session, "storskrald", AARHUS).body_markdown.endswith("Lokalt.")


def test_an_override_edited_in_hotline_keeps_its_removed_article(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    edit_override(session, "Ring til genbrugsstationen.")
    (folder / "articles/storskrald.md").unlink()
    (folder / "municipalities/0751/overrides/storskrald.md").unlink()

    report = sync_folder(session, folder)
    assert kept_of(report) == [
        f"articles storskrald: overridden by {AARHUS}, edited in hotline by {ADMIN}",
        f"overrides {AARHUS}/storskrald: edited in hotline by {ADMIN}",
    ]
    session.commit()
    assert resolve(session, "storskrald", AARHUS).body_markdown.endswith("genbrugsstationen.")


def test_a_fact_used_by_kept_texts_or_values_is_not_removed(session: Session, folder: Path) -> None:
    sync_folder(session, folder)
    local = service.get_local_article(session, AARHUS, "dokk1")
    service.update_local_article(session, local, {"body": "Spørg {{ affald_navn }}."}, ADMIN)
    service.set_fact_value(session, ODENSE, "affald_navn", "Fjernvarme Fyn", ADMIN)
    write(folder, "facts.yaml", "")
    write(folder, "articles/storskrald.md", ARTICLE.replace("{{ affald_navn }}", "Kredsløb"))
    (folder / "municipalities/0751/facts.yaml").unlink()
    (folder / "municipalities/0751/articles/dokk1.md").unlink()

    report = sync_folder(session, folder)
    assert (report.kinds["facts"].removed, report.kinds["fact values"].removed) == (0, 1)
    assert kept_of(report) == [
        f"facts affald_navn: still used by {AARHUS}/dokk1, the value of {ODENSE}",
        f"fact values {ODENSE}/affald_navn: edited in hotline by {ADMIN}",
        f"local articles {AARHUS}/dokk1: edited in hotline by {ADMIN}",
    ]
    assert service.get_fact(session, "affald_navn").type == "text"


def test_a_new_fact_type_must_fit_the_values_kept_from_hotline(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    session.commit()
    service.set_fact_value(session, ODENSE, "affald_navn", "Fjernvarme Fyn", ADMIN)
    session.commit()
    write(folder, "facts.yaml", "affald_navn:\n  description: Gebyr\n  type: money\n")
    write(folder, "municipalities/0751/facts.yaml", "affald_navn: 250\n")
    write(folder, "articles/storskrald.md", ARTICLE.replace("{{ affald_navn }}", "Kredsløb"))

    with pytest.raises(Conflict) as raised:
        sync_folder(session, folder)
    assert raised.value.detail == (
        "facts.yaml changes the type of 'affald_navn': "
        f"The values of {ODENSE} are not a valid money. What is in the way was changed in "
        "hotline since the last sync: change it there, or sync with --overwrite-edits."
    )
    session.rollback()
    assert service.get_fact(session, "affald_navn").type == "text"

    report = sync_folder(session, folder, overwrite_edits=True)
    assert changes(report)["fact values"] == (0, 1, 0, 1)
    assert service.get_fact(session, "affald_navn").type == "money"


def test_export_takes_hotline_edits_into_the_folder_and_later_file_edits_apply(
    session: Session, folder: Path, tmp_path: Path
) -> None:
    sync_folder(session, folder)
    edit_override(session, "Ring til genbrugsstationen.")
    service.set_fact_value(session, AARHUS, "affald_navn", "AffaldVarme", ADMIN)
    article = service.get_article(session, "storskrald")
    service.update_article(session, article, {"category": "Genbrug"}, EDITOR)

    export_folder(session, tmp_path / "out")
    report = sync_folder(session, tmp_path / "out")
    assert (report.changes, report.kept) == (0, [])

    write(tmp_path / "out", "municipalities/0751/facts.yaml", "affald_navn: Kredsløb\n")
    report = sync_folder(session, tmp_path / "out")
    assert changes(report)["fact values"] == (0, 1, 0, 0)
    assert report.kept == []


def test_cli_sync_lists_what_it_kept(
    cli_env: Settings, session: Session, folder: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["kb", "sync", str(folder)]).exit_code == 0
    edit_override(session, "Ring til genbrugsstationen.")
    session.commit()

    kept = runner.invoke(app, ["kb", "sync", str(folder)])
    assert kept.exit_code == 0, kept.output
    assert "overrides: 0 created, 0 updated, 0 unchanged, 0 removed, 1 kept\n" in kept.output
    assert kept.output.endswith(
        "kept 1 item(s) changed in hotline since the last sync "
        "(export to take them into the folder, or sync with --overwrite-edits):\n"
        f"  overrides {AARHUS}/storskrald: edited in hotline by {ADMIN}\n"
        "0 change(s)\n"
    )

    overwritten = runner.invoke(app, ["kb", "sync", "--overwrite-edits", str(folder)])
    assert overwritten.exit_code == 0, overwritten.output
    assert "overrides: 0 created, 1 updated, 0 unchanged, 0 removed\n" in overwritten.output
    assert "kept" not in overwritten.output
    assert overwritten.output.endswith("1 change(s)\n")


def test_a_kept_local_article_in_the_way_of_a_new_shared_one_stops_the_sync(
    session: Session, folder: Path
) -> None:
    sync_folder(session, folder)
    local = service.get_local_article(session, AARHUS, "dokk1")
    service.update_local_article(session, local, {"title": "Dokk1 og hovedbiblioteket"}, ADMIN)
    session.commit()
    (folder / "municipalities/0751/articles/dokk1.md").unlink()
    write(folder, "articles/dokk1.md", "---\ntitle: Dokk1\ncategory: Biblioteker\n---\nFælles.\n")

    with pytest.raises(Conflict, match="A local article of 0751 already has the slug 'dokk1'"):
        sync_folder(session, folder)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Article)) == 1

    report = sync_folder(session, folder, overwrite_edits=True)
    assert (changes(report)["articles"], changes(report)["local articles"]) == (
        (1, 0, 1, 0),
        (0, 0, 0, 1),
    )


def test_fact_values_are_read_as_the_text_written_not_as_yaml_numbers(
    session: Session, folder: Path
) -> None:
    """Unquoted ``1.600`` is a YAML float (1.6); the loader must see the text a Dane wrote."""
    facts = (folder / "facts.yaml").read_text(encoding="utf-8")
    write(folder, "facts.yaml", facts + "gebyr:\n  description: Gebyr\n  type: money\n")
    values = (folder / "municipalities/0751/facts.yaml").read_text(encoding="utf-8")
    write(folder, "municipalities/0751/facts.yaml", values + "gebyr: 1.600\n")
    sync_folder(session, folder)
    assert service.get_fact_value(session, AARHUS, "gebyr").value == "1600"
