"""Satisfaction in the console: the citizens' figures (chart + table twin + comments + CSV) and
the partner rounds (an operator opens one; a municipality's admin answers for their own; the
answers per municipality and the trend across rounds). Translation only."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from hotline.console.access import Action, open_page, shows
from hotline.console.charts import bar_chart
from hotline.console.contacts import GROUP_NAMES, local_today
from hotline.console.errors import danish_message
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.db import utcnow
from hotline.deps import AppSettings, DbSession, RowId, csv_download
from hotline.errors import Problem
from hotline.satisfaction import reports, rounds
from hotline.satisfaction.schemas import PartnerAnswerWrite, RoundOpen

router = APIRouter()

SATISFACTION_GROUPS = {group: GROUP_NAMES[group] for group in reports.GROUPINGS}


def _query(fra: date | None, til: date | None, gruppe: str, kommune: str) -> ReportQuery:
    today = local_today()
    group = GroupBy(gruppe) if gruppe in {g.value for g in reports.GROUPINGS} else GroupBy.MONTH
    return ReportQuery(fra or today.replace(day=1), til or today, group, kommune or None)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@router.get("/tilfredshed", name="satisfaction_reports")
def report_page(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    fra: date | None = None,
    til: date | None = None,
    gruppe: Annotated[str, Query(max_length=20)] = "month",
    kommune: Annotated[str, Query(max_length=4)] = "",
) -> Response:
    query = _query(fra, til, gruppe, kommune)
    context: dict[str, Any] = {"nav": "satisfaction", "query": query, "groups": SATISFACTION_GROUPS}
    try:
        report = reports.satisfaction_report(session, user, query)
    except Problem as exc:
        context["error"] = danish_message(exc.status, exc.slug)
        return render(request, "satisfaction_reports.html", context, status_code=exc.status)
    labels = [report.label(row) for row in report.rows]
    context.update(
        report=report,
        chart=bar_chart(
            f"Tilfredshed pr. {SATISFACTION_GROUPS[query.group_by].lower()} (procent)",
            labels,
            [
                ("CSAT (4-5)", [_share(row.csat) for row in report.rows]),
                ("Fik svar", [_share(row.got_answer_share) for row in report.rows]),
                ("Svarprocent", [_share(row.response_rate) for row in report.rows]),
            ],
        ),
        values=[
            reports.row_values(report, row, personal=True) for row in [*report.rows, report.total]
        ],
        columns=reports.COLUMNS,
        csv_link=with_query(
            console_path(request, "satisfaction_reports_csv"),
            fra=query.date_from,
            til=query.date_to,
            gruppe=query.group_by.value,
            kommune=query.municipality,
        ),
    )
    return render(request, "satisfaction_reports.html", context)


@router.get("/tilfredshed.csv", name="satisfaction_reports_csv")
def report_csv(
    user: ConsoleUser,
    session: DbSession,
    fra: date | None = None,
    til: date | None = None,
    gruppe: Annotated[str, Query(max_length=20)] = "month",
    kommune: Annotated[str, Query(max_length=4)] = "",
) -> Response:
    query = _query(fra, til, gruppe, kommune)
    body = reports.satisfaction_csv(reports.satisfaction_report(session, user, query))
    name = f"tilfredshed-{query.date_from}-{query.date_to}.csv"
    return csv_download(body, name)


# ---------------------------------------------------------------------------- partner rounds


def _rounds_page(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    saved: bool = False,
) -> Response:
    per_municipality, trend = rounds.partner_report(session, user)
    now = utcnow()
    all_rounds = rounds.list_rounds(session, user)
    context = {
        "nav": "rounds",
        "rounds": all_rounds,
        "open_rounds": [r for r in all_rounds if rounds.is_open(r, now)],
        "per_municipality": per_municipality,
        "trend": trend,
        "questions": rounds.QUESTIONS,
        "may_answer": user.municipality_code is not None
        and shows(user, Action.ANSWER_FEEDBACK_ROUND, user.municipality_code),
        "may_open": shows(user, Action.OPEN_FEEDBACK_ROUND),
        "errors": errors or {},
        "saved": saved,
        "chart": bar_chart(
            "Kommunernes vurdering pr. runde (gennemsnit 1-5)",
            [f.title for f in trend],
            [
                (text.split(",")[0], [getattr(f, name) for f in trend])
                for name, text in rounds.QUESTIONS
            ],
        ),
    }
    return render(request, "satisfaction_rounds.html", context, status_code=status_code)


@router.get("/tilfredshed/runder", name="satisfaction_rounds")
def rounds_page(
    request: Request, user: ConsoleUser, session: DbSession, gemt: str = ""
) -> Response:
    return _rounds_page(request, user, session, saved=gemt == "1")


@router.post("/tilfredshed/runder", name="satisfaction_round_open")
async def round_open(
    request: Request, user: ConsoleUser, session: DbSession, settings: AppSettings
) -> Response:
    open_page(user, Action.OPEN_FEEDBACK_ROUND)  # before reading the form: no hints to others
    form = await request.form()
    try:
        data = RoundOpen.model_validate(
            {"title": form.get("title", ""), "closes_on": form.get("closes_on") or None}
        )
        rounds.open_round(session, settings, user, data)
    except (Problem, ValidationError) as exc:
        session.rollback()
        message = (
            danish_message(exc.status, exc.slug)
            if isinstance(exc, Problem)
            else "Giv runden et navn og en lukkedato efter i dag."
        )
        status = exc.status if isinstance(exc, Problem) else 422
        return _rounds_page(request, user, session, errors={"open": message}, status_code=status)
    return RedirectResponse(
        with_query(console_path(request, "satisfaction_rounds"), gemt="1"), status_code=303
    )


@router.post("/tilfredshed/runder/{round_id}/svar", name="satisfaction_round_answer")
async def round_answer(
    request: Request, round_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    open_page(user, Action.ANSWER_FEEDBACK_ROUND, user.municipality_code)  # before the form
    form = await request.form()
    fields = ("quality_of_answers", "quality_of_forwards", "cooperation", "comment")
    try:
        data = PartnerAnswerWrite.model_validate({k: form.get(k) or None for k in fields})
        rounds.answer_round(session, user, round_id, data)
    except (Problem, ValidationError) as exc:
        session.rollback()
        message = (
            danish_message(exc.status, exc.slug)
            if isinstance(exc, Problem)
            else "Giv en vurdering (1-5) på alle tre spørgsmål."
        )
        status = exc.status if isinstance(exc, Problem) else 422
        return _rounds_page(request, user, session, errors={"answer": message}, status_code=status)
    return RedirectResponse(
        with_query(console_path(request, "satisfaction_rounds"), gemt="1"), status_code=303
    )
