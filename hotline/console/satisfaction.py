"""Satisfaction in the console: the citizens' figures (chart + table twin + comments + CSV) and
the partner rounds (an operator opens one; a municipality's admin answers for their own; the
answers per municipality and the trend across rounds). Translation only."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from hotline.console.access import Action, open_page, shows
from hotline.console.charts import bar_chart
from hotline.console.contacts import today_page
from hotline.console.errors import danish_message
from hotline.console.forms import ConsoleForm, form_errors
from hotline.console.report_pages import GROUP_NAMES, Filter, ReportPage
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.contacts.reports import GroupBy
from hotline.db import utcnow
from hotline.deps import AppSettings, DbSession, RowId
from hotline.errors import Problem
from hotline.satisfaction import reports, rounds, service
from hotline.satisfaction.schemas import PartnerAnswerWrite, PhoneSurveyRequest, RoundOpen

router = APIRouter()

# The service's refusals of the survey email, in the agent's words.
PHONE_SURVEY_REFUSED = {
    409: "Borgeren har allerede fået spørgeskemaet for denne henvendelse.",
    422: "Tilfredshedsmailen sendes kun efter en afsluttet telefonsamtale, når borgeren har sagt "
    "ja i telefonen (sæt kryds), og med borgerens e-mail.",
}

REPORTS = ReportPage(
    template="satisfaction_reports.html",
    nav="satisfaction",
    route="satisfaction_reports",
    csv_route="satisfaction_reports_csv",
    csv_prefix="tilfredshed",
    groups={group: GROUP_NAMES[group] for group in reports.GROUPINGS},
    default_group=GroupBy.MONTH,
)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@router.get("/tilfredshed", name="satisfaction_reports")
def report_page(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    sent: Filter,
) -> Response:
    query = REPORTS.query(sent)

    def figures() -> dict[str, Any]:
        report = reports.satisfaction_report(session, user, query)
        chart = bar_chart(
            f"Tilfredshed pr. {REPORTS.groups[query.group_by].lower()} (procent)",
            [report.label(row) for row in report.rows],
            [  # each share under its column's heading
                (reports.COLUMNS[name], [_share(getattr(row, name)) for row in report.rows])
                for name in ("csat", "got_answer_share", "response_rate")
            ],
        )
        shown = [*report.rows, report.total]
        values = [reports.row_values(report, row, personal=True) for row in shown]
        return {
            "report": report,
            "chart": chart,
            "values": values,
            "columns": reports.COLUMNS.values(),
        }

    return REPORTS.render(request, query, figures)


@router.get("/tilfredshed.csv", name="satisfaction_reports_csv")
def report_csv(
    user: ConsoleUser,
    session: DbSession,
    sent: Filter,
) -> Response:
    query = REPORTS.query(sent)
    report = reports.satisfaction_report(session, user, query)
    return REPORTS.download(query, reports.satisfaction_csv(report))


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
def round_open(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    open_page(user, Action.OPEN_FEEDBACK_ROUND)  # before using the form: no hints to others
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
def round_answer(
    request: Request, round_id: RowId, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    open_page(user, Action.ANSWER_FEEDBACK_ROUND, user.municipality_code)  # before the form
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


@router.post("/henvendelser/{contact_id}/tilfredshedsmail", name="contact_phone_survey")
def phone_survey(
    request: Request,
    contact_id: RowId,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """The survey email after a phone contact; the box records that the citizen agreed."""
    fields = {
        "citizen_agreed": form.get("citizen_agreed") == "1",
        "email": str(form.get("email", "")).strip() or None,
    }
    try:
        service.send_phone_survey(
            session, settings, user, contact_id, PhoneSurveyRequest.model_validate(fields)
        )
    except (Problem, ValidationError) as exc:
        session.rollback()
        message = next(iter(form_errors(exc, PHONE_SURVEY_REFUSED).values()))
        status = exc.status if isinstance(exc, Problem) and exc.status in (403, 404) else 422
        return today_page(request, session, user, error=message, status_code=status)
    return RedirectResponse(
        with_query(console_path(request, "contacts_today"), tilfredshed="1"), status_code=303
    )
