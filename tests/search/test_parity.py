"""SQLite and PostgreSQL find the same articles for the same queries, order them the same and
score them the same: one index, built from what either database holds, answers both.

Both corpora are built the same way (the behaviour corpus through the knowledge services, the
shipped knowledge base through the real sync) on a fresh database of each engine.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.db import make_engine, make_sessionmaker
from hotline.knowledge.files import sync_folder
from hotline.municipalities.service import sync_municipalities
from hotline.search import service
from hotline.search.indexing import listen, new_index
from tests.conftest import (
    KNOWLEDGE_BASE,
    POSTGRES_URL,
    create_throwaway_database,
    drop_throwaway_database,
    make_settings,
)
from tests.search.conftest import CORPUS_MUNICIPALITIES, CORPUS_QUERIES, build_corpus
from tests.search.test_relevance import RELEVANCE_SET

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="HOTLINE_TEST_POSTGRES_URL is not set"),
]

BEHAVIOUR_QUERIES = [(query, code) for query in CORPUS_QUERIES for code in CORPUS_MUNICIPALITIES]
# The shipped knowledge base: every relevance query and a few on facts and local text.
SHIPPED_QUERIES = [
    (case["query"], case["municipality"])
    for case in yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
] + [("89 40 20 00", "0751"), ("kredsløb", "0461"), ("letbanen", "0101"), ("storskrald", "0741")]


def _both_engines(directory: Path, load: Callable[[Session], None]) -> Iterator[list[Session]]:
    urls = [create_throwaway_database(backend, directory) for backend in ("sqlite", "postgresql")]
    engines_ = [make_engine(url) for url in urls]
    sessions = []
    for url, engine in zip(urls, engines_, strict=True):
        settings = make_settings(url, directory / "var")
        migrate.upgrade(settings, engine=engine)
        session = listen(make_sessionmaker(engine), new_index(settings))()
        load(session)
        session.commit()
        sessions.append(session)
    yield sessions
    for session, engine, url in zip(sessions, engines_, urls, strict=True):
        session.close()
        engine.dispose()
        drop_throwaway_database(url)


def _load_behaviour_corpus(session: Session) -> None:
    sync_municipalities(session, KNOWLEDGE_BASE / "municipalities.csv")
    build_corpus(session)


@pytest.fixture(scope="module")
def behaviour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Session]]:
    yield from _both_engines(tmp_path_factory.mktemp("parity"), _load_behaviour_corpus)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Session]]:
    yield from _both_engines(
        tmp_path_factory.mktemp("parity"), lambda session: sync_folder(session, KNOWLEDGE_BASE)
    )


def _found(session: Session, query: str, code: str) -> tuple[object, ...]:
    """Every match (up to 50), with its score, the counts and the suggestion."""
    result = service.search(session, query, code, limit=50)
    session.rollback()
    everything = [(hit.slug, hit.score) for hit in result.results]
    return everything, result.total, result.total_relation, result.facets, result.suggestion


def _page(session: Session, query: str, code: str, limit: int = 10) -> list[tuple[str, float]]:
    result = service.search(session, query, code, limit=limit)
    session.rollback()
    return [(hit.slug, hit.score) for hit in result.results]


def test_same_result_sets_and_same_best_result_on_the_behaviour_corpus(
    behaviour: list[Session],
) -> None:
    for query, code in BEHAVIOUR_QUERIES:
        sqlite, postgresql = (_found(session, query, code) for session in behaviour)
        assert sqlite == postgresql, (query, code)
        best_sqlite, best_postgresql = (_page(session, query, code, 1) for session in behaviour)
        assert best_sqlite == best_postgresql, (query, code)


def test_same_result_sets_and_same_first_page_on_the_shipped_knowledge_base(
    shipped: list[Session],
) -> None:
    """Not only the best result: the whole first page, in order, with the same scores."""
    finding = 0
    for query, code in SHIPPED_QUERIES:
        sqlite, postgresql = (_found(session, query, code) for session in shipped)
        assert sqlite == postgresql, (query, code)
        finding += bool(sqlite[0])
        assert _page(shipped[0], query, code) == _page(shipped[1], query, code), (query, code)
    assert finding >= len(SHIPPED_QUERIES) - 3  # the same, and not the same nothing
