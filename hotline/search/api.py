"""``GET /search`` for agents, ``GET /search/gaps`` for the people who write the knowledge."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from hotline.deps import CurrentUser, DbSession, SignedInApi
from hotline.municipalities.schemas import MunicipalityCode
from hotline.search import service
from hotline.search.schemas import GapRead, SearchRead

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchRead)
async def search(
    api: SignedInApi,
    q: Annotated[str, Query(min_length=1, max_length=service.MAX_QUERY)],
    municipality: Annotated[MunicipalityCode, Query(description="Kommunekode of the citizen")],
    category: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> SearchRead:
    """The knowledge as the citizen's municipality has it, member or not."""
    return await api.run(
        lambda session, caller: service.search_for(
            session, caller, q, municipality, category=category, limit=limit, offset=offset
        )
    )


@router.get("/search/gaps", response_model=list[GapRead])
def knowledge_gaps(
    session: DbSession,
    user: CurrentUser,
    since: datetime | None = None,
    municipality: MunicipalityCode | None = None,
) -> object:
    """Queries that found nothing: what the knowledge base lacks."""
    return service.gaps_for(session, user, since=since, municipality_code=municipality)
