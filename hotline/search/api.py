"""``GET /search`` for agents, ``GET /search/gaps`` for the people who write the knowledge."""

from fastapi import APIRouter, Request

from hotline.deps import CurrentUser, DbSession, QueryModel, SignedInApi
from hotline.kit.time import Instant
from hotline.municipalities.schemas import MunicipalityCode
from hotline.search import service
from hotline.search.schemas import GapRead, SearchQuery, SearchRead

router = APIRouter(tags=["search"])
_SEARCH_QUERY = QueryModel(SearchQuery)


@router.get("/search", response_model=SearchRead, openapi_extra=_SEARCH_QUERY.openapi)
async def search(api: SignedInApi, request: Request) -> SearchRead:
    """The knowledge as the citizen's municipality has it, member or not."""
    asked = _SEARCH_QUERY.read(request)
    return await api.run(
        lambda session, caller: service.search_for(
            session,
            caller,
            asked.q,
            asked.municipality,
            category=asked.category,
            limit=asked.limit,
            offset=asked.offset,
        )
    )


@router.get("/search/gaps", response_model=list[GapRead])
def knowledge_gaps(
    session: DbSession,
    user: CurrentUser,
    since: Instant | None = None,
    municipality: MunicipalityCode | None = None,
) -> object:
    """Queries that found nothing: what the knowledge base lacks."""
    return service.gaps_for(session, user, since=since, municipality_code=municipality)
