""" "Dagens møder": the day's booked meetings for agents (their own and the team's), each with
the answers, the linked articles as they read in the citizen's municipality, the local
instructions and the contact details; "Start mødet" opens the filled-in meeting contact,
"Udeblevet" records a no-show. Only translation here: the rules are in hotline/meetings."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.console.errors import danish_message
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.deps import DbSession, RowId
from hotline.errors import Problem
from hotline.meetings import agenda
from hotline.meetings.models import BookingState

router = APIRouter()
STATE_NAMES = {
    BookingState.BOOKED.value: "booket",
    BookingState.HELD.value: "holdt",
    BookingState.NO_SHOW.value: "udeblevet",
}


def _page(
    request: Request, session: Session, user: User, *, day: date | None = None,
    error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    mine_only = request.query_params.get("mine") == "1"
    context: dict[str, Any] = {
        "nav": "meetings",
        "items": agenda.todays_meetings(session, user, day=day, mine_only=mine_only),
        "mine_only": mine_only,
        "state_names": STATE_NAMES,
        "error": error,
    }
    return render(request, "meetings_today.html", context, status_code=status_code)


@router.get("/moeder", name="meetings_today")
def today(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    return _page(request, session, user)


@router.post("/moeder/{booking_id}/start", name="meeting_start")
def start(request: Request, user: ConsoleUser, session: DbSession, booking_id: RowId) -> Response:
    try:
        agenda.start_meeting(session, user, booking_id)
    except Problem as exc:
        session.rollback()
        return _page(request, session, user, error=danish_message(exc.status, exc.slug),
                     status_code=exc.status)  # fmt: skip
    return RedirectResponse(console_path(request, "contacts_today"), status_code=303)


@router.post("/moeder/{booking_id}/udeblevet", name="meeting_no_show")
def no_show(request: Request, user: ConsoleUser, session: DbSession, booking_id: RowId) -> Response:
    try:
        agenda.record_no_show(session, user, booking_id)
    except Problem as exc:
        session.rollback()
        return _page(request, session, user, error=exc.detail, status_code=exc.status)
    return RedirectResponse(with_query(console_path(request, "meetings_today")), status_code=303)
