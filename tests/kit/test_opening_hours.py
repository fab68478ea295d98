"""Open or closed now, read from the opening hours municipalities write in Danish."""

from datetime import UTC, datetime

import pytest

from hotline.kit.danish_calendar import COPENHAGEN
from hotline.kit.opening_hours import describe, open_now, parse

BORGERSERVICE = "Man-ons 10-15, tors 10-17.30, fre 10-13"
ON_CALL = "Hverdage 15-8, weekend og helligdage hele døgnet"


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=COPENHAGEN)


@pytest.mark.parametrize(
    ("hours", "when", "said"),
    [
        (BORGERSERVICE, at("2026-11-30", "12:00"), "åben nu, lukker kl. 15.00"),  # a Monday
        (BORGERSERVICE, at("2026-11-30", "09:00"), "lukket nu, åbner kl. 10.00"),
        (BORGERSERVICE, at("2026-11-30", "21:30"), "lukket nu, åbner i morgen kl. 10.00"),
        (BORGERSERVICE, at("2026-12-03", "17:00"), "åben nu, lukker kl. 17.30"),  # Thursday
        (BORGERSERVICE, at("2026-12-04", "16:00"), "lukket nu, åbner mandag kl. 10.00"),
        # Christmas Day is a Friday: closed, though Fridays are open
        (BORGERSERVICE, at("2026-12-25", "11:00"), "lukket nu, åbner mandag kl. 10.00"),
        (ON_CALL, at("2026-11-30", "21:30"), "åben nu, lukker i morgen kl. 08.00"),
        (ON_CALL, at("2026-11-30", "11:00"), "lukket nu, åbner kl. 15.00"),
        # the weekend's "hele døgnet" runs into Monday's night shift: open until Monday 8
        (ON_CALL, at("2026-12-05", "14:00"), "åben nu, lukker mandag kl. 08.00"),
        (ON_CALL, at("2026-12-25", "11:00"), "åben nu, lukker mandag kl. 08.00"),
        ("Alle dage hele døgnet", at("2026-12-25", "11:00"), "åben hele døgnet"),
        (
            "Mandag-fredag kl. 8.00-15.30 (kun telefon)",
            at("2026-12-01", "15:29"),
            "åben nu, lukker kl. 15.30",
        ),
    ],
)
def test_open_or_closed_now_in_danish_time(hours: str, when: datetime, said: str) -> None:
    rules = parse(hours)
    assert rules is not None
    assert describe(open_now(rules, when), when) == said


def test_the_time_is_read_in_copenhagen_whatever_zone_it_comes_in() -> None:
    """14:30 UTC on a Monday in winter is 15:30 in Denmark: Borgerservice has closed."""
    rules = parse(BORGERSERVICE)
    assert rules is not None
    assert open_now(rules, datetime(2026, 11, 30, 14, 30, tzinfo=UTC)).open is False
    assert open_now(rules, datetime(2026, 11, 30, 13, 30, tzinfo=UTC)).open is True


@pytest.mark.parametrize("hours", ["Efter aftale", "Ring og spørg", "Man-fre", ""])
def test_hours_it_cannot_read_are_unknown_not_guessed(hours: str) -> None:
    assert parse(hours) is None
