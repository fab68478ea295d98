"""Copenhagen time and Danish working days for contacts and the deadlines promised to citizens.

The closed days (Danish public holidays, Christmas Eve, New Year's Eve) live in
hotline/kit/danish_calendar.py, shared with meetings.
"""

from datetime import UTC, date, datetime, time, timedelta

from hotline.kit.danish_calendar import COPENHAGEN, closed_days

DESK_CLOSES = time(15, 0)  # a promise for "a working day" is kept when handled by 15:00 then


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in closed_days(day.year)


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
