from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hotline.composer import service
from hotline.composer.schemas import (
    ReplyPreview,
    ReplyRequest,
    ReplyTemplateCreate,
    ReplyTemplateRead,
    ReplyTemplateUpdate,
)
from hotline.deps import AppSettings, CurrentUser, DbSession, RowId, SignedInApi
from hotline.etags import IfMatch
from hotline.municipalities.schemas import MunicipalityCode
from hotline.satisfaction import service as satisfaction_service

router = APIRouter(tags=["composer"])


@router.post("/replies/preview", response_model=ReplyPreview, response_model_by_alias=True)
async def preview_reply(
    request: ReplyRequest, settings: AppSettings, api: SignedInApi
) -> ReplyPreview:
    """Exactly what POST /replies would send, without storing or sending anything: with the
    survey paragraph when the reply will carry one (its link in the preview opens nothing)."""
    return await api.act(
        lambda session, user: service.preview_of(
            satisfaction_service.compose_preview(session, settings, request, user)
        )
    )


@router.get("/reply-templates", response_model=list[ReplyTemplateRead])
def list_templates(
    session: DbSession,
    _user: CurrentUser,
    municipality: Annotated[
        MunicipalityCode | None, Query(description="Add this municipality's own templates.")
    ] = None,
) -> object:
    return service.list_templates(session, municipality)


@router.get("/reply-templates/{template_id}", response_model=ReplyTemplateRead)
def get_template(
    template_id: RowId, session: DbSession, _user: CurrentUser, response: Response
) -> object:
    template = service.get_template(session, template_id)
    response.headers["ETag"] = service.template_etag(template)
    return template


@router.post(
    "/reply-templates", response_model=ReplyTemplateRead, status_code=status.HTTP_201_CREATED
)
def create_template(
    data: ReplyTemplateCreate, session: DbSession, user: CurrentUser, response: Response
) -> object:
    template = service.create_template(session, data, user)
    response.headers["ETag"] = service.template_etag(template)
    return template


@router.patch("/reply-templates/{template_id}", response_model=ReplyTemplateRead)
def update_template(
    template_id: RowId,
    changes: ReplyTemplateUpdate,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    template = service.get_template(session, template_id)
    template = service.update_template(session, template, changes, user, if_match=if_match)
    response.headers["ETag"] = service.template_etag(template)
    return template


@router.delete("/reply-templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_template(
    template_id: RowId, session: DbSession, user: CurrentUser, if_match: IfMatch = None
) -> None:
    template = service.get_template(session, template_id)
    service.delete_template(session, template, user, if_match=if_match)
