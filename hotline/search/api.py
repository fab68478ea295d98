"""``GET /search`` for agents, ``GET /search/gaps`` for the people who write the knowledge."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from hotline.auth.permissions import Action, require
from hotline.deps import CurrentUser, DbSession
from hotline.municipalities.schemas import MunicipalityCode
from hotline.search import service
from hotline.search.schemas import GapRead, SearchRead

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchRead)
def search(
    session: DbSession,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=service.MAX_QUERY)],
    municipality: Annotated[MunicipalityCode, Query(description="Kommunekode of the citizen")],
    category: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> SearchRead:
    """The knowledge as the citizen's municipality has it, member or not."""
    require(user, Action.READ_KNOWLEDGE, municipality)
    return service.search(session, q, municipality, category=category, limit=limit, offset=offset)


@router.get("/search/gaps", response_model=list[GapRead])
def knowledge_gaps(
    session: DbSession,
    user: CurrentUser,
    since: datetime | None = None,
    municipality: MunicipalityCode | None = None,
) -> object:
    """Queries that found nothing: what the knowledge base lacks."""
    require(user, Action.READ_SEARCH_GAPS)
    return service.knowledge_gaps(session, since=since, municipality_code=municipality)
