"""Keeping every process's index in step with the knowledge base: the change log.

The application's sessionmaker (and only it) is given listeners by ``listen``: ``after_flush``
notes which knowledge rows (and municipality register entries, whose name, website and locale
search results show) changed, ``before_commit`` writes one ``search_changes`` row per
changed piece of knowledge with the same session, so the edit and its change-log rows commit
together or not at all. Each process's index reads the rows it has not applied
(``hotline.search.index``); ``after_commit`` tells this process's index to look at once.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Settings
from hotline.db import may_wait
from hotline.errors import NotFound
from hotline.knowledge.models import Article, Fact, FactValue, LocalArticle, Override
from hotline.knowledge.resolve import (
    ARTICLES_KEEPER,
    FACTS_KEEPER,
    KeptArticle,
    MunicipalityFacts,
    read_municipality_facts,
)
from hotline.municipalities.models import Municipality
from hotline.municipalities.schemas import MunicipalityRead
from hotline.municipalities.service import REGISTER_KEEPER, read_register_entry
from hotline.search.analyzer import Analyzer, analyzer_for
from hotline.search.documents import DocumentBuilder
from hotline.search.index import REBUILD, SearchIndex
from hotline.search.models import SearchChange
from hotline.search.readers import reader_of

PENDING = "hotline.search.pending"
INDEX = "hotline.search.index"


def synonyms_path(settings: Settings) -> Path:
    return settings.knowledge_base_dir / "synonyms.txt"


def analyzer(settings: Settings, locale: str) -> Analyzer:
    """The analyzer of a locale with the deployment's synonyms, shared by indexing and querying."""
    return analyzer_for(locale, synonyms_path(settings))


def new_index(settings: Settings, after_build: Callable[[], object] | None = None) -> SearchIndex:
    return SearchIndex(DocumentBuilder(synonyms_path(settings)), after_build=after_build)


@dataclass
class Pending:
    refs: set[str] = field(default_factory=set)

    def note(self, obj: object) -> None:
        if isinstance(obj, Article):
            self.refs.add(f"article:{obj.id}")
        elif isinstance(obj, Override):
            self.refs.add(f"article:{obj.article_id}")
        elif isinstance(obj, LocalArticle):
            self.refs.add(f"local:{obj.id}")
        elif isinstance(obj, FactValue):
            self.refs.add(f"value:{obj.municipality_code}:{obj.fact_key}")
        elif isinstance(obj, Fact):
            self.refs.add(f"fact:{obj.key}")
        elif isinstance(obj, Municipality):  # its name and website are facts of its texts
            self.refs.add(f"municipality:{obj.code}")


def _note_changes(session: Session, _context: Any) -> None:
    pending: Pending = session.info.setdefault(PENDING, Pending())
    for obj in session.new:
        pending.note(obj)
    for obj in session.deleted:
        pending.note(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            pending.note(obj)


def _log_changes(session: Session) -> None:
    session.flush()
    pending: Pending | None = session.info.pop(PENDING, None)
    if pending is not None and pending.refs:
        session.execute(insert(SearchChange), [{"ref": ref} for ref in sorted(pending.refs)])
        session.info["hotline.search.logged"] = True


def _forget_changes(session: Session, _previous: Any) -> None:
    session.info.pop(PENDING, None)
    session.info.pop("hotline.search.logged", None)


def _look_now(session: Session) -> None:
    if session.info.pop("hotline.search.logged", False) and (index := session.info.get(INDEX)):
        index.mark_stale()


def listen(factory: sessionmaker[Session], index: SearchIndex) -> sessionmaker[Session]:
    """Sessions of ``factory`` log their knowledge edits and search ``index``."""
    keepers = {
        FACTS_KEEPER: _kept_facts,
        ARTICLES_KEEPER: _kept_article,
        REGISTER_KEEPER: _kept_register_entry,
    }
    factory.configure(info={**factory.kw.get("info", {}), INDEX: index, **keepers})
    event.listen(factory, "after_flush", _note_changes)
    event.listen(factory, "before_commit", _log_changes)
    event.listen(factory, "after_soft_rollback", _forget_changes)
    event.listen(factory, "after_commit", _look_now)
    return factory


def _index_answering_for(session: Session) -> SearchIndex | None:
    """The index, if what it keeps may stand for what ``session`` would read: not when the
    session changed something it has not committed (only it sees that), nor before the process
    has built its index (a demo before its first search; production builds at start)."""
    index: SearchIndex = session.info[INDEX]
    pending: Pending | None = session.info.get(PENDING)
    changed = session.new or session.dirty or session.deleted or (pending and pending.refs)
    return None if changed or not index.built else index_of(session)


def _kept_facts(session: Session, code: str) -> MunicipalityFacts:
    """A municipality's facts for ``hotline.knowledge.resolve``, as the index keeps them; read
    in ``session`` where the index cannot answer for it, or for a code in no register (nothing
    is kept of those)."""
    index = _index_answering_for(session)
    if index is None:
        return read_municipality_facts(session, code)
    try:
        return reader_of(session, index, code).facts
    except NotFound:
        return read_municipality_facts(session, code)


def _kept_register_entry(session: Session, code: str) -> MunicipalityRead:
    """A municipality's register entry, as the index keeps it beside its facts; read in
    ``session`` where the index cannot answer for it (``NotFound`` for an unknown code)."""
    index = _index_answering_for(session)
    if index is None:
        return read_register_entry(session, code)
    return reader_of(session, index, code).entry


def _kept_article(
    session: Session, key: Hashable, load: Callable[[Session], KeptArticle]
) -> KeptArticle:
    """A published article as ``hotline.knowledge.resolve`` reads it, as the index keeps it
    (``load`` reads it in a session of the index's own); read in ``session`` where the index
    cannot answer for it."""
    index = _index_answering_for(session)
    if index is None:
        return load(session)
    return index.of_article(session.get_bind, key, load)  # type: ignore[arg-type]


def index_of(session: Session) -> SearchIndex:
    """The index of the sessionmaker the session came from, fresh."""
    index: SearchIndex | None = session.info.get(INDEX)
    if index is None:
        raise RuntimeError(
            "this session's sessionmaker has no search index: use hotline.search.indexing.listen"
        )
    if index.fresh or (not may_wait(session) and index.looked_at_meanwhile()):
        return index
    index.ensure_fresh(session.get_bind())  # type: ignore[arg-type]
    return index


def reindex(session: Session) -> int:
    """``hotline search reindex``: a change-log row tells every process to rebuild its index
    once the caller commits; this process's index is rebuilt now (its document count)."""
    session.execute(insert(SearchChange), [{"ref": REBUILD}])
    index: SearchIndex | None = session.info.get(INDEX)
    if index is None:
        raise RuntimeError("this session's sessionmaker has no search index")
    return index.build(session.get_bind())  # type: ignore[arg-type]
