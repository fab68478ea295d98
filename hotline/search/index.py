"""One tantivy index in memory per process, built from the database and kept fresh from its
change log.

tantivy ranks by BM25 per field (title x10, tags x4, body x1; a word of a municipality's
appended section as one body word) with block-max pruning, so the top ten cost what they cost
whatever the number of matches. The fields hold the stems of the project's own analyzer (space
separated, split on whitespace): the index knows no language. A municipality's own text is held as
``<code>:<stem>`` terms (``_scoped``): in its own documents (a replacing override, a local
article, a fact value) and in the ``appended`` field of the shared documents it appended a
section to. A view's query is one disjunction of the shared terms and its own.

Freshness: every knowledge edit writes ``search_changes`` rows in its own transaction
(``hotline.search.indexing``). Before a search, an index that has not looked for
``REFRESH_SECONDS`` reads the rows it has not applied, through its own connection (so it sees
only committed edits), and rebuilds the documents they name from the database as it is now.
A row committed late with a lower id (PostgreSQL hands ids out before commit) is caught by
re-asking for the ids skipped over, for ``GAP_SECONDS``.

What a result page or a resolved article needs of a municipality (its fact values, the words
for its missing ones: ``hotline.search.readers``) is kept beside the index per municipality
(``of_municipality``) and forgotten when a change
names it (``value:<code>:<key>``, ``municipality:<code>``) or every municipality
(``fact:<key>``, a rebuild): an edit another process committed shows as soon as its documents.
Articles as a municipality reads them (resolved, with their ETag) are kept the same way
(``of_article``), at most ``MAX_KEPT_ARTICLES``, and all forgotten on any change: an article
reads rows, facts and the register, and edits are rare beside reads.
"""

import bisect
import contextlib
import ctypes
import gc
import math
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NamedTuple, TypeVar

import tantivy
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from tantivy import Occur, Query

from hotline.db import SQLITE_MMAP_BYTES
from hotline.search.analyzer import Analyzer
from hotline.search.documents import (
    OPEN_END,
    OPEN_START,
    SHARED_VIEW,
    Display,
    DocumentBuilder,
    IndexDocument,
    all_documents,
    documents_of,
)
from hotline.search.models import SearchChange

T = TypeVar("T")

REFRESH_SECONDS = 0.2
# A read that may not wait (on the event loop) answers from the index as it is while another
# read looks at the change log, for at most this long: an edit of another process's is then
# searchable here within REFRESH_SECONDS + LOOKING_SECONDS (< 1 s).
LOOKING_SECONDS = 0.5
REBUILD = "all"  # the change-log ref of `hotline search reindex`: every process rebuilds
GAP_SECONDS = 120.0
MAX_GAPS = 10_000
MAX_KEPT_ARTICLES = 2_048  # resolved articles kept per process, the least recently read go first
# Title, tags, body: a title word weighs ten body words.
FIELD_WEIGHTS = (("title", 10.0), ("keywords", 4.0), ("body", 1.0))
# The sections municipalities appended to a shared article, scoped. One field holds the sections
# of every municipality that appended to the article, and most documents have none, so its BM25
# length norm would be meaningless: a stem found there scores as one occurrence in a body of
# average length (weight x IDF, BM25's term frequency part being 1), its IDF counted over the
# documents holding it in either field, as one text.
APPENDED = "appended"
SECTION_OF = {"body": APPENDED}
# An article showing a matching fact value gets a quarter of the best such value's score: fact
# documents are a few words long, so their raw scores would drown the articles' own words.
FACT_WEIGHT = 0.25
FACTS_CONSIDERED = 20
# A spelling suggestion is a word this many letters longer or shorter at most.
SIMILAR_LENGTH = 2
# A prefix ("parkering") stands for at most this many indexed stems, the shortest first.
MAX_EXPANSIONS = 64
# Where at most this many documents hold the query's terms, the best COUNTED_BY_HAND + 1
# matches are fetched first (``search``): if that is all of them, they are counted by category
# here, instead of by an aggregation and ranked again by a second search; if not, they are the
# page's candidates. Each match's key is read from the document store once per commit
# (~3 us); above ~50 matches, at 5,000 articles where few keys are known yet, the aggregation
# costs less. Above FEW_MAY_MATCH the aggregation runs at once: fetching 51 candidates where
# the page needs 20 would cost more than fetching 20.
FEW_MAY_MATCH = 1_000
COUNTED_BY_HAND = 50
# A stem's clauses (in the fields of one query) kept per committed reading (``_Reading``).
# Kept per field, an entry was ~260 bytes: at 5,000 articles and 98 municipalities, 4,000
# queries kept 82,000 (+21 MB), and the bound was 50,000 (<= 13 MB). Kept per stem, 3,800
# queries kept 90,000 entries where they had kept 184,000 (and fewer since the own-text bits):
# the same clauses in half as many entries, so half the bound holds about as many bytes.
MAX_KEPT_STEM_CLAUSES = 25_000
WRITER_HEAP = 20_000_000
# A build from scratch writes with a larger heap: each time the heap fills, tantivy writes a
# segment, and the build then waits for them all to be merged. Given back once built.
BUILD_WRITER_HEAP = 200_000_000


def _return_freed_memory() -> None:
    """Hand the build's freed memory (the writer heap, merged-away segments) back to the OS.
    glibc keeps freed heap memory for reuse; at 1,000 articles the process held 293 MB after a
    build and 246 MB after this. Elsewhere (no glibc) the memory simply stays reserved."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def _read_through_page_cache(session: Session) -> Iterator[None]:
    """A build reads the whole database once. SQLite connections map the database file
    (``hotline.db.SQLITE_MMAP_BYTES``), and each page read through the map stays resident in
    the process: file-backed and reclaimable, but counted in its RSS (126 MB of a 468 MB
    process at 5,000 articles). The build reads through SQLite's own small page cache."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.execute(text("PRAGMA mmap_size=0"))
    try:
        yield
    finally:
        if sqlite:
            session.execute(text(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}"))


def _scoped(view: str, stems: str) -> str:
    """A municipality's own text: each stem as ``<code>:<stem>``, a term of its own, so that a
    query of one view reads the shared postings and its own, never another municipality's,
    and stays one disjunction of terms (which tantivy prunes block by block)."""
    return f"{view}:" + f" {view}:".join(stems.split()) if stems else ""


def _idf(documents: int, holding: int) -> float:
    """tantivy's BM25 IDF."""
    return math.log(1 + (documents - holding + 0.5) / (holding + 0.5))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("key", "ref", "kind", "view", "hidden_in", "dated", "fact_keys"):
        builder.add_text_field(
            name, stored=name == "key", tokenizer_name="raw", index_option="basic"
        )
    builder.add_text_field("category", tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("valid_from", "valid_to"):
        builder.add_integer_field(name, indexed=True, fast=True)
    for name in (*(name for name, _ in FIELD_WEIGHTS), "facts"):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field(APPENDED, tokenizer_name="whitespace", index_option="basic")
    return builder.build()


Clauses = tuple[tuple[Occur, Query], ...]
# A stem's term queries in each field searched (in the fields' order), boosted, and how many
# documents hold its terms.
StemClauses = tuple[tuple[Clauses, ...], int]
# What they are kept by: (stem, the fields and their weights, municipality or None for the
# shared text).
StemKey = tuple[str, tuple[tuple[str, float], ...], str | None]


class _Reading:
    """One committed state of the index as searches read it, with what is learnt of it while
    reading: how many documents hold a term, and which document sits at an address. Replaced
    whole at each commit, so nothing learnt of one state is used for another."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self.searcher = searcher
        self.documents = searcher.num_docs
        self._holding: dict[tuple[str, str], int] = {}
        self._keys: dict[tuple[int, int], str] = {}
        # (stem, fields, municipality) -> its clauses: queries share stems (a prefix's
        # completions, common words), and boosting a stem's terms costs more than the search.
        self.stem_clauses: dict[StemKey, StemClauses] = {}

    def keep_stem_clauses(self, key: StemKey, clauses: StemClauses) -> None:
        if len(self.stem_clauses) >= MAX_KEPT_STEM_CLAUSES:
            self.stem_clauses.clear()
        self.stem_clauses[key] = clauses

    def holding(self, field: str, term: str) -> int:
        """How many documents hold the term."""
        count = self._holding.get((field, term))
        if count is None:
            count = self._holding[field, term] = self.searcher.doc_freq(field, term)
        return count

    def key(self, address: tantivy.DocAddress) -> str:
        """The key of the document at ``address``: read from the document store once (a
        compressed block read, the document made into Python objects: ~3 us), then known."""
        slot = (address.segment_ord, address.doc)
        key = self._keys.get(slot)
        if key is None:
            key = self._keys[slot] = self.searcher.doc(address)["key"][0]
        return key


class Hit(NamedTuple):
    """A match the municipality sees (a tuple: made for each candidate of every search)."""

    key: str
    score: float
    display: Display


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # the page asked for, best first
    total: int
    facets: dict[str, int]
    relation: Literal["eq", "gte"] = "eq"  # "gte": more than ``total`` match


def _best_first(hits: list[Hit]) -> list[Hit]:
    """Best score first, ties by slug (the engine breaks them by where a document sits)."""
    return sorted(hits, key=lambda hit: (-round(hit.score, 4), hit.display.slug))


class Vocabulary:
    """The indexed stems (for prefixes and "is this word known") and surface words (for
    spelling suggestions and snippets), from what the indexing analyzers have stemmed. Only
    grows: a stem no document holds any more matches nothing."""

    def __init__(self) -> None:
        self.stems: set[str] = set()
        self._sorted: list[str] = []
        self._unsorted = False
        # (first letter, length) -> words: a spelling suggestion compares few lengths
        self.words_by_start: dict[tuple[str, int], set[str]] = {}
        self.words_by_stem: dict[str, set[str]] = {}
        self._seen: dict[int, int] = {}  # analyzer -> words already taken from it

    def take(self, analyzers: Iterable[Analyzer]) -> None:
        """The words the analyzers stemmed since the last call."""
        for analyzer in analyzers:
            seen = self._seen.get(id(analyzer), 0)
            if analyzer.stemmed == seen:
                continue
            for word, stem in analyzer.stemmed_since(seen):
                if word.isdigit():
                    continue
                self.words_by_start.setdefault((word[0], len(word)), set()).add(word)
                self.words_by_stem.setdefault(stem, set()).add(word)
                if stem not in self.stems:
                    self.stems.add(stem)
                    self._unsorted = True
            self._seen[id(analyzer)] = analyzer.stemmed

    def completions(self, prefix: str) -> list[str]:
        if self._unsorted:
            self._sorted, self._unsorted = sorted(self.stems), False
        start = bisect.bisect_left(self._sorted, prefix)
        end = bisect.bisect_left(self._sorted, prefix + "\U0010ffff")
        found = self._sorted[start:end]
        if len(found) > MAX_EXPANSIONS:
            found = sorted(found, key=lambda stem: (len(stem), stem))[:MAX_EXPANSIONS]
        return found


class SearchIndex:
    """The process's index of one database. Thread-safe: searches run on the event loop and,
    where they need the database, in worker threads."""

    def __init__(
        self, builder: DocumentBuilder, *, after_build: Callable[[], object] | None = None
    ) -> None:
        self.builder = builder
        self._after_build = after_build  # called once each build is in place
        self.schema = _schema()
        self._lock = threading.RLock()
        self._built = False
        self._last_id = 0
        self._gaps: dict[int, float] = {}  # skipped id -> when first skipped
        self._checked = 0.0
        self._looking_since = -LOOKING_SECONDS  # when a read that may not wait left to look
        self._stale = False  # this process committed an edit: look before the next search
        self._municipalities: dict[str, Any] = {}  # code -> what ``of_municipality`` loaded
        self._articles: OrderedDict[Hashable, Any] = OrderedDict()  # what ``of_article`` loaded
        self._forgotten = 0  # how many times changes were applied (and what is kept forgotten)
        self._own_engine: Engine | None = None
        self._reset()

    def _reset(self) -> None:
        self.index = tantivy.Index(self.schema)
        self.writer = self.index.writer(heap_size=BUILD_WRITER_HEAP, num_threads=1)
        self.displays: dict[str, Display] = {}
        # shared document -> municipality -> what its hit shows there (it appended a section)
        self.view_displays: dict[str, dict[str, Display]] = {}
        self.hidden: dict[str, set[str]] = {}  # municipality -> shared documents it does not see
        # field -> stem -> the municipalities whose own text in the field may hold it, one bit
        # each (``_bit_of``); a section appended counts as body. For the others, a query's stem
        # reads the shared text's clauses without asking the index (``_text_clauses``). Sets
        # of codes took 84 MB at 5,000 articles, the bits 2 MB.
        self.own_text_of: dict[str, dict[str, int]] = {}
        self._bits: dict[str, int] = {}  # municipality -> its bit
        self.vocabulary = Vocabulary()
        self._read_anew()
        self._forget([REBUILD])

    def read_through(self, engine: Engine) -> None:
        """Read the database (build, change log, what ``of_municipality`` keeps) through
        ``engine``, a small pool of the index's own, instead of the caller's.

        Requests wait for the index (its lock, a municipality being read) each holding a
        connection of the request pool; when they held them all, the one doing the index's
        read waited for a connection too, until the pool's timeout: a burst of first searches
        answered 503s after 10 s."""
        self._own_engine = engine

    def _engine(self, engine: Engine) -> Engine:
        return self._own_engine or engine

    def of_municipality(
        self, bind: Callable[[], Engine], code: str, load: Callable[[Session], T]
    ) -> T:
        """What ``load`` reads of the municipality ``code``, kept until a change names it.
        ``bind`` is asked for the caller's engine only when it must be read."""
        found = self._municipalities.get(code)
        if found is not None:
            return found
        return self._kept(bind(), load, lambda loaded: self._municipalities.update({code: loaded}))

    def of_article(
        self, bind: Callable[[], Engine], key: Hashable, load: Callable[[Session], T]
    ) -> T:
        """What ``load`` reads of one article (as one municipality reads it on one day), kept
        until the next change is applied, whatever it names. ``bind`` as above."""
        found = self._articles.get(key)  # no lock: a rebuild holding it must not stall reads
        if found is not None:
            with contextlib.suppress(KeyError):  # forgotten meanwhile: this read began before
                self._articles.move_to_end(key)
            return found
        return self._kept(bind(), load, lambda loaded: self._keep_article(key, loaded))

    def _keep_article(self, key: Hashable, loaded: object) -> None:
        self._articles[key] = loaded
        if len(self._articles) > MAX_KEPT_ARTICLES:
            self._articles.popitem(last=False)

    def _kept(self, engine: Engine, load: Callable[[Session], T], keep: Callable[[T], None]) -> T:
        """What ``load`` reads, handed to ``keep`` unless a change was applied meanwhile.

        Read through a session of its own, opened after noting how often changes were applied
        (never the caller's, whose snapshot may predate a change already applied), and kept only
        if none was applied meanwhile: a change committed after the read began is applied (and
        forgets) later, so what is kept is never older than what the index has applied."""
        forgotten = self._forgotten
        with Session(self._engine(engine)) as session:
            loaded = load(session)
        with self._lock:
            if forgotten == self._forgotten:
                keep(loaded)
        return loaded

    def _forget(self, refs: Iterable[str]) -> None:
        with self._lock:
            self._forgotten += 1
            self._articles.clear()
            for ref in refs:
                kind, _, rest = ref.partition(":")
                if kind in ("value", "municipality"):
                    self._municipalities.pop(rest.partition(":")[0], None)
                elif kind in ("fact", REBUILD):
                    self._municipalities.clear()

    # --- keeping it fresh ----------------------------------------------------------------

    @property
    def built(self) -> bool:
        return self._built

    def mark_stale(self) -> None:
        self._stale = True

    @property
    def fresh(self) -> bool:
        """Built, and the change log read less than ``REFRESH_SECONDS`` ago with no edit of
        this process's committed since: what ``ensure_fresh`` would do nothing about."""
        return (
            self._built and not self._stale and time.monotonic() - self._checked < REFRESH_SECONDS
        )

    def looked_at_meanwhile(self) -> bool:
        """For a read that may not wait: whether it may answer from the index as it is,
        although the index is due to look at the change log. Yes while another read is looking
        (for at most ``LOOKING_SECONDS``); the first to find it due is told no and looks (from
        a worker thread), so eight agents typing at once send one look there, not eight. Never
        before the index is built, nor after an edit of this process's (its author reads it
        next)."""
        if not self._built or self._stale:
            return False
        now = time.monotonic()
        if now - self._looking_since < LOOKING_SECONDS:
            return True
        self._looking_since = now
        return False

    def ensure_fresh(self, engine: Engine) -> None:
        """Built, and every committed change applied (at most ``REFRESH_SECONDS`` ago)."""
        if self.fresh:
            return
        engine = self._engine(engine)
        with self._lock:
            if not self._built:
                self.build(engine)
            elif self._stale or time.monotonic() - self._checked >= REFRESH_SECONDS:
                self._stale = False
                self._apply_changes(engine)
            self._checked = time.monotonic()
            self._looking_since = -LOOKING_SECONDS

    def build(self, engine: Engine) -> int:
        """Everything from the database; the change log's position is read first, so an edit
        committed while building is applied again afterwards (applying is idempotent)."""
        engine = self._engine(engine)
        with self._lock:
            collecting = gc.isenabled()
            gc.disable()  # a build makes millions of objects that live: collecting is waste
            try:
                with Session(engine) as session, _read_through_page_cache(session):
                    last = session.scalar(select(func.max(SearchChange.id))) or 0
                    self._reset()
                    count = 0
                    for document in all_documents(session, self.builder):
                        self._add(document)
                        count += 1
                    self.commit()
                self._settle()
            finally:
                if collecting:
                    gc.enable()
            self._last_id, self._gaps, self._built = last, {}, True
            self._checked = time.monotonic()
            if self._after_build is not None:
                self._after_build()
            return count

    def _apply_changes(self, engine: Engine) -> None:
        now = time.monotonic()
        self._gaps = {id_: t for id_, t in self._gaps.items() if now - t < GAP_SECONDS}
        with Session(engine) as session:
            newer = SearchChange.id > self._last_id
            condition = newer | SearchChange.id.in_(self._gaps) if self._gaps else newer
            rows = session.execute(
                select(SearchChange.id, SearchChange.ref).where(condition).order_by(SearchChange.id)
            ).all()
            if not rows:
                return
            for id_, _ in rows:
                self._gaps.pop(id_, None)
                if id_ > self._last_id:
                    skipped = range(max(self._last_id + 1, id_ - MAX_GAPS), id_)
                    self._gaps.update(dict.fromkeys(skipped, now))
                    self._last_id = id_
            refs = sorted({ref for _, ref in rows})
        if REBUILD in refs:
            self.build(engine)
            return
        with Session(engine) as session:
            self.apply(session, refs)

    def apply(self, session: Session, refs: Iterable[str]) -> None:
        """Rebuild the documents the refs name from what ``session`` reads."""
        with self._lock:
            refs = list(refs)
            self._forget(refs)
            for ref in refs:
                self.writer.delete_documents_by_term("ref", ref)
                if ref.startswith("article:"):
                    shared = f"shared:{ref.removeprefix('article:')}"
                    for hidden in self.hidden.values():
                        hidden.discard(shared)
                    self.view_displays.pop(shared, None)
                for document in documents_of(session, self.builder, ref):
                    self._add(document)
            self.commit()

    def _add(self, document: IndexDocument) -> None:
        own = document.view != SHARED_VIEW
        texts = {"title": document.title, "keywords": document.keywords, "body": document.body}
        if document.kind == "fact":
            texts = {"facts": document.body}
        if own:
            for name, text in texts.items():
                self._note_own_text(document.view, name, text)
        fields: dict[str, object] = {
            "key": document.key,
            "ref": list(document.refs),
            "kind": document.kind,
            "view": document.view,
            "valid_from": document.valid_from,
            "valid_to": document.valid_to,
            **{name: _scoped(document.view, text) if own else text for name, text in texts.items()},
        }
        if document.hidden_in:
            fields["hidden_in"] = list(document.hidden_in)
            for code in document.hidden_in:
                self.hidden.setdefault(code, set()).add(document.key)
        fact_keys = [f"{document.view}:{key}" if own else key for key in document.fact_keys]
        if document.appended:
            fields[APPENDED] = " ".join(_scoped(a.view, a.body) for a in document.appended)
            for appended in document.appended:
                self._note_own_text(appended.view, "body", appended.body)
            fact_keys += [f"{a.view}:{key}" for a in document.appended for key in a.fact_keys]
            self.view_displays[document.key] = {a.view: a.display for a in document.appended}
        if fact_keys:
            fields["fact_keys"] = fact_keys
        if document.category:
            fields["category"] = document.category
        if document.valid_from != OPEN_START or document.valid_to != OPEN_END:
            fields["dated"] = "yes"
        self.writer.add_document(tantivy.Document(**fields))
        if document.display is not None:
            self.displays[document.key] = document.display

    def _bit_of(self, municipality_code: str) -> int:
        bit = self._bits.get(municipality_code)
        if bit is None:
            bit = self._bits[municipality_code] = 1 << len(self._bits)
        return bit

    def _note_own_text(self, view: str, field: str, stems: str) -> None:
        """The stems of a municipality's own text in a field, in ``own_text_of``. Only grows,
        as the vocabulary does: for a stem its text no longer holds, the index is asked and
        finds none (``_stem_clauses``)."""
        bit, own = self._bit_of(view), self.own_text_of.setdefault(field, {})
        for stem in set(stems.split()):
            own[stem] = own.get(stem, 0) | bit

    def _settle(self) -> None:
        """Let the build's segments merge before searching (at 1,500 articles, 18 segments
        became 4 in 6 s): every segment is searched apart, and a merge left running would
        hold up the first edit's commit."""
        self.writer.wait_merging_threads()  # consumes the writer
        self.writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        _return_freed_memory()
        self._read_anew()

    def commit(self) -> None:
        self.vocabulary.take(self.builder.analyzers.values())
        self.writer.commit()
        self._read_anew()

    def _read_anew(self) -> None:
        """Searches from now on read what was committed (each search keeps the reading it
        began with: a commit in another thread never mixes two into one search)."""
        self.index.reload()
        self._reading = _Reading(self.index.searcher())

    @property
    def searcher(self) -> tantivy.Searcher:
        return self._reading.searcher

    # --- querying ------------------------------------------------------------------------

    def _term(self, field: str, value: str) -> tantivy.Query:
        return Query.term_query(self.schema, field, value, index_option="basic")

    def text_query(
        self,
        stems_per_term: list[list[str]],
        fields: Iterable[tuple[str, float]],
        municipality_code: str | None = None,
    ) -> Query | None:
        """Any stem of any term in any field (``_text_clauses``); ``None`` when nothing can
        match."""
        clauses, _ = self._text_clauses(self._reading, stems_per_term, fields, municipality_code)
        return Query.boolean_query(clauses) if clauses else None

    def _text_clauses(
        self,
        reading: _Reading,
        stems_per_term: list[list[str]],
        fields: Iterable[tuple[str, float]],
        municipality_code: str | None,
    ) -> tuple[list[tuple[Occur, Query]], int]:
        """Any stem of any term in any field, in the shared text and (``municipality_code``)
        the municipality's own, weighed alike: each stem's two terms are boosted to the IDF of
        their documents together, as if the view were one index. A term's stems (synonyms, a
        prefix's completions) add up. With the clauses, how many documents hold their terms
        (a document once per term it holds): at least as many as match."""
        weighed = tuple(fields)
        clauses: list[tuple[Occur, Query]] = []
        holding = 0
        bit = self._bits.get(municipality_code, 0) if municipality_code is not None else 0
        own_in = [self.own_text_of.get(field, {}) for field, _ in weighed]
        for stems in stems_per_term:
            kept = [
                self._kept_stem_clauses(
                    reading,
                    (
                        s,
                        weighed,
                        municipality_code if any(o.get(s, 0) & bit for o in own_in) else None,
                    ),
                )
                for s in stems
            ]
            # field by field, as tantivy sums the clauses' scores in this order
            for field in range(len(weighed)):
                for per_field, _ in kept:
                    clauses += per_field[field]
            holding += sum(stem_holding for _, stem_holding in kept)
        return clauses, holding

    def _kept_stem_clauses(self, reading: _Reading, key: StemKey) -> StemClauses:
        """``_stem_clauses`` as the reading keeps them, made the first time they are asked for."""
        kept = reading.stem_clauses.get(key)
        if kept is None:
            kept = self._stem_clauses(reading, *key)
            reading.keep_stem_clauses(key, kept)
        return kept

    def _stem_clauses(
        self,
        reading: _Reading,
        stem: str,
        fields: tuple[tuple[str, float], ...],
        municipality_code: str | None,
    ) -> StemClauses:
        """One stem in each field, shared and the municipality's own, boosted alike (see
        ``_text_clauses``); with how many documents hold it. Made for all the fields at once:
        a query asks for each stem in the same fields. Where the municipality has no text of
        its own with the stem (for most stems, most municipalities), they are the shared
        text's clauses, made once for all municipalities."""
        own: dict[str, list[tuple[str, str, int]]] = {}
        if municipality_code is not None:
            scoped = f"{municipality_code}:{stem}"
            for field, _ in fields:
                forms = (field, SECTION_OF[field]) if field in SECTION_OF else (field,)
                found = [(f, scoped, n) for f in forms if (n := reading.holding(f, scoped))]
                if found:
                    own[field] = found
            if not own:
                return self._kept_stem_clauses(reading, (stem, fields, None))
        documents = reading.documents
        per_field = []
        holding = 0
        for field, weight in fields:
            shared_holding = reading.holding(field, stem) if field != "facts" else 0
            counts = [(field, stem, shared_holding)] if shared_holding else []
            counts += own.get(field, ())
            together = sum(n for _, _, n in counts)
            holding += together
            idf = _idf(documents, together)
            clauses = []
            for f, form, n in counts:
                if f == APPENDED:
                    query = Query.const_score_query(self._term(f, form), weight * idf)
                else:
                    query = Query.term_query(self.schema, f, form, index_option="freq")
                    query = Query.boost_query(query, weight * idf / _idf(documents, n))
                clauses.append((Occur.Should, query))
            per_field.append(tuple(clauses))
        return tuple(per_field), holding

    def expand(self, alternatives: Iterable[tuple[str, bool]]) -> list[str]:
        """The indexed stems an alternative stands for: itself, or a prefix's completions."""
        stems: list[str] = []
        for stem, prefix in alternatives:
            if prefix:
                stems += self.vocabulary.completions(stem)
            else:  # also the joined digit runs of phone numbers, which are not words
                stems.append(stem)
        return sorted(set(stems))

    def _out_of_force(self, day: int) -> Query:
        return Query.boolean_query(
            [
                (Occur.Must, self._term("dated", "yes")),
                (
                    Occur.Must,
                    Query.boolean_query(
                        [
                            (Occur.Should, self._range("valid_from", day + 1, 2**62)),
                            (Occur.Should, self._range("valid_to", -(2**62), day - 1)),
                        ]
                    ),
                ),
            ]
        )

    def _range(self, field: str, lower: int, upper: int) -> Query:
        return Query.range_query(self.schema, field, tantivy.FieldType.Integer, lower, upper)

    def _fact_clauses(
        self, reading: _Reading, stems_per_term: list[list[str]], municipality_code: str
    ) -> tuple[list[tuple[Occur, Query]], int]:
        """The municipality's fact values that match lead to the articles showing them, with
        a quarter of the value's score; with how many documents hold their terms."""
        facts, _ = self._text_clauses(reading, stems_per_term, (("facts", 1.0),), municipality_code)
        if not facts:
            return [], 0
        clauses = []
        holding = 0
        found = reading.searcher.search(Query.boolean_query(facts), FACTS_CONSIDERED, count=False)
        for score, address in found.hits:
            fact_key = reading.key(address).split(":", 2)[2]
            for shown in (fact_key, f"{municipality_code}:{fact_key}"):
                holding += reading.holding("fact_keys", shown)
                shows = Query.const_score_query(self._term("fact_keys", shown), FACT_WEIGHT * score)
                clauses.append((Occur.Should, shows))
        return clauses, holding

    def search(
        self,
        stems_per_term: list[list[str]],
        municipality_code: str,
        at: date,
        *,
        category: str | None,
        offset: int,
        limit: int,
        cap: int = 1_000,
        counted: bool = True,
    ) -> Found:
        """The page of the municipality's articles in force on ``at`` that match, best first
        (ties by slug), with the matches counted per category."""
        reading = self._reading
        text, text_holding = self._text_clauses(
            reading, stems_per_term, FIELD_WEIGHTS, municipality_code
        )
        clauses = [(Occur.Should, Query.boolean_query(text))] if text else []
        facts, facts_holding = self._fact_clauses(reading, stems_per_term, municipality_code)
        clauses += facts
        if not clauses:
            return Found([], 0, {})
        matching = Query.boolean_query(clauses)
        day = at.toordinal()
        # The best matches, fetched ahead where few may match: all of them, if few do.
        ranked = None
        if counted and text_holding + facts_holding <= FEW_MAY_MATCH:
            ranked = reading.searcher.search(matching, COUNTED_BY_HAND + 1, count=False).hits
        if ranked is not None and len(ranked) <= COUNTED_BY_HAND:
            hits = self._visible(reading, ranked, municipality_code, day)
            facets = dict(Counter(hit.display.category for hit in hits if hit.display.category))
            if category is not None:
                hits = [hit for hit in hits if hit.display.category == category]
            hits = _best_first(hits)[: offset + limit]
        else:
            facets = self._counted(reading, text + facts, municipality_code, day) if counted else {}
            if category is not None:
                only = Query.const_score_query(self._term("category", category), 0.0)
                matching = Query.boolean_query([(Occur.Must, matching), (Occur.Must, only)])
                ranked = None
            hits = self._top(reading, matching, municipality_code, day, offset + limit, ranked)
        total = facets.get(category, 0) if category is not None else sum(facets.values())
        relation: Literal["eq", "gte"] = "eq"
        if total > cap:
            total, relation = cap, "gte"
        return Found(hits[offset:], total, facets, relation)

    def _counted(
        self,
        reading: _Reading,
        matching: list[tuple[Occur, Query]],
        municipality_code: str,
        day: int,
    ) -> dict[str, int]:
        """The matches the municipality sees on ``day``, per category: tantivy's aggregation.
        ``matching``'s clauses (any of them) stand beside the exclusions in one query: nested
        under a ``Must``, the aggregation took 8 % longer."""
        visible = Query.boolean_query(
            [
                *matching,
                (Occur.MustNot, self._term("hidden_in", municipality_code)),
                (Occur.MustNot, self._out_of_force(day)),
            ]
        )
        aggregated = reading.searcher.aggregate(
            visible, {"categories": {"terms": {"field": "category", "size": 10_000}}}
        )
        return {
            bucket["key"]: bucket["doc_count"] for bucket in aggregated["categories"]["buckets"]
        }

    def _top(
        self,
        reading: _Reading,
        query: Query,
        municipality_code: str,
        day: int,
        wanted: int,
        ranked: list[tuple[Any, tantivy.DocAddress]] | None = None,
    ) -> list[Hit]:
        """The best ``wanted`` visible hits: fetched with room for the shared documents the
        municipality replaced or hid (and any out of force), more when that was not enough.
        ``ranked``: the query's best matches where already fetched."""
        fetch = wanted + wanted // 2 + 5
        while True:
            if ranked is not None and len(ranked) >= fetch:
                found = ranked[:fetch]
            else:
                found = reading.searcher.search(query, fetch, count=False).hits
            hits = self._visible(reading, found, municipality_code, day)
            if len(hits) >= wanted or len(found) < fetch:
                break
            fetch *= 4
        return _best_first(hits)[:wanted]

    def _visible(
        self,
        reading: _Reading,
        found: list[tuple[Any, tantivy.DocAddress]],
        municipality_code: str,
        day: int,
    ) -> list[Hit]:
        """The hits the municipality sees on ``day``: not hidden or replaced there, in force."""
        hidden = self.hidden.get(municipality_code, set())
        hits = []
        for score, address in found:
            key = reading.key(address)
            display = self.view_displays.get(key, {}).get(municipality_code)
            if display is None:
                display = self.displays[key]
            if key in hidden or not display.valid_from <= day <= display.valid_to:
                continue
            hits.append(Hit(key, score, display))
        return hits

    def knows(self, stem: str, prefix: bool) -> bool:
        if prefix:
            return bool(self.vocabulary.completions(stem))
        return stem in self.vocabulary.stems

    def words_of(self, stem: str) -> Iterable[str]:
        """The surface words indexed as ``stem``."""
        return self.vocabulary.words_by_stem.get(stem, ())

    def words_like(self, word: str) -> list[str]:
        """Indexed words with the same first letter and a similar length (within
        ``SIMILAR_LENGTH``): a few buckets, not every word of the letter (at 5,000 articles,
        thousands)."""
        by_start = self.vocabulary.words_by_start
        return [
            known
            for length in range(len(word) - SIMILAR_LENGTH, len(word) + SIMILAR_LENGTH + 1)
            for known in by_start.get((word[0], length), ())
        ]
