"""What the search endpoints answer."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hotline.kit.text import InputModel
from hotline.knowledge.models import Source
from hotline.municipalities.schemas import MunicipalityCode

MAX_QUERY = 200  # characters of a search


class SearchQuery(InputModel):
    """What ``GET /search`` is asked: its query string."""

    q: str = Field(min_length=1, max_length=MAX_QUERY)
    municipality: MunicipalityCode = Field(description="Kommunekode of the citizen")
    category: str | None = Field(None, max_length=80)
    limit: int = Field(10, ge=1, le=50)
    offset: int = Field(0, ge=0, le=1000)


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
