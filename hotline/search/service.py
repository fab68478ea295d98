"""Searching the knowledge base as one municipality reads it; the knowledge-gaps report."""

from collections.abc import Sequence
from datetime import date, datetime

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.permissions import Action, Principal, require
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.knowledge.resolve import MunicipalityFacts, today
from hotline.observability.metrics import SEARCH_SECONDS, time_completed
from hotline.search.analyzer import WORD, QueryTerm, analyzer_for, normalise
from hotline.search.index import Found, SearchIndex
from hotline.search.indexing import index_of
from hotline.search.models import SearchGap
from hotline.search.readers import reader_of
from hotline.search.schemas import MAX_QUERY, GapRead, SearchRead, SearchResult
from hotline.search.snippets import Snippets, plain_text


class CprNumberInSearch(CprNumberInText):
    slug, title = "cpr-number-in-search", "CPR number in search"
    danish = (
        "Søgningen indeholder et CPR-nummer. Søg aldrig på CPR-numre: vidensbasen kender ingen "
        "borgere, og nummeret må ikke gemmes."
    )
    english = (
        "The search contains a Danish personal identification number (CPR); search for the "
        "topic instead."
    )


# How alike (rapidfuzz ratio, 0-100) a known word must be to be offered as the correction.
SUGGESTION_CUTOFF = 75
# ``total`` and ``facets`` are exact up to this many matches; above, ``total_relation`` is
# "gte" (as Elasticsearch's track_total_hits).
TOTAL_CAP = 1_000


def _is_known(index: SearchIndex, term: QueryTerm) -> bool:
    """Whether any alternative of the term matches an indexed stem."""
    return any(index.knows(a.stem, a.prefix) for a in term.alternatives)


def _correction(index: SearchIndex, word: str) -> str | None:
    """The indexed word most like ``word``; typos rarely hit the first letter, so only words
    with the same first letter and a similar length are compared."""
    candidates = sorted(index.words_like(word))
    best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF)
    return best[0] if best else None


def suggest(index: SearchIndex, query: str, terms: list[QueryTerm]) -> str | None:
    """The query with each word the index does not know replaced by the closest known word."""
    corrections = {}
    for term in terms:
        if term.joined or term.word.isdigit() or _is_known(index, term):
            continue
        if (correction := _correction(index, term.word)) is not None:
            corrections[term.word] = correction
    if not corrections:
        return None
    return WORD.sub(lambda m: corrections.get(normalise(m.group()), m.group()), query)


def _stems(index: SearchIndex, terms: list[QueryTerm]) -> list[list[str]]:
    """Each term's indexed stems: its synonyms, a prefix's completions."""
    return [index.expand((a.stem, a.prefix) for a in term.alternatives) for term in terms]


def _snippet_text(parts: tuple[str, ...], facts: MunicipalityFacts) -> str:
    """The words of the article as the municipality reads it (a missing value in the words of
    ``hotline.knowledge.gaps``, never its key): each part made plain once for every
    municipality (``plain_text``), filled with this one's values."""
    return "\n\n".join(plain_text(part).filled(facts.values, facts.gaps) for part in parts)


@time_completed(SEARCH_SECONDS)
def search(
    session: Session,
    query: str,
    municipality_code: str,
    *,
    category: str | None = None,
    limit: int = 10,
    offset: int = 0,
    at: date | None = None,
    log_gap: bool = True,
) -> SearchRead:
    """Articles of the municipality's resolved knowledge matching the query, best first.

    A deliberate search (``log_gap``) that finds nothing, even after correcting typos, is
    logged as a knowledge gap; search-as-you-type passes False, its partial words are no gaps.
    """
    # A CPR number is refused before anything is looked up or kept (never a knowledge gap).
    refuse_cpr_numbers(query, problem=CprNumberInSearch)
    index = index_of(session)
    municipality = reader_of(session, index, municipality_code)
    at = at or today()
    query = query.strip()[:MAX_QUERY]
    an = analyzer_for(municipality.locale, index.builder.synonyms_path)
    terms = an.query_terms(query)

    def find(terms: list[QueryTerm]) -> Found:
        return index.search(
            _stems(index, terms),
            municipality.code,
            at,
            category=category,
            offset=offset,
            limit=limit,
            cap=TOTAL_CAP,
        )

    suggestion = suggest(index, query, terms)
    found = find(terms)
    corrected = False
    if not found.facets and suggestion:
        terms = an.query_terms(suggestion)
        found = find(terms)
        corrected = bool(found.facets)
    if log_gap and not found.facets and terms:
        session.add(SearchGap(query=query, municipality_code=municipality.code))
        session.flush()
    snippets = Snippets.for_query(terms, index.words_of)
    results = [
        SearchResult(
            slug=hit.display.slug,
            title=hit.display.title,
            category=hit.display.category,
            source=hit.display.source,
            stale=hit.display.stale,
            snippet=snippets.of(_snippet_text(hit.display.parts, municipality.facts)),
            score=round(hit.score, 4),
        )
        for hit in found.hits
    ]
    return SearchRead(
        query=query,
        municipality=municipality.code,
        member=municipality.member,
        total=found.total,
        total_relation=found.relation,
        results=results,
        facets=dict(sorted(found.facets.items())),
        suggestion=suggestion,
        corrected=corrected,
    )


def knowledge_gaps(
    session: Session, *, since: datetime | None = None, municipality_code: str | None = None
) -> Sequence[GapRead]:
    """Queries that found nothing, most frequent first, with when they were last asked."""
    normalise_gap = func.lower(SearchGap.query)
    stmt = (
        select(
            normalise_gap,
            SearchGap.municipality_code,
            func.count(),
            func.max(SearchGap.created_at),
        )
        .group_by(normalise_gap, SearchGap.municipality_code)
        .order_by(func.count().desc(), func.max(SearchGap.created_at).desc())
        .limit(500)
    )
    if since is not None:
        stmt = stmt.where(SearchGap.created_at >= since)
    if municipality_code is not None:
        stmt = stmt.where(SearchGap.municipality_code == municipality_code)
    return [
        GapRead(query=text, municipality_code=code, count=count, last_seen=last_seen)
        for text, code, count, last_seen in session.execute(stmt)
    ]


def search_for(
    session: Session,
    actor: Principal,
    query: str,
    municipality_code: str,
    *,
    category: str | None = None,
    limit: int = 10,
    offset: int = 0,
    log_gap: bool = True,
) -> SearchRead:
    """``search`` for a signed-in subject: every role that reads the knowledge may search it,
    for any municipality (agents answer citizens of all of them)."""
    require(actor, Action.READ_KNOWLEDGE, municipality_code)
    return search(
        session,
        query,
        municipality_code,
        category=category,
        limit=limit,
        offset=offset,
        log_gap=log_gap,
    )


def gaps_for(
    session: Session,
    actor: Principal,
    *,
    since: datetime | None = None,
    municipality_code: str | None = None,
) -> Sequence[GapRead]:
    """``knowledge_gaps`` for those who write the knowledge (editors, operators)."""
    require(actor, Action.READ_SEARCH_GAPS)
    return knowledge_gaps(session, since=since, municipality_code=municipality_code)
