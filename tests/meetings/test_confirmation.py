"""The calendar file of the confirmation across daylight-saving changes: booked in winter for a
meeting after the spring change (and in winter for one after the autumn change), the event says
the local time the citizen chose, and the file's own VTIMEZONE (not this machine's time-zone
database) turns it into the booked instant."""

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.meetings.confirmation import calendar_file
from hotline.meetings.models import MeetingType
from hotline.municipalities.models import Municipality
from tests.meetings.conftest import MakeType, local
from tests.meetings.test_booking import AARHUS, booking
from tests.meetings.test_booking import NOW as BOOKED_IN_WINTER

EVERY_DAY = {day: [("09:00", "12:00")] for day in range(7)}


def utc_by_the_files_own_zone(calendar: Calendar, wall_clock: datetime) -> datetime:
    """``wall_clock`` (naive, the event's TZID time) in UTC by the VTIMEZONE's transitions."""
    transitions: list[tuple[datetime, timedelta]] = []
    for zone in calendar.walk("VTIMEZONE"):
        for rule in (*zone.walk("STANDARD"), *zone.walk("DAYLIGHT")):
            offset = rule.decoded("TZOFFSETTO")
            starts = [rule.decoded("DTSTART")]
            for rdate in (
                rule.get("RDATE", [])
                if isinstance(rule.get("RDATE"), list)
                else [rule.get("RDATE")]
            ):
                if rdate is not None:
                    starts += [period.dt for period in rdate.dts]
            transitions += [(start.replace(tzinfo=None), offset) for start in starts]
    _start, offset = max(t for t in transitions if t[0] <= wall_clock)
    return (wall_clock - offset).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "offset_hours"),
    [
        (date(2027, 3, 30), 2),  # two days after the spring change (Easter Monday between)
        (date(2027, 11, 1), 1),  # the day after the autumn change: winter time, UTC+1
    ],
)
def test_the_calendar_file_keeps_the_chosen_local_time_across_the_clock_change(
    make_type: MakeType, engine: Engine, session: Session, settings: Settings,
    day: date, offset_hours: int,
) -> None:  # fmt: skip
    from hotline.db import make_sessionmaker, transaction
    from hotline.meetings import service

    make_type(opening_hours=EVERY_DAY, min_notice_hours=0, horizon_days=365)
    ten = local(day, 10)
    with transaction(make_sessionmaker(engine)) as writing:
        made = service.book_meeting(
            writing, AARHUS, "0751", booking(starts_at=ten.isoformat()), now=BOOKED_IN_WINTER
        )
    meeting_type = session.get_one(MeetingType, made.meeting_type_id)
    ics = calendar_file(settings, made, meeting_type, session.get_one(Municipality, "0751"))

    assert f"DTSTART;TZID=Europe/Copenhagen:{day:%Y%m%d}T100000" in ics.decode()
    assert f"DTEND;TZID=Europe/Copenhagen:{day:%Y%m%d}T103000" in ics.decode()
    calendar = Calendar.from_ical(ics)
    event = next(iter(calendar.walk("VEVENT")))
    wall_clock = event.decoded("DTSTART").replace(tzinfo=None)
    assert wall_clock == datetime.combine(day, datetime.min.time()).replace(hour=10)
    assert utc_by_the_files_own_zone(calendar, wall_clock) == made.starts_at
    assert made.starts_at == datetime.combine(day, datetime.min.time(), UTC).replace(
        hour=10 - offset_hours
    )
