"""Searching the knowledge base as one municipality reads it; the knowledge-gaps report."""

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.composer.cpr import contains_cpr_number
from hotline.knowledge.resolve import resolve_many, today
from hotline.municipalities.service import get_municipality
from hotline.observability.metrics import SEARCH_SECONDS
from hotline.search import engines, scoring
from hotline.search.analyzer import WORD, Analyzer, QueryTerm, normalise
from hotline.search.indexing import analyzer
from hotline.search.models import SearchGap, SearchWord
from hotline.search.schemas import GapRead, SearchRead, SearchResult
from hotline.search.snippets import Snippets, text_of

MAX_QUERY = 200
# How alike (rapidfuzz ratio, 0-100) a known word must be to be offered as the correction.
SUGGESTION_CUTOFF = 75


def _is_known(session: Session, term: QueryTerm) -> bool:
    """Whether any alternative of the term matches an indexed stem."""
    for alternative in term.alternatives:
        condition = (
            SearchWord.stem.between(alternative.stem, alternative.stem + "\U0010ffff")
            if alternative.prefix
            else SearchWord.stem == alternative.stem
        )
        if session.scalar(select(SearchWord.stem).where(condition).limit(1)) is not None:
            return True
    return False


def _correction(session: Session, word: str) -> str | None:
    """The indexed word most like ``word``; typos rarely hit the first letter, so only words
    with the same first letter and a similar length are compared."""
    candidates = session.scalars(
        select(SearchWord.word).where(
            SearchWord.word.between(word[0], word[0] + "\U0010ffff"),
            func.length(SearchWord.word).between(len(word) - 2, len(word) + 2),
        )
    ).all()
    best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF)
    return best[0] if best else None


def suggest(session: Session, an: Analyzer, query: str, terms: list[QueryTerm]) -> str | None:
    """The query with each word the index does not know replaced by the closest known word."""
    corrections = {}
    for term in terms:
        if term.joined or term.word.isdigit() or _is_known(session, term):
            continue
        if (correction := _correction(session, term.word)) is not None:
            corrections[term.word] = correction
    if not corrections:
        return None
    return WORD.sub(lambda m: corrections.get(normalise(m.group()), m.group()), query)


@SEARCH_SECONDS.time()
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
    municipality = get_municipality(session, municipality_code)
    at = at or today()
    query = query.strip()[:MAX_QUERY]
    an = analyzer(municipality.locale)
    terms = an.query_terms(query)
    suggestion = suggest(session, an, query, terms)
    rarity = scoring.rarities(session, terms)
    hits = engines.match(session, terms, rarity, municipality.code, at)
    corrected = False
    if not hits and suggestion:
        terms = an.query_terms(suggestion)
        rarity = scoring.rarities(session, terms)
        hits = engines.match(session, terms, rarity, municipality.code, at)
        corrected = bool(hits)
    # A CPR number typed into the search box is personal data, never a knowledge gap.
    if log_gap and not hits and terms and not contains_cpr_number(query):
        session.add(SearchGap(query=query, municipality_code=municipality.code))
        session.flush()
    facets = Counter(hit.category for hit in hits)
    if category is not None:
        hits = [hit for hit in hits if hit.category == category]
    # The page is always inside the part ordered by the score both engines share.
    ordered = max(scoring.RERANKED, offset + limit)
    reranked = scoring.rerank(session, hits[:ordered], terms, rarity, municipality.code, at)
    hits = reranked + hits[ordered:]
    page = hits[offset : offset + limit]
    articles = resolve_many(session, [hit.slug for hit in page], municipality.code, at=at)
    snippets = Snippets(an, terms)
    results = [
        SearchResult(
            slug=article.slug,
            title=article.title,
            category=article.category,
            source=article.source,
            stale=article.stale,
            snippet=snippets.of(text_of(article.body_markdown)),
            score=round(hit.score, 4),
        )
        for hit in page
        # Missing when edited in this transaction and not yet indexed.
        if (article := articles.get(hit.slug)) is not None
    ]
    return SearchRead(
        query=query,
        municipality=municipality.code,
        member=municipality.member,
        total=len(hits),
        results=results,
        facets=dict(sorted(facets.items())),
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
