""" "Dagens møder": the day's booked meetings for agents (their own and the team's), each with
the answers, the linked articles as they read in the citizen's municipality, the local
instructions and the contact details; "Start mødet" opens the filled-in meeting contact,
"Udeblevet" records a no-show; "Aflys mødet" (for who may cancel the municipality's meetings)
asks to confirm on the page itself (``?aflys=<id>``, no script needed) and then cancels through
the same use case as the API; "Mødetal" shows what became of the bookings and how early
meetings start (chart beside its table, Danish CSV). Only translation here: the rules are in
hotline/meetings."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.console.charts import bar_chart
from hotline.console.contacts import local_today
from hotline.console.errors import danish_message
from hotline.console.forms import whole_number
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.deps import AppSettings, DbSession, RowId, csv_download
from hotline.errors import Problem
from hotline.meetings import agenda, reports
from hotline.meetings.confirmation import cancel_for_municipality
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
        "to_cancel": whole_number(request.query_params.get("aflys", "")),
        "cancelled": request.query_params.get("aflyst") == "1",
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


@router.post("/moeder/{booking_id}/aflys", name="meeting_cancel")
def cancel(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    booking_id: RowId,
) -> Response:
    """The confirmed cancellation (the confirm step is the agenda with ``?aflys=<id>``); the
    citizen is told by mail."""
    try:
        cancel_for_municipality(session, settings, user, booking_id)
    except Problem as exc:
        session.rollback()
        return _page(request, session, user, error=danish_message(exc.status, exc.slug),
                     status_code=exc.status)  # fmt: skip
    done = with_query(console_path(request, "meetings_today"), aflyst="1")
    return RedirectResponse(done, status_code=303)


Month = Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")]
MunicipalityCode = Annotated[str, Query(max_length=4)]


def _months(fra: str | None, til: str | None) -> tuple[str, str]:
    """Default: this year up to this month (Copenhagen)."""
    this_month = local_today().strftime("%Y-%m")
    return fra or f"{this_month[:4]}-01", til or this_month


@router.get("/moeder/tal", name="meetings_reports")
def report_page(
    request: Request, user: ConsoleUser, session: DbSession,
    fra: Month | None = None, til: Month | None = None, kommune: MunicipalityCode = "",
) -> Response:  # fmt: skip
    month_from, month_to = _months(fra, til)
    code = kommune or None
    rows = reports.meeting_report(session, user, municipality_code=code,
                                  month_from=month_from, month_to=month_to)  # fmt: skip
    start = reports.start_report(session, user, municipality_code=code,
                                 month_from=month_from, month_to=month_to)  # fmt: skip
    context: dict[str, Any] = {
        "nav": "meeting_reports",
        "month_from": month_from,
        "month_to": month_to,
        "municipality": kommune,
        "columns": reports.REPORT_COLUMNS,
        "cells": reports.meeting_cells(rows),
        "start_columns": reports.START_COLUMNS,
        "start_cells": reports.start_cells(start),
        "held": start.held,
        "chart": bar_chart(
            "Hvornår møderne begynder i forhold til den bookede tid",
            [label for label, _count in start.buckets],
            [("Møder", [count for _label, count in start.buckets])],
        )
        if start.held
        else None,
        "csv_link": with_query(
            console_path(request, "meetings_reports_csv"), fra=month_from, til=month_to,
            kommune=kommune,
        ),
        "start_csv_link": with_query(
            console_path(request, "meetings_reports_csv"), fra=month_from, til=month_to,
            kommune=kommune, rapport="start",
        ),
    }  # fmt: skip
    return render(request, "meetings_reports.html", context)


@router.get("/moeder/tal.csv", name="meetings_reports_csv")
def report_csv(
    user: ConsoleUser, session: DbSession, fra: Month | None = None, til: Month | None = None,
    kommune: MunicipalityCode = "", rapport: Annotated[str, Query(max_length=10)] = "",
) -> Response:  # fmt: skip
    month_from, month_to = _months(fra, til)
    code = kommune or None
    if rapport == "start":
        start = reports.start_report(session, user, municipality_code=code,
                                     month_from=month_from, month_to=month_to)  # fmt: skip
        return csv_download(reports.start_csv(start), f"moedestart-{month_from}-{month_to}.csv")
    rows = reports.meeting_report(session, user, municipality_code=code,
                                  month_from=month_from, month_to=month_to)  # fmt: skip
    body = reports.meeting_csv(rows)
    return csv_download(body, f"moeder-{month_from}-{month_to}.csv")
