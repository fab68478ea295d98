"""The one reading of a moment or a day a client sends (``Instant``, ``Day``)."""

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from hotline.kit.time import Day, Instant

INSTANT = TypeAdapter(Instant)
DAY = TypeAdapter(Day)


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("2026-11-01", datetime(2026, 10, 31, 23, 0, tzinfo=UTC)),  # winter: UTC+1
        ("2026-07-01T08:00:00", datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),  # summer: UTC+2
        ("2026-11-01T08:00:00Z", datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
        ("2026-11-01T08:00:00+01:00", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_a_moment_without_a_zone_is_danish_time_and_every_moment_is_utc(
    sent: str, meant: datetime
) -> None:
    moment = INSTANT.validate_python(sent)
    assert moment == meant
    assert moment.tzinfo is UTC


@pytest.mark.parametrize("sent", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "2100-01-01"])
def test_a_moment_beyond_the_years_reckoned_with_is_refused(sent: str) -> None:
    with pytest.raises(ValidationError, match="date_out_of_range"):
        INSTANT.validate_python(sent)


def test_a_day_is_bounded_so_the_day_after_always_exists() -> None:
    assert DAY.validate_python("2099-12-31") == date(2099, 12, 31)
    for sent in ("9999-12-31", "0001-01-01", "1899-12-31"):
        with pytest.raises(ValidationError, match="date_out_of_range"):
            DAY.validate_python(sent)
