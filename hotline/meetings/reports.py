"""The numbers of booked meetings: booked, held, no-show, cancelled (by the citizen, by the
municipality) per month and meeting type; and how early meetings start against their slot
(the console draws the chart beside its table twin; Danish CSV for both).

Authorised like the contact reports (READ_CONTACT_REPORTS): a municipality's admin sees their
municipality, supervisors and operators every one. Bookings group by ``local_month`` (the
Copenhagen month of the slot, written once at booking), a plain GROUP BY on both databases.
"""

from collections import Counter
from dataclasses import dataclass
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, require, scope_to_municipalities
from hotline.kit.danish_csv import danish_csv, danish_number
from hotline.meetings.models import Booking, BookingState, MeetingType

STATES = tuple(BookingState)
STATE_NAMES = {
    BookingState.BOOKED: "booket",
    BookingState.HELD: "holdt",
    BookingState.NO_SHOW: "udeblevet",
    BookingState.CANCELLED_BY_CITIZEN: "aflyst af borgeren",
    BookingState.CANCELLED_BY_MUNICIPALITY: "aflyst af kommunen",
}
# How the start compares with the slot, in minutes (negative: before the slot).
START_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("mere end 5 min. før", float("-inf"), -5),
    ("2-5 min. før", -5, -2),
    ("0-2 min. før", -2, 0),
    ("0-2 min. efter", 0, 2),
    ("2-5 min. efter", 2, 5),
    ("mere end 5 min. efter", 5, float("inf")),
)


@dataclass(frozen=True)
class MeetingRow:
    month: str  # "2026-11"
    meeting_type: str
    counts: dict[BookingState, int]

    @property
    def booked(self) -> int:
        """Every booking made, whatever became of it."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class StartReport:
    buckets: list[tuple[str, int]]
    median_minutes: float | None  # negative: meetings start before their slot
    held: int


def _authorised(user: User, municipality_code: str | None) -> None:
    """One municipality: who may read its numbers. All (None): those who read every
    municipality's, or an admin, whose rows ``_scoped`` confines to their own."""
    require(user, Action.READ_CONTACT_REPORTS, municipality_code or user.municipality_code)


def _scoped(stmt, user: User, municipality_code: str | None):  # type: ignore[no-untyped-def]
    stmt = scope_to_municipalities(
        stmt, user, Action.READ_CONTACT_REPORTS, Booking.municipality_code
    )
    if municipality_code:
        stmt = stmt.where(Booking.municipality_code == municipality_code)
    return stmt


def meeting_report(
    session: Session, user: User, *, municipality_code: str | None = None,
    month_from: str, month_to: str,
) -> list[MeetingRow]:  # fmt: skip
    """Per month and type: how many were booked and what became of them."""
    _authorised(user, municipality_code)
    stmt = (
        select(Booking.local_month, MeetingType.title, Booking.state, func.count())
        .join(MeetingType, MeetingType.id == Booking.meeting_type_id)
        .where(Booking.local_month >= month_from, Booking.local_month <= month_to)
        .group_by(Booking.local_month, MeetingType.title, Booking.state)
    )
    grouped: dict[tuple[str, str], dict[BookingState, int]] = {}
    for month, title, state, count in session.execute(_scoped(stmt, user, municipality_code)):
        counts = grouped.setdefault((month, title), dict.fromkeys(STATES, 0))
        counts[BookingState(state)] = int(count)
    return [MeetingRow(m, t, grouped[(m, t)]) for m, t in sorted(grouped)]


def start_report(
    session: Session, user: User, *, municipality_code: str | None = None,
    month_from: str, month_to: str,
) -> StartReport:  # fmt: skip
    """How early held meetings started against their slot."""
    _authorised(user, municipality_code)
    stmt = select(Booking.starts_at, Booking.started_at).where(
        Booking.state == BookingState.HELD.value,
        Booking.started_at.is_not(None),
        Booking.local_month >= month_from,
        Booking.local_month <= month_to,
    )
    offsets = [
        (started - slot).total_seconds() / 60
        for slot, started in session.execute(_scoped(stmt, user, municipality_code))
    ]
    counts: Counter[str] = Counter()
    for minutes in offsets:
        for label, low, high in START_BUCKETS:
            if low <= minutes < high:
                counts[label] += 1
                break
    return StartReport(
        buckets=[(label, counts[label]) for label, _low, _high in START_BUCKETS],
        median_minutes=median(offsets) if offsets else None,
        held=len(offsets),
    )


REPORT_COLUMNS = ("måned", "mødetype", "booket i alt", *(STATE_NAMES[s] for s in STATES))


START_COLUMNS = ("start i forhold til tiden", "møder")


def meeting_cells(rows: list[MeetingRow]) -> list[list[str]]:
    """The report as text cells under REPORT_COLUMNS (the CSV and the console's table)."""
    return [
        [row.month, row.meeting_type, str(row.booked), *(str(row.counts[s]) for s in STATES)]
        for row in rows
    ]


def start_cells(report: StartReport) -> list[list[str]]:
    """How early meetings start, as text cells under START_COLUMNS, the median last."""
    rows = [[label, str(count)] for label, count in report.buckets]
    rows.append(["median (minutter, negativ = før tiden)", danish_number(report.median_minutes)])
    return rows


def meeting_csv(rows: list[MeetingRow]) -> bytes:
    return danish_csv(REPORT_COLUMNS, meeting_cells(rows))


def start_csv(report: StartReport) -> bytes:
    return danish_csv(START_COLUMNS, start_cells(report))
