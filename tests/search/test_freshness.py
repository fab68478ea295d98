"""Every process's index follows the change log: an edit committed through one process is
found by another within a second, and a rolled-back edit never is."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import hotline.search.index
from hotline.config import Settings
from hotline.db import NeedsDatabase, NoDatabaseSession, make_sessionmaker
from hotline.knowledge import service as kb
from hotline.knowledge.models import Article
from hotline.municipalities.schemas import MunicipalityUpdate
from hotline.municipalities.service import (
    get_municipality,
    municipality_read,
    update_municipality,
)
from hotline.search import indexing, service
from hotline.search.indexing import index_of, listen, new_index
from hotline.search.models import SearchChange
from tests.conftest import PROJECT_ROOT
from tests.search.conftest import AARHUS, ADMIN, EDITOR, FREDERIKSBERG, ODENSE, slugs


class OtherProcess:
    def __init__(self, database_url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.search.searching_process", database_url],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._answer() == "ready"

    def _answer(self) -> object:
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())

    def search(self, query: str, code: str) -> list[str]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{code} {query}\n")
        self.process.stdin.flush()
        answer = self._answer()
        assert isinstance(answer, list)
        return answer

    def wait_until_found(self, query: str, code: str, slug: str) -> None:
        start = time.perf_counter()
        while slug not in self.search(query, code):
            assert time.perf_counter() - start < 30, f"{query!r} never found"
            time.sleep(0.01)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture
def other_process(corpus: Session, settings: Settings) -> Iterator[OtherProcess]:
    other = OtherProcess(settings.database_url)
    yield other
    other.close()


def test_an_edit_is_found_by_another_process_within_a_second_a_rolled_back_one_never(
    corpus: Session, other_process: OtherProcess
) -> None:
    assert other_process.search("saltbil", AARHUS) == ["snerydning"]  # built from the database
    snow = corpus.scalar(select(Article).where(Article.slug == "snerydning"))
    bonfire = corpus.scalar(select(Article).where(Article.slug == "baal"))
    assert snow is not None and bonfire is not None

    kb.update_article(corpus, snow, {"body": "Grusbilen kører ved frost."}, EDITOR)
    corpus.flush()
    corpus.rollback()
    kb.update_article(corpus, bonfire, {"body": "Bål kræver isslag i tørke."}, EDITOR)
    corpus.commit()

    # Found while the other process keeps searching, without a restart (how soon: the
    # benchmark measures it, p95 <= 1 s; it looks every REFRESH_SECONDS).
    other_process.wait_until_found("isslag", ODENSE, "baal")
    assert other_process.search("grusbilen", ODENSE) == []
    assert other_process.search("ruteplan", ODENSE) == ["snerydning"]  # as it still reads
    assert other_process.search("tilladt", ODENSE) == []  # the bonfire's old text is gone


@pytest.mark.postgres
def test_a_change_committed_after_a_later_one_is_still_applied(
    corpus: Session, engine: Engine, settings: Settings, backend: str
) -> None:
    """PostgreSQL hands out change-log ids before commit: the index re-asks for the ids it
    skipped, so an edit whose row has a lower id but commits later is not lost."""
    if backend != "postgresql":
        pytest.skip("SQLite commits one writer at a time, in id order")
    index = index_of(corpus)
    writers = listen(make_sessionmaker(engine), new_index(settings))
    with writers() as first, writers() as second:
        bonfire = first.scalar(select(Article).where(Article.slug == "baal"))
        snow = second.scalar(select(Article).where(Article.slug == "snerydning"))
        assert bonfire is not None and snow is not None
        kb.update_article(first, bonfire, {"body": "Bål kræver isslag."}, EDITOR)
        first.flush()
        indexing._log_changes(first)  # its change-log row takes the lower id, uncommitted
        kb.update_article(second, snow, {"body": "Grusbilen kører ved frost."}, EDITOR)
        second.commit()
        index.mark_stale()
        assert slugs(service.search(corpus, "grusbilen", ODENSE)) == ["snerydning"]
        assert slugs(service.search(corpus, "isslag", ODENSE)) == []
        first.commit()
    index.mark_stale()
    assert slugs(service.search(corpus, "isslag", ODENSE)) == ["baal"]
    corpus.rollback()


def _snippet(session: Session, query: str, code: str) -> str:
    result = service.search(session, query, code)
    session.commit()
    return result.results[0].snippet


def test_what_a_page_shows_of_a_municipality_follows_its_edits_in_every_process(
    corpus: Session, engine: Engine, settings: Settings
) -> None:
    """The municipality's fact values and register entry are kept beside each index, not read
    per search: an edit committed through one process shows in the next search's snippet
    there, and in another process's (its own index) once that index has looked."""
    other = listen(make_sessionmaker(engine), new_index(settings))

    def seen_elsewhere(query: str, code: str, text: str) -> None:
        start = time.perf_counter()
        with other() as session:
            while text not in _snippet(session, query, code):
                assert time.perf_counter() - start < 10, f"{text!r} never shown"
                time.sleep(0.01)

    for session in (corpus, other()):
        assert "+45 89 40 20 00" in _snippet(session, "borgerservice", AARHUS)
        assert "https://www.frederiksberg.dk" in _snippet(session, "borgerservice", FREDERIKSBERG)
        session.close()

    kb.set_fact_value(corpus, AARHUS, "telefon", "+45 87 13 00 00", ADMIN)
    corpus.commit()
    assert "+45 87 13 00 00" in _snippet(corpus, "borgerservice", AARHUS)
    seen_elsewhere("borgerservice", AARHUS, "+45 87 13 00 00")

    # A register edit (Frederiksberg has no phone value: its website stands in its place).
    frederiksberg = get_municipality(corpus, FREDERIKSBERG)
    update_municipality(
        corpus, frederiksberg, MunicipalityUpdate(website="https://kommune.frederiksberg.dk")
    )
    corpus.commit()
    assert corpus.scalar(
        select(SearchChange.id).where(SearchChange.ref == f"municipality:{FREDERIKSBERG}")
    )
    assert "kommune.frederiksberg.dk" in _snippet(corpus, "borgerservice", FREDERIKSBERG)
    seen_elsewhere("borgerservice", FREDERIKSBERG, "kommune.frederiksberg.dk")

    # A fact's label is every municipality's: its gap words change everywhere.
    telefon = kb.get_fact(corpus, "telefon")
    kb.update_fact(corpus, telefon, {"label": "borgerservices nummer"}, EDITOR)
    corpus.commit()
    seen_elsewhere("borgerservice", FREDERIKSBERG, "nummer oplyses af Frederiksberg")


def test_a_register_entry_is_read_once_per_process_until_an_edit_names_it(
    corpus: Session,
) -> None:
    """Every agent's screen shows the municipality's register entry: with the index built it is
    kept beside it. A session that edited it reads its own edit; a rolled-back edit leaves the
    kept entry standing, a committed one has it read again."""
    index_of(corpus)
    kept = municipality_read(corpus, AARHUS)
    assert municipality_read(corpus, "751") is kept

    new_phone = MunicipalityUpdate(phone="+45 89 40 20 09")
    update_municipality(corpus, get_municipality(corpus, AARHUS), new_phone)
    assert municipality_read(corpus, AARHUS).phone == "+45 89 40 20 09"
    corpus.rollback()
    assert municipality_read(corpus, AARHUS) is kept

    update_municipality(corpus, get_municipality(corpus, AARHUS), new_phone)
    corpus.commit()
    assert municipality_read(corpus, AARHUS).phone == "+45 89 40 20 09"


def test_of_reads_that_may_not_wait_one_looks_at_the_change_log_while_the_others_answer(
    corpus: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Agents typing at once, answered on the event loop: when the index is due to look at the
    change log, the first read is sent to look (from a worker thread) and the others answer
    from the index as it is meanwhile, for at most ``LOOKING_SECONDS``. After a look the next
    due read looks again; after an edit of this process's, none answers before a look."""
    index = index_of(corpus)
    index_of(corpus)  # and applies the corpus's own commit (built before it was looked at)
    on_the_loop = NoDatabaseSession(info=dict(corpus.info))
    assert index_of(on_the_loop) is index  # fresh: nothing to look at
    monkeypatch.setattr(hotline.search.index, "REFRESH_SECONDS", 0.0)  # due from now on

    with pytest.raises(NeedsDatabase):
        index_of(on_the_loop)  # the first is sent to look
    assert index_of(on_the_loop) is index  # the others answer meanwhile
    assert index_of(corpus) is index  # the look, from a session that may wait
    with pytest.raises(NeedsDatabase):
        index_of(on_the_loop)  # due again: the next read looks again

    index.mark_stale()  # this process committed an edit
    with pytest.raises(NeedsDatabase):
        index_of(on_the_loop)
    index_of(corpus)
    monkeypatch.setattr(hotline.search.index, "LOOKING_SECONDS", 0.0)  # a look that never ends
    for _ in range(2):
        with pytest.raises(NeedsDatabase):
            index_of(on_the_loop)
