"""Danish time: rules, validity dates and letters change at midnight in Copenhagen, not UTC.

Also the one reading of a day or a moment a client sends (``Day``, ``Instant``), shared by
every schema, query parameter and console form that accepts one."""

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

DANISH_TIME = ZoneInfo("Europe/Copenhagen")

# The days a client may name. A municipal hotline has no business before 1900 or after 2099,
# and within these bounds every "the day after", "the week before" or conversion to UTC the
# services do stays a valid date (9999-12-31 plus one day was a 500).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2099, 12, 31)

INPUT_TIME_RULES = (
    "A date is YYYY-MM-DD between "
    f"{EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}. A date-time is ISO 8601; "
    "without a UTC offset it is Danish local time (Europe/Copenhagen), and a date alone is "
    "midnight Danish time (`since=2026-11-01` means from 00:00 in Denmark). "
    "`2026-11-01T08:00:00Z` and `2026-11-01T09:00:00+01:00` name the same moment."
)


def today() -> date:
    """Today in Denmark (an article valid from 1 January is valid at 00:30 Danish time)."""
    return datetime.now(DANISH_TIME).date()


def utcnow() -> datetime:
    """Timestamps are stored as aware UTC."""
    return datetime.now(UTC)


def _out_of_range() -> PydanticCustomError:
    return PydanticCustomError(
        "date_out_of_range",
        "must be between {earliest} and {latest}",
        {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
    )


def within_bounds(day: date) -> date:
    """A day a client sent, refused (422) outside the years the hotline can reckon with."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise _out_of_range()
    return day


def danish_instant(moment: datetime) -> datetime:
    """A moment a client sent, as aware UTC. Without an offset it is Danish local time: a
    Danish municipal user who writes 08:00 means 08:00 on the clock on the wall, and the
    database only stores aware UTC (a naive value there was a 500)."""
    within_bounds(moment.date())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DANISH_TIME)
    return moment.astimezone(UTC)


# ``since: Instant | None`` and ``closes_on: Day``: see INPUT_TIME_RULES (also in the OpenAPI
# document's description).
Day = Annotated[date, AfterValidator(within_bounds)]
Instant = Annotated[datetime, AfterValidator(danish_instant)]
