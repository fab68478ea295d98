from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer.schemas import ReplyRequest
from hotline.deps import AppSettings, CurrentUser, DbSession, RowId, SignedInApi
from hotline.replies import service
from hotline.replies.schemas import ReplyRead
from hotline.satisfaction import service as satisfaction_service

router = APIRouter(tags=["replies"])


@router.post("/replies", response_model=ReplyRead, status_code=202)
async def send_reply(
    data: ReplyRequest,
    settings: AppSettings,
    api: SignedInApi,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            description="Retrying with the same key returns the first result, never a 2nd email.",
        ),
    ] = None,
) -> object:
    """Queue a reply on the citizen's municipality's letterhead; the worker sends it."""

    def send(session: Session, user: User) -> tuple[ReplyRead, bool]:
        reply, replayed = satisfaction_service.send_reply(
            session, settings, data, user, idempotency_key
        )
        return ReplyRead.model_validate(reply), replayed

    reply, replayed = await api.act(send)
    response.headers["Location"] = f"/api/v1/replies/{reply.id}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return reply


@router.get("/replies", response_model=list[ReplyRead])
def list_replies(
    session: DbSession,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> object:
    """Your newest replies with their delivery state (an operator sees everyone's)."""
    return service.list_replies(session, user, limit=limit)


@router.get("/replies/{reply_id}", response_model=ReplyRead)
def get_reply(reply_id: RowId, session: DbSession, user: CurrentUser) -> object:
    return service.get_reply(session, user, reply_id)
