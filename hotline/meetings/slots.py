"""Free slots of a meeting type, on local (Europe/Copenhagen) wall-clock time.

Opening hours are local: "09:00" is 09:00 in Copenhagen in winter (08:00 UTC) and in summer
(07:00 UTC). Slots are laid from each window's start, one meeting length apart, and converted
to UTC one by one, so the day the clocks change keeps its local hours. A local time that does
not exist (02:30 on the spring-forward night) yields no slot; one that occurs twice (02:30 on
the autumn night) yields one slot, the first.

Pure functions: the database part (how many seats each slot has taken) is passed in.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hotline.kit.danish_calendar import COPENHAGEN, is_closed_day
from hotline.meetings.models import MeetingType


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    free_seats: int

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(COPENHAGEN)


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def local_instant(day: date, wall_clock: time) -> datetime | None:
    """``day`` at ``wall_clock`` in Copenhagen as UTC; None when that local time does not exist."""
    moment = datetime.combine(day, wall_clock, tzinfo=COPENHAGEN)
    instant = moment.astimezone(UTC)
    if instant.astimezone(COPENHAGEN).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None  # skipped by the spring-forward change
    return instant


def is_open_day(meeting_type: MeetingType, day: date) -> bool:
    return not is_closed_day(day) and day.isoformat() not in set(meeting_type.closed_days)


def slot_starts(meeting_type: MeetingType, day: date) -> Iterator[datetime]:
    """Every slot start of ``day`` (UTC), ignoring notice, horizon and bookings."""
    if not is_open_day(meeting_type, day):
        return
    length = timedelta(minutes=meeting_type.duration_minutes)
    for start_text, end_text in meeting_type.opening_hours.get(str(day.weekday()), []):
        wall = datetime.combine(day, _parse(start_text))
        end = datetime.combine(day, _parse(end_text))
        while wall + length <= end:
            instant = local_instant(day, wall.time())
            if instant is not None:
                yield instant
            wall += length


def bookable_window(meeting_type: MeetingType, now: datetime) -> tuple[datetime, date]:
    """(earliest start, last local day): minimum notice from now, horizon in local days."""
    earliest = now + timedelta(hours=meeting_type.min_notice_hours)
    last_day = now.astimezone(COPENHAGEN).date() + timedelta(days=meeting_type.horizon_days)
    return earliest, last_day


def free_slots(
    meeting_type: MeetingType,
    taken: Mapping[datetime, int],
    now: datetime,
    *,
    first_day: date | None = None,
    days: int | None = None,
) -> list[Slot]:
    """Slots with at least one free seat within notice and horizon; ``taken`` counts booked
    seats per slot start (UTC)."""
    earliest, last_day = bookable_window(meeting_type, now)
    day = first_day or now.astimezone(COPENHAGEN).date()
    if days is not None:
        last_day = min(last_day, day + timedelta(days=days - 1))
    length = timedelta(minutes=meeting_type.duration_minutes)
    slots: list[Slot] = []
    while day <= last_day:
        for start in slot_starts(meeting_type, day):
            free = meeting_type.parallel_agents - taken.get(start, 0)
            if start >= earliest and free > 0:
                slots.append(Slot(start, start + length, free))
        day += timedelta(days=1)
    return slots


def is_bookable_start(meeting_type: MeetingType, start: datetime, now: datetime) -> bool:
    """Whether ``start`` is one of the type's slots within notice and horizon (seats aside)."""
    earliest, last_day = bookable_window(meeting_type, now)
    day = start.astimezone(COPENHAGEN).date()
    return earliest <= start and day <= last_day and start in set(slot_starts(meeting_type, day))
