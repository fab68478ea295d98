"""The two full-text engines behind one call: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Both find the matching documents and pre-rank them with their own function (FTS5's bm25,
ts_rank weighed by the IDF the final ranking uses); the SQL they share then keeps what the
municipality sees (shared documents it does not replace or hide, its own overrides, local
articles and facts) and adds the scores of an article's documents together. Title weighs 10,
tags 4, body 1. The final order of the best of them is decided by ``hotline.search.scoring``,
the same on both engines, from the texts that ``texts_of`` reads.
"""

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Date, String, TextClause, bindparam, select, text
from sqlalchemy.orm import Session

from hotline.search.analyzer import Alternative, QueryTerm
from hotline.search.models import SHARED_SCOPE, DocKind, SearchDoc, municipality_scope

# An article showing a matching fact value gets a quarter of the best such value's score: fact
# documents are a few words long, so their raw scores would drown the articles' own words.
FACT_WEIGHT = 0.25


class Hit(NamedTuple):
    """A tuple: common words match thousands of articles, each one becomes a Hit."""

    slug: str
    category: str
    score: float


def _visible(alias: str) -> str:
    """SQL: document ``alias`` belongs to the municipality's view of the knowledge on :today."""
    # Built from constants only; every value is a bound parameter.
    return f"""(
        {alias}.published
        AND ({alias}.valid_from IS NULL OR {alias}.valid_from <= :today)
        AND ({alias}.valid_to IS NULL OR :today <= {alias}.valid_to)
        AND (
            ({alias}.kind = 'shared' AND NOT EXISTS (
                SELECT 1 FROM search_docs o
                WHERE o.municipality_code = :municipality AND o.slug = {alias}.slug
                  AND o.kind = 'override' AND o.mode IN ('replace', 'hide')))
            OR ({alias}.kind IN ('override', 'local') AND {alias}.municipality_code = :municipality
                AND ({alias}.mode IS NULL OR {alias}.mode <> 'hide'))
        ))"""  # noqa: S608


# What the ranking needs of a matching document, besides its score.
_DOCUMENT = """d.id, d.kind, d.slug, d.category, d.published, d.valid_from, d.valid_to,
    d.municipality_code, d.mode, d.fact_key, d.scope"""


def _ranked(found: str) -> str:
    """``found``: the matching documents (``_DOCUMENT`` and ``score``), shared or the
    municipality's, whatever their visibility."""
    return f"""
    WITH found AS MATERIALIZED ({found}),
    matched AS (
        SELECT d.slug AS slug, d.category AS category, d.score AS score
        FROM found d
        WHERE d.kind <> 'fact' AND {_visible("d")}
        UNION ALL
        SELECT u.slug, u.category, MAX(f.score) * {FACT_WEIGHT}
        FROM found f CROSS JOIN search_doc_facts u
        WHERE f.kind = 'fact' AND u.fact_key = f.fact_key AND u.scope IN (:shared, f.scope)
            AND {_visible("u")}
        GROUP BY u.slug, u.category
    )
    SELECT slug, category, SUM(score) AS score FROM matched
    GROUP BY slug, category
    ORDER BY score DESC, slug"""  # noqa: S608


def _fts5_alternative(alternative: Alternative) -> str:
    return f'"{alternative.stem}"' + ("*" if alternative.prefix else "")


def fts5_terms(terms: list[QueryTerm]) -> str:
    """``"stem"* OR "stem" OR ...``: any alternative of any term, anywhere."""
    return " OR ".join(sorted({_fts5_alternative(a) for term in terms for a in term.alternatives}))


def fts5_match(terms: list[QueryTerm], municipality_code: str) -> str:
    """``scope : ("shared" OR "m0751") AND {title keywords body} : (term OR term ...)``."""
    scopes = f'"{SHARED_SCOPE}" OR "{municipality_scope(municipality_code)}"'
    return f"scope : ({scopes}) AND {{title keywords body}} : ({fts5_terms(terms)})"


def _tsquery_alternative(alternative: Alternative) -> str:
    # Stems are letters and digits only, so quoting them is safe. Weight C is the scope token.
    return f"'{alternative.stem}':" + ("*" if alternative.prefix else "") + "ABD"


def tsquery(terms: list[QueryTerm]) -> str:
    """``'stem':*ABD | 'stem':ABD | ...``: any alternative of any term, in the text."""
    return " | ".join(
        sorted({_tsquery_alternative(a) for term in terms for a in term.alternatives})
    )


def scoped_tsquery(terms: list[QueryTerm], municipality_code: str) -> str:
    """Only the shared and the municipality's documents: the GIN index intersects both."""
    scopes = f"'{SHARED_SCOPE}':C | '{municipality_scope(municipality_code)}':C"
    return f"({scopes}) & ({tsquery(terms)})"


_SQLITE = text(
    _ranked(
        # CROSS JOIN: SQLite keeps this order, from the matches to their documents.
        f"""SELECT {_DOCUMENT}, h.score
        FROM (SELECT rowid AS id, -bm25(search_fts, 0.0, 10.0, 4.0, 1.0) AS score
              FROM search_fts WHERE search_fts MATCH :match) h
        CROSS JOIN search_docs d WHERE d.id = h.id"""  # noqa: S608
    )
).bindparams(bindparam("today", type_=Date), bindparam("match", type_=String))


@lru_cache(maxsize=64)
def _postgresql(term_count: int) -> TextClause:
    """BM25-like on PostgreSQL: ts_rank (term frequency, damped by document length) knows no
    document frequency, so each term's rank is weighed by its rarity (the IDF the final ranking
    uses): "app" counts less than "storskrald". Weights D, C, B, A: body, scope token (never in
    a ranked query), tags, title. The matching rows carry what the ranking needs: no second
    read of the documents."""
    weights = "'{0.1, 0.2, 0.4, 1.0}'"
    score = " + ".join(
        f"CAST(:w{i} AS float8) * ts_rank({weights}, d.tsv, CAST(:q{i} AS tsquery), 1)"
        for i in range(term_count)
    )
    found = f"""SELECT {_DOCUMENT}, {score} AS score
        FROM search_docs d WHERE d.tsv @@ CAST(:tsquery AS tsquery)"""  # noqa: S608
    return text(_ranked(found)).bindparams(bindparam("today", type_=Date))


def match(
    session: Session,
    terms: list[QueryTerm],
    rarity: Sequence[float],
    municipality_code: str,
    at: date,
) -> list[Hit]:
    """Every article matching any term in the municipality's view, best first. ``rarity``:
    each term's IDF, for PostgreSQL (FTS5's bm25 keeps its own)."""
    if not terms:
        return []
    params: dict[str, object] = {
        "today": at,
        "municipality": municipality_code,
        "shared": SHARED_SCOPE,
    }
    if session.get_bind().dialect.name == "postgresql":
        statement = _postgresql(len(terms))
        params["tsquery"] = scoped_tsquery(terms, municipality_code)
        params |= {f"q{i}": tsquery([term]) for i, term in enumerate(terms)}
        params |= {f"w{i}": weight for i, weight in enumerate(rarity)}
    else:
        statement = _SQLITE
        params["match"] = fts5_match(terms, municipality_code)
    # Fetched at once: a common word matches thousands of articles, row-by-row costs ms.
    rows = session.execute(statement, params).tuples().all()
    return [Hit(slug, category, float(score)) for slug, category, score in rows]


class ArticleText(NamedTuple):
    """Analysed text of one document an article shows in a municipality."""

    slug: str
    title: str
    keywords: str
    body: str


_TEXTS = text(
    f"""
    SELECT d.slug, d.title, d.keywords, d.body FROM search_docs d
    WHERE d.slug IN :slugs AND d.scope IN (:shared, :scope) AND d.kind <> 'fact'
        AND {_visible("d")}"""  # noqa: S608
).bindparams(bindparam("today", type_=Date), bindparam("slugs", expanding=True, type_=String))

_FACTS_SHOWN = text(
    f"""
    SELECT DISTINCT u.slug, u.fact_key FROM search_doc_facts u
    WHERE u.slug IN :slugs AND u.fact_key IN :facts AND u.scope IN (:shared, :scope)
        AND {_visible("u")}"""  # noqa: S608
).bindparams(
    bindparam("today", type_=Date),
    bindparam("slugs", expanding=True, type_=String),
    bindparam("facts", expanding=True, type_=String),
)


def _params(slugs: list[str], municipality_code: str, at: date) -> dict[str, object]:
    return {
        "slugs": slugs,
        "municipality": municipality_code,
        "shared": SHARED_SCOPE,
        "scope": municipality_scope(municipality_code),
        "today": at,
    }


def texts_of(
    session: Session, slugs: list[str], municipality_code: str, at: date
) -> list[ArticleText]:
    """The texts the articles show in the municipality's view on ``at``: shared, override,
    local."""
    if not slugs:
        return []
    rows = session.execute(_TEXTS, _params(slugs, municipality_code, at))
    return [ArticleText(*row) for row in rows]


def analysed_fact_values(session: Session, municipality_code: str) -> dict[str, str]:
    """The municipality's fact values as indexed (analysed), by fact key."""
    rows = session.execute(
        select(SearchDoc.fact_key, SearchDoc.body).where(
            SearchDoc.municipality_code == municipality_code,
            SearchDoc.slug.is_(None),  # with the above, (municipality_code, slug)'s index
            SearchDoc.kind == DocKind.FACT,
        )
    )
    return {key: body for key, body in rows.tuples() if key is not None}


def facts_shown(
    session: Session, slugs: list[str], facts: list[str], municipality_code: str, at: date
) -> list[tuple[str, str]]:
    """(slug, fact key) for each of the facts that the articles show in the municipality."""
    if not slugs or not facts:
        return []
    params = _params(slugs, municipality_code, at) | {"facts": facts}
    return [(slug, key) for slug, key in session.execute(_FACTS_SHOWN, params)]
