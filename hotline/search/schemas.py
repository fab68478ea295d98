"""What the search endpoints answer."""

from datetime import datetime

from pydantic import BaseModel

from hotline.knowledge.models import Source


class SearchResult(BaseModel):
    slug: str
    title: str
    category: str
    source: Source
    stale: bool
    snippet: str  # HTML-escaped text; only the <mark> tags are markup
    score: float  # hotline.search.scoring's BM25F: the same on SQLite and PostgreSQL


class SearchRead(BaseModel):
    query: str
    municipality: str
    member: bool
    total: int
    results: list[SearchResult]
    facets: dict[str, int]  # matching articles per category (before the category filter)
    suggestion: str | None  # the query with misspelt words corrected, else null
    corrected: bool  # nothing matched the query, so these results are for the suggestion


class GapRead(BaseModel):
    query: str
    municipality_code: str
    count: int
    last_seen: datetime
