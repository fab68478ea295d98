"""Danish time: rules, validity dates and letters change at midnight in Copenhagen, not UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def today() -> date:
    """Today in Denmark (an article valid from 1 January is valid at 00:30 Danish time)."""
    return datetime.now(DANISH_TIME).date()


def utcnow() -> datetime:
    """Timestamps are stored as aware UTC."""
    return datetime.now(UTC)
