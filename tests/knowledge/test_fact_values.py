"""Fact values are checked against their type when written, whoever writes them."""

import pytest

from hotline.knowledge.models import FactType
from hotline.knowledge.schemas import normalise_fact_value


@pytest.mark.parametrize(
    ("fact_type", "value", "stored"),
    [
        (FactType.MONEY, 893, "893"),
        (FactType.MONEY, "0125", "125"),
        (FactType.MONEY, 12.5, "12.5"),
        (FactType.MONEY, "1234.50", "1234.50"),
        (FactType.MONEY, "1.600", "1600"),
        (FactType.MONEY, "1.600 kr.", "1600"),
        (FactType.MONEY, "1.600,50", "1600.50"),
        (FactType.MONEY, "195,-", "195"),
        (FactType.MONEY, "kr. 195", "195"),
        (FactType.URL, " https://aarhus.dk/pas ", "https://aarhus.dk/pas"),
        (FactType.EMAIL, "borgerservice@aarhus.dk", "borgerservice@aarhus.dk"),
        (FactType.PHONE, "+45 89 40 20 00", "+45 89 40 20 00"),
        (FactType.PHONE, "114", "114"),  # the police; Danish service numbers have 3 digits
        (FactType.PHONE, "1813", "1813"),
        (FactType.OPENING_HOURS, "Man-fre 10-15", "Man-fre 10-15"),
    ],
)
def test_valid_values_are_stored_in_one_spelling(
    fact_type: str, value: object, stored: str
) -> None:
    assert normalise_fact_value(fact_type, value) == stored


@pytest.mark.parametrize(
    ("fact_type", "value", "message"),
    [
        (FactType.MONEY, "gratis", "'gratis' is not an amount"),
        (FactType.MONEY, -5, "0 or more"),
        (FactType.MONEY, "1,600", "ambiguous"),
        (FactType.MONEY, 1e28, "not an amount"),
        (FactType.MONEY, "1e100000000", "not an amount"),
        (FactType.URL, "aarhus punkt dk", "is not a valid url"),
        (FactType.EMAIL, "borgerservice", "is not a valid email"),
        (FactType.PHONE, "ring til os", "is not a valid phone"),
        (FactType.PHONE, "893", "is not a valid phone"),  # an amount, not a service number
        (FactType.TEXT, "  ", "the value is empty"),
        (FactType.TEXT, "Ring {{ telefon }}", "cannot contain {{ placeholders }}"),
        (FactType.TEXT, "{% for x in y %}", "cannot contain"),
        (FactType.TEXT, "x" * 1001, "at most 1000 characters"),
        (FactType.TEXT, ["a", "b"], "a single text or number"),
        (FactType.TEXT, True, "a single text or number"),
    ],
)
def test_invalid_values_say_what_is_wrong(fact_type: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_fact_value(fact_type, value)
