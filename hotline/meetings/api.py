"""JSON for meeting types (editors), municipal overrides (admins), free slots (public) and the
meeting numbers (JSON or Danish CSV). Only translation: the rules are in service.py."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from hotline.deps import CSV_OR_JSON, AppSettings, CurrentUser, DbSession, RowId, csv_download
from hotline.errors import NotFound
from hotline.etags import IfMatch
from hotline.meetings import reports, service
from hotline.meetings.confirmation import cancel_for_municipality
from hotline.meetings.models import MeetingType
from hotline.meetings.schemas import (
    ActiveIn,
    MeetingTypeIn,
    MeetingTypeRead,
    OverrideIn,
    OverrideRead,
    SlotRead,
)

router = APIRouter(prefix="/meetings", tags=["meetings"])


def _read(meeting_type: MeetingType, response: Response) -> MeetingTypeRead:
    response.headers["ETag"] = service.type_version(meeting_type)
    return MeetingTypeRead.model_validate(meeting_type)


@router.post("/types", response_model=MeetingTypeRead, status_code=201)
def create_type(
    data: MeetingTypeIn, session: DbSession, user: CurrentUser, response: Response
) -> MeetingTypeRead:
    return _read(service.create_meeting_type(session, user, data), response)


@router.put("/types/{type_id}", response_model=MeetingTypeRead)
def update_type(
    type_id: RowId, data: MeetingTypeIn, session: DbSession, user: CurrentUser,
    response: Response, if_match: IfMatch = None,
) -> MeetingTypeRead:  # fmt: skip
    """Change a type (If-Match required: 428 without, 412 when stale); its slug stays."""
    return _read(service.update_meeting_type(session, user, type_id, if_match, data), response)


@router.put("/types/{type_id}/active", response_model=MeetingTypeRead)
def set_active(
    type_id: RowId, data: ActiveIn, session: DbSession, user: CurrentUser,
    response: Response, if_match: IfMatch = None,
) -> MeetingTypeRead:  # fmt: skip
    """Withdraw a type from every booking page (``false``) or offer it again (If-Match)."""
    return _read(service.set_active(session, user, type_id, if_match, data.active), response)


@router.get("/types/{type_id}/municipalities/{code}", response_model=OverrideRead)
def read_override(
    type_id: RowId, code: str, session: DbSession, user: CurrentUser, response: Response
) -> OverrideRead:
    """What the municipality changed on the type (its ETag for the next PUT); 404: nothing."""
    _meeting_type, override = service.override_for(session, user, code, type_id)
    if override is None:
        raise NotFound(f"Municipality {code} has not changed meeting type {type_id}.")
    response.headers["ETag"] = service.override_version(override)
    return OverrideRead.model_validate(override)


@router.put("/types/{type_id}/municipalities/{code}", status_code=204)
def set_override(
    type_id: RowId, code: str, data: OverrideIn, session: DbSession, user: CurrentUser,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    """Create (no If-Match needed) or change (If-Match required) the municipality's override."""
    override = service.set_override(session, user, code, type_id, data, if_match)
    return Response(status_code=204, headers={"ETag": service.override_version(override)})


@router.post("/bookings/{booking_id}/cancel", status_code=204)
def cancel_booking(
    booking_id: RowId, session: DbSession, settings: AppSettings, user: CurrentUser
) -> Response:
    """The municipality cancels a booked meeting (its admin, or an operator); the time is
    free again, the citizen gets a letter saying so, and the reports count it as cancelled by
    the municipality."""
    cancel_for_municipality(session, settings, user, booking_id)
    return Response(status_code=204)


@router.get("/slots/{code}/{slug}", response_model=list[SlotRead])
def free_slots(
    code: str, slug: str, session: DbSession, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> list[SlotRead]:
    """The free slots citizens of ``code`` may book (public: no personal data)."""
    return [
        SlotRead(
            starts_at=slot.starts_at.isoformat(),
            local_start=slot.local_start.isoformat(),
            free_seats=slot.free_seats,
        )
        for slot in service.available_slots(session, code, slug, days=days)
    ]


# The two reports' period (YYYY-MM, both months included) and optional municipality.
_MONTH = r"^[0-9]{4}-[0-9]{2}$"
MonthFrom = Annotated[str, Query(alias="from", pattern=_MONTH)]
MonthTo = Annotated[str, Query(alias="to", pattern=_MONTH)]
MunicipalityFilter = Annotated[str | None, Query(pattern=r"^[0-9]{4}$")]


@router.get("/reports", responses=CSV_OR_JSON)
def meeting_report(
    session: DbSession, user: CurrentUser,
    month_from: MonthFrom,
    month_to: MonthTo,
    municipality: MunicipalityFilter = None,
    format: Literal["json", "csv"] = "json",
) -> object:  # fmt: skip
    """Booked, held, no-show and cancelled (by citizen, by municipality) per month and type."""
    rows = reports.meeting_report(session, user, municipality_code=municipality,
                                  month_from=month_from, month_to=month_to)  # fmt: skip
    if format == "csv":
        return csv_download(reports.meeting_csv(rows), f"moeder-{month_from}-{month_to}.csv")
    return [
        {"month": r.month, "meeting_type": r.meeting_type, "booked": r.booked,
         **{state.value: count for state, count in r.counts.items()}}
        for r in rows
    ]  # fmt: skip


@router.get("/start-report", responses=CSV_OR_JSON)
def start_report(
    session: DbSession, user: CurrentUser,
    month_from: MonthFrom,
    month_to: MonthTo,
    municipality: MunicipalityFilter = None,
    format: Literal["json", "csv"] = "json",
) -> object:  # fmt: skip
    """How early held meetings started against their slot (the chart's table twin)."""
    report = reports.start_report(session, user, municipality_code=municipality,
                                  month_from=month_from, month_to=month_to)  # fmt: skip
    if format == "csv":
        return csv_download(reports.start_csv(report), f"moedestart-{month_from}-{month_to}.csv")
    buckets = [{"label": label, "meetings": n} for label, n in report.buckets]
    return {"held": report.held, "median_minutes": report.median_minutes, "buckets": buckets}
