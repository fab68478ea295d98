from typing import Annotated

from fastapi import APIRouter, Path, Query

from hotline.auth.service import edit_municipality
from hotline.deps import CurrentUser, DbSession, SignedInApi
from hotline.municipalities import service
from hotline.municipalities.schemas import (
    MunicipalityRead,
    MunicipalityUpdate,
    PostcodeRead,
)

router = APIRouter(tags=["municipalities"])


@router.get("/municipalities", response_model=list[MunicipalityRead])
def list_municipalities(
    session: DbSession,
    _user: CurrentUser,
    member: bool | None = None,
    q: Annotated[str | None, Query(max_length=80, description="name, short name or code")] = None,
) -> object:
    return service.list_municipalities(session, member=member, query=q)


@router.get("/municipalities/{code}", response_model=MunicipalityRead)
async def get_municipality(code: str, api: SignedInApi) -> MunicipalityRead:
    return await api.run(lambda session, _caller: service.municipality_read(session, code))


@router.patch("/municipalities/{code}", response_model=MunicipalityRead)
def update_municipality(
    code: str, data: MunicipalityUpdate, session: DbSession, user: CurrentUser
) -> object:
    """Operators change every column; a municipality admin only their own contact columns."""
    return edit_municipality(session, user, code, data)


@router.get("/postcodes/{postcode}", response_model=PostcodeRead)
def lookup_postcode(
    postcode: Annotated[str, Path(pattern=r"^\d{4}$")], session: DbSession, _user: CurrentUser
) -> PostcodeRead:
    """All municipalities a postcode belongs to (2000 is both Frederiksberg and København)."""
    return service.lookup_postcode(session, postcode)
