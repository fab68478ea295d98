"""Satisfaction over HTTP: the survey email after a phone contact, feedback rounds and the
reports. Translation only; the rules are in the services."""

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.deps import CSV_OR_JSON, AppSettings, CurrentUser, DbSession, RowId, csv_download
from hotline.kit.time import Day
from hotline.satisfaction import reports, rounds, service
from hotline.satisfaction.schemas import (
    PartnerAnswerWrite,
    PhoneSurveyRequest,
    RoundOpen,
    RoundRead,
)

router = APIRouter(tags=["satisfaction"])


@router.post("/contacts/{contact_id}/survey-email", status_code=202)
def send_phone_survey(
    contact_id: RowId,
    data: PhoneSurveyRequest,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
) -> dict[str, int]:
    """The citizen agreed on the phone (``citizen_agreed``, recorded with the invitation): queue
    the survey email for this (closed) contact."""
    reply = service.send_phone_survey(session, settings, user, contact_id, data)
    return {"reply_id": reply.id}


@router.get("/satisfaction-reports", responses=CSV_OR_JSON)
def satisfaction_report(
    session: DbSession,
    user: CurrentUser,
    date_from: Annotated[Day, Query(alias="from")],
    date_to: Annotated[Day, Query(alias="to")],
    group_by: GroupBy = GroupBy.MONTH,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    format: Literal["json", "csv"] = "json",
) -> object:
    """CSAT, average, got-an-answer share and response rate, scoped to your role."""
    report = reports.satisfaction_report(
        session, user, ReportQuery(date_from, date_to, group_by, municipality)
    )
    if format == "csv":
        return csv_download(
            reports.satisfaction_csv(report), f"tilfredshed-{date_from}-{date_to}.csv"
        )
    return reports.satisfaction_json(report)


@router.post("/feedback-rounds", response_model=RoundRead, status_code=201)
def open_round(
    data: RoundOpen, session: DbSession, settings: AppSettings, user: CurrentUser
) -> object:
    return rounds.open_round(session, settings, user, data)


@router.get("/feedback-rounds", response_model=list[RoundRead])
def list_rounds(session: DbSession, user: CurrentUser) -> object:
    return [
        RoundRead(id=r.id, title=r.title, closes_on=r.closes_on, closed=r.closed_at is not None)
        for r in rounds.list_rounds(session, user)
    ]


@router.put("/feedback-rounds/{round_id}/answer")
def answer_round(
    round_id: RowId, data: PartnerAnswerWrite, session: DbSession, user: CurrentUser
) -> dict[str, object]:
    """Your municipality's answer (a municipality admin), changeable while the round is open."""
    answer = rounds.answer_round(session, user, round_id, data)
    return {"round_id": answer.round_id, "municipality": answer.municipality_code}


@router.get("/feedback-reports", responses=CSV_OR_JSON)
def partner_report(
    session: DbSession, user: CurrentUser, format: Literal["json", "csv"] = "json"
) -> object:
    """Answers per municipality and round, and the trend across rounds (admins: their own)."""
    per_municipality, trend = rounds.partner_report(session, user)
    if format == "csv":
        return csv_download(rounds.partner_csv(per_municipality, trend), "partnerrunder.csv")
    return {
        "per_municipality": [asdict(f) for f in per_municipality],
        "trend": [asdict(f) for f in trend],
    }
