"""One tantivy index in memory per process, built from the database and kept fresh from its
change log.

tantivy ranks by BM25 per field (title x10, tags x4, body x1) with block-max pruning, so the
top ten cost what they cost whatever the number of matches. The fields hold the stems of the
project's own analyzer (space separated, split on whitespace): the index knows no language.

Freshness: every knowledge edit writes ``search_changes`` rows in its own transaction
(``hotline.search.indexing``). Before a search, an index that has not looked for
``REFRESH_SECONDS`` reads the rows it has not applied, through its own connection (so it sees
only committed edits), and rebuilds the documents they name from the database as it is now.
A row committed late with a lower id (PostgreSQL hands ids out before commit) is caught by
re-asking for the ids skipped over, for ``GAP_SECONDS``.
"""

import bisect
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import tantivy
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tantivy import Occur, Query

from hotline.search.analyzer import Analyzer
from hotline.search.documents import (
    SHARED_VIEW,
    Display,
    DocumentBuilder,
    IndexDocument,
    all_documents,
    documents_of,
)
from hotline.search.models import SearchChange

REFRESH_SECONDS = 0.2
REBUILD = "all"  # the change-log ref of `hotline search reindex`: every process rebuilds
GAP_SECONDS = 120.0
MAX_GAPS = 10_000
# Title, tags, body: a title word weighs ten body words.
FIELD_WEIGHTS = (("title", 10.0), ("keywords", 4.0), ("body", 1.0))
# An article showing a matching fact value gets a quarter of the best such value's score: fact
# documents are a few words long, so their raw scores would drown the articles' own words.
FACT_WEIGHT = 0.25
FACTS_CONSIDERED = 20
# A prefix ("parkering") stands for at most this many indexed stems, the shortest first.
MAX_EXPANSIONS = 64
WRITER_HEAP = 64_000_000


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("key", "ref", "kind", "view", "hidden_in", "dated", "fact_keys"):
        builder.add_text_field(
            name, stored=name == "key", tokenizer_name="raw", index_option="basic"
        )
    builder.add_text_field("category", tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("valid_from", "valid_to"):
        builder.add_integer_field(name, indexed=True, fast=True)
    for name, _ in FIELD_WEIGHTS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


@dataclass(frozen=True)
class Hit:
    key: str
    score: float
    display: Display


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # the page asked for, best first
    total: int
    facets: dict[str, int]
    relation: str = "eq"  # "gte": more than ``total`` match


class Vocabulary:
    """The indexed stems (for prefixes and "is this word known") and surface words (for
    spelling suggestions and snippets), from what the indexing analyzers have stemmed. Only
    grows: a stem no document holds any more matches nothing."""

    def __init__(self) -> None:
        self.stems: set[str] = set()
        self._sorted: list[str] = []
        self._unsorted = False
        self.words_by_letter: dict[str, set[str]] = {}
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
                self.words_by_letter.setdefault(word[0], set()).add(word)
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
    """The process's index of one database. Thread-safe: searches run in the thread pool."""

    def __init__(self, builder: DocumentBuilder) -> None:
        self.builder = builder
        self.schema = _schema()
        self._lock = threading.RLock()
        self._built = False
        self._last_id = 0
        self._gaps: dict[int, float] = {}  # skipped id -> when first skipped
        self._checked = 0.0
        self._stale = False  # this process committed an edit: look before the next search
        self._reset()

    def _reset(self) -> None:
        self.index = tantivy.Index(self.schema)
        self.writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        self.displays: dict[str, Display] = {}
        self.fact_values: dict[str, dict[str, str]] = {}  # municipality -> key -> shown value
        self.vocabulary = Vocabulary()
        self.searcher = self.index.searcher()

    # --- keeping it fresh ----------------------------------------------------------------

    def mark_stale(self) -> None:
        self._stale = True

    def ensure_fresh(self, engine: Engine) -> None:
        """Built, and every committed change applied (at most ``REFRESH_SECONDS`` ago)."""
        now = time.monotonic()
        if self._built and not self._stale and now - self._checked < REFRESH_SECONDS:
            return
        with self._lock:
            if not self._built:
                self.build(engine)
            elif self._stale or time.monotonic() - self._checked >= REFRESH_SECONDS:
                self._stale = False
                self._apply_changes(engine)
            self._checked = time.monotonic()

    def build(self, engine: Engine) -> int:
        """Everything from the database; the change log's position is read first, so an edit
        committed while building is applied again afterwards (applying is idempotent)."""
        with self._lock, Session(engine) as session:
            last = session.scalar(select(func.max(SearchChange.id))) or 0
            self._reset()
            count = 0
            for document in all_documents(session, self.builder):
                self._add(document)
                count += 1
            self.commit()
            self._last_id, self._gaps, self._built = last, {}, True
            self._checked = time.monotonic()
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
            for ref in refs:
                self.writer.delete_documents_by_term("ref", ref)
                if ref.startswith("value:"):
                    _, code, key = ref.split(":", 2)
                    self.fact_values.get(code, {}).pop(key, None)
                elif ref.startswith("fact:"):
                    for values in self.fact_values.values():
                        values.pop(ref.removeprefix("fact:"), None)
                for document in documents_of(session, self.builder, ref):
                    self._add(document)
            self.commit()

    def _add(self, document: IndexDocument) -> None:
        fields: dict[str, object] = {
            "key": document.key,
            "ref": list(document.refs),
            "kind": document.kind,
            "view": document.view,
            "title": document.title,
            "keywords": document.keywords,
            "body": document.body,
            "valid_from": document.valid_from,
            "valid_to": document.valid_to,
        }
        if document.hidden_in:
            fields["hidden_in"] = list(document.hidden_in)
        if document.fact_keys:
            fields["fact_keys"] = list(document.fact_keys)
        if document.category:
            fields["category"] = document.category
        if document.valid_from or document.valid_to != date.max.toordinal():
            fields["dated"] = "yes"
        self.writer.add_document(tantivy.Document(**fields))
        if document.display is not None:
            self.displays[document.key] = document.display
        if document.fact_key is not None and document.fact_display is not None:
            self.fact_values.setdefault(document.view, {})[document.fact_key] = (
                document.fact_display
            )

    def commit(self) -> None:
        self.vocabulary.take(self.builder.analyzers.values())
        self.writer.commit()
        self.index.reload()
        self.searcher = self.index.searcher()

    # --- querying ------------------------------------------------------------------------

    def _term(self, field: str, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field, value, index_option="basic")

    def _in_view(
        self, municipality_code: str, day: int
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """The clauses that keep a municipality's articles in force on ``day``; they do not
        score."""
        shared_here = Query.boolean_query(
            [
                (Occur.Must, self._term("view", SHARED_VIEW)),
                (Occur.MustNot, self._term("hidden_in", municipality_code)),
            ]
        )
        view = Query.boolean_query(
            [(Occur.Should, shared_here), (Occur.Should, self._term("view", municipality_code))]
        )
        out_of_force = Query.boolean_query(
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
        return [
            (Occur.Must, Query.const_score_query(view, 0.0)),
            (Occur.MustNot, self._term("kind", "fact")),
            (Occur.MustNot, out_of_force),
        ]

    def _range(self, field: str, lower: int, upper: int) -> tantivy.Query:
        return tantivy.Query.range_query(
            self.schema, field, tantivy.FieldType.Integer, lower, upper
        )

    def text_query(
        self, stems_per_term: list[list[str]], fields: Iterable[tuple[str, float]]
    ) -> tantivy.Query | None:
        """Any term in any field; a term's stems (its synonyms, a prefix's completions) add up."""
        clauses = []
        for stems in stems_per_term:
            for field, weight in fields:
                for stem in stems:
                    query = Query.term_query(self.schema, field, stem, index_option="freq")
                    clauses.append((Occur.Should, Query.boost_query(query, weight)))
        return Query.boolean_query(clauses) if clauses else None

    def expand(self, alternatives: Iterable[tuple[str, bool]]) -> list[str]:
        """The indexed stems an alternative stands for: itself, or a prefix's completions."""
        stems: list[str] = []
        for stem, prefix in alternatives:
            if prefix:
                stems += self.vocabulary.completions(stem)
            else:  # also the joined digit runs of phone numbers, which are not words
                stems.append(stem)
        return sorted(set(stems))

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
        searcher = self.searcher
        text = self.text_query(stems_per_term, FIELD_WEIGHTS)
        if text is None:
            return Found([], 0, {})
        matching = [(Occur.Should, text)]
        # The municipality's fact values that match lead to the articles showing them.
        facts = self.text_query(stems_per_term, (("body", 1.0),))
        assert facts is not None
        fact_query = Query.boolean_query(
            [
                (Occur.Must, facts),
                (Occur.Must, Query.const_score_query(self._term("view", municipality_code), 0.0)),
                (Occur.Must, Query.const_score_query(self._term("kind", "fact"), 0.0)),
            ]
        )
        for score, address in searcher.search(fact_query, FACTS_CONSIDERED, count=False).hits:
            key = searcher.doc(address)["key"][0]
            fact_key = key.split(":", 2)[2]
            shows = self._term("fact_keys", fact_key)
            matching.append((Occur.Should, Query.const_score_query(shows, FACT_WEIGHT * score)))
        view = self._in_view(municipality_code, at.toordinal())
        query = Query.boolean_query([(Occur.Must, Query.boolean_query(matching)), *view])
        facets = {}
        if counted:
            aggregated = searcher.aggregate(
                query, {"categories": {"terms": {"field": "category", "size": 10_000}}}
            )
            buckets = aggregated["categories"]["buckets"]
            facets = {bucket["key"]: bucket["doc_count"] for bucket in buckets}
        if category is not None:
            query = Query.boolean_query(
                [
                    (Occur.Must, query),
                    (Occur.Must, Query.const_score_query(self._term("category", category), 0.0)),
                ]
            )
            total = facets.get(category, 0)
        else:
            total = sum(facets.values())
        hits = []
        for score, address in searcher.search(query, offset + limit, count=False).hits[offset:]:
            key = searcher.doc(address)["key"][0]
            hits.append(Hit(key, score, self.displays[key]))
        return Found(hits, total, facets)

    def knows(self, stem: str, prefix: bool) -> bool:
        if prefix:
            return bool(self.vocabulary.completions(stem))
        return stem in self.vocabulary.stems

    def words_of(self, stem: str) -> Iterable[str]:
        """The surface words indexed as ``stem``."""
        return self.vocabulary.words_by_stem.get(stem, ())

    def words_like(self, word: str) -> list[str]:
        """Indexed words with the same first letter and a similar length."""
        return [
            known
            for known in self.vocabulary.words_by_letter.get(word[0], ())
            if abs(len(known) - len(word)) <= 2
        ]
