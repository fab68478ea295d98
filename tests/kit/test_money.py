"""Amounts of kroner written the Danish way are understood; ambiguous ones are refused with a
message that says how to write them; absurd ones cost nothing."""

import time
from decimal import Decimal

import pytest

from hotline.kit.money import AmountError, format_kroner, parse_kroner


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("1.600 kr.", "1600"),
        ("1.600,50", "1600.50"),
        ("195,-", "195"),
        ("kr. 195", "195"),
        ("1.600", "1600"),  # not 1,60 kr.
        ("1.600.000", "1600000"),
        ("1 600 kr", "1600"),
        ("12,50", "12.50"),
        ("DKK 893", "893"),
        ("1.600,-", "1600"),
        ("893", "893"),
        ("12.5", "12.5"),  # the decimal point the API has always documented
        (893, "893"),
        (12.5, "12.5"),
    ],
)
def test_danish_notation_is_understood(written: object, amount: str) -> None:
    assert parse_kroner(written) == Decimal(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("written", ["1,600", "12,500", "1,600.50"])
def test_an_ambiguous_amount_is_refused_with_how_to_write_it(written: str) -> None:
    with pytest.raises(AmountError, match="ambiguous") as raised:
        parse_kroner(written)
    assert "1.600" in str(raised.value) or "12.500" in str(raised.value)
    assert "kan læses på to måder" in raised.value.danish


@pytest.mark.parametrize(
    "written", ["1e28", 1e28, "1e100000000", "-5", "gratis", "1.6000", "x" * 1000, True, "NaN"]
)
def test_what_is_not_an_amount_is_refused_at_once(written: object) -> None:
    started = time.perf_counter()
    with pytest.raises(AmountError):
        parse_kroner(written)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 0.1


def test_more_than_a_billion_is_refused() -> None:
    with pytest.raises(AmountError, match="more than"):
        parse_kroner("2.000.000.000")


def test_amounts_are_shown_the_danish_way() -> None:
    assert format_kroner(Decimal("1600")) == "1.600,00 kr."
    assert format_kroner(Decimal("1600.5")) == "1.600,50 kr."
