"""What the search endpoints answer."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from hotline.knowledge.models import Source


class SearchResult(BaseModel):
    slug: str
    title: str
    category: str
    source: Source
    stale: bool
    snippet: str  # HTML-escaped text; only the <mark> tags are markup
    score: float  # BM25 (title x10, tags x4, body x1) of the index: one engine on both databases


class SearchRead(BaseModel):
    query: str
    municipality: str
    member: bool
    total: int  # matching articles; exact up to 1,000 (see total_relation)
    total_relation: Literal["eq", "gte"]  # "gte": at least ``total`` (as Elasticsearch's)
    results: list[SearchResult]
    # Matching articles per category (before the category filter); counted as ``total`` is.
    facets: dict[str, int]
    suggestion: str | None  # the query with misspelt words corrected, else null
    corrected: bool  # nothing matched the query, so these results are for the suggestion


class GapRead(BaseModel):
    query: str
    municipality_code: str
    count: int
    last_seen: datetime
