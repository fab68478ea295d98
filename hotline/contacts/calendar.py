"""Copenhagen time and Danish working days for contacts and the deadlines promised to citizens.

Danish public holidays come from the ``holidays`` library; Christmas Eve and New Year's Eve are
added because municipal offices are closed then although they are not public holidays.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DESK_CLOSES = time(15, 0)  # a promise for "a working day" is kept when handled by 15:00 then


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[date]:
    public = holidays.country_holidays("DK", years=year)
    return frozenset(public) | {date(year, 12, 24), date(year, 12, 31)}


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closed_days(day.year)


def working_days_after(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (not counting ``day`` itself)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def local(moment: datetime) -> datetime:
    return moment.astimezone(COPENHAGEN)


def deadline_after(moment: datetime, working_days: int) -> datetime:
    """When a promise of ``working_days`` made at ``moment`` falls due: DESK_CLOSES local time."""
    day = working_days_after(local(moment).date(), working_days)
    return datetime.combine(day, DESK_CLOSES, tzinfo=COPENHAGEN).astimezone(UTC)


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN).astimezone(UTC)
