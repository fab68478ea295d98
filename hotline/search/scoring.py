"""The final order of the best matches: one BM25F score, computed here in Python from the
analysed text the index stores and the documents per stem, so SQLite and PostgreSQL rank the
same articles the same way.

The engines' own functions (FTS5's bm25, ts_rank) differ in formula and statistics; they only
pre-rank, choosing which ``RERANKED`` articles this module orders. Everything that decides a
score here (term frequencies, field lengths, document counts) is the same data on both.
"""

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from hotline.search import engines
from hotline.search.analyzer import Alternative, QueryTerm, TermMatcher
from hotline.search.engines import FACT_WEIGHT, Hit
from hotline.search.models import ALL_DOCUMENTS, SearchStem

# Articles ordered by this score; beyond them the engine's order stands. More than the shipped
# knowledge base's articles, so there every match is ordered here.
RERANKED = 60
K1 = 1.2  # how fast repeated words stop adding to the score
B = 0.75  # how much a field longer than usual weakens each of its words
# Title, keywords, body: (weight, usual length in stems). A title word weighs ten body words.
FIELDS = ((10.0, 5.0), (4.0, 5.0), (1.0, 120.0))
DIGITS = 6  # scores are compared rounded: the engines return texts in different orders


def _document_counts(
    session: Session, terms: Sequence[QueryTerm]
) -> tuple[int, dict[Alternative, int]]:
    """All documents, and those holding each alternative (a prefix: its most common
    completion); one statement."""
    alternatives = sorted({a for term in terms for a in term.alternatives}, key=repr)
    counts = [
        select(literal(i), func.max(SearchStem.documents)).where(
            SearchStem.stem.between(a.stem, a.stem + "\U0010ffff")
            if a.prefix
            else SearchStem.stem == a.stem
        )
        for i, a in enumerate(alternatives)
    ]
    everything = select(literal(-1), SearchStem.documents)
    counts.append(everything.where(SearchStem.stem == ALL_DOCUMENTS))
    found = dict(session.execute(union_all(*counts)).tuples().all())
    return found.get(-1) or 0, {a: found.get(i) or 0 for i, a in enumerate(alternatives)}


def rarities(session: Session, terms: Sequence[QueryTerm]) -> list[float]:
    """IDF of each term, from its most common alternative: a synonym as common as "kort"
    makes the term count as little as "kort"."""
    if not terms:
        return []  # a query of stop words only: nothing to read
    total, counts = _document_counts(session, terms)
    rarity = []
    for term in terms:
        documents = max(counts[alternative] for alternative in term.alternatives)
        total = max(total, documents)
        rarity.append(math.log(1 + (total - documents + 0.5) / (documents + 0.5)))
    return rarity


class Scorer:
    """Scores texts for one query."""

    def __init__(self, terms: Sequence[QueryTerm], rarity: Sequence[float]) -> None:
        self.rarity = rarity
        self._matcher = TermMatcher(terms)

    def _frequencies(self, field: str) -> Counter[int]:
        """How often each term occurs in the analysed field."""
        frequencies: Counter[int] = Counter()
        for stem, count in Counter(self._matcher.found_in(field)).items():
            for i in self._matcher.terms_of(stem):
                frequencies[i] += count
        return frequencies

    def score(self, title: str, keywords: str, body: str) -> float:
        """BM25F: each field's term frequency weighed and length-normalised, then summed and
        saturated per term, times the term's rarity."""
        weighted = [0.0] * len(self.rarity)
        for field, (weight, usual_length) in zip((title, keywords, body), FIELDS, strict=True):
            frequencies = self._frequencies(field)
            if not frequencies:
                continue
            length = field.count(" ") + 1  # stems, single spaced (the analyzer's index_text)
            factor = weight / (1 - B + B * length / usual_length)
            for i, count in frequencies.items():
                weighted[i] += count * factor
        return sum(
            rarity * tf * (K1 + 1) / (tf + K1)
            for rarity, tf in zip(self.rarity, weighted, strict=True)
            if tf
        )


def rerank(
    session: Session,
    hits: Sequence[Hit],
    terms: Sequence[QueryTerm],
    rarity: Sequence[float],
    municipality_code: str,
    at: date,
) -> list[Hit]:
    """The hits ordered by the shared score: an article's own texts add up, the best of the
    fact values it shows adds a quarter (as in the engines). Ties go by slug. ``rarity``: the
    terms' ``rarities``."""
    if not hits:
        return []
    scorer = Scorer(terms, rarity)
    slugs = [hit.slug for hit in hits]
    scores: Counter[str] = Counter()
    for text in engines.texts_of(session, slugs, municipality_code, at):
        scores[text.slug] += scorer.score(text.title, text.keywords, text.body)
    values = engines.analysed_fact_values(session, municipality_code)
    matching = {key: score for key, body in values.items() if (score := scorer.score("", "", body))}
    best_fact: dict[str, float] = {}
    for slug, key in engines.facts_shown(session, slugs, sorted(matching), municipality_code, at):
        best_fact[slug] = max(best_fact.get(slug, 0.0), matching[key])
    scored = [
        Hit(
            hit.slug,
            hit.category,
            round(scores[hit.slug] + FACT_WEIGHT * best_fact.get(hit.slug, 0.0), DIGITS),
        )
        for hit in hits
    ]
    return sorted(scored, key=lambda hit: (-hit.score, hit.slug))
