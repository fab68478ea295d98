"""The municipality at night: Borgerservice open or closed now, and the out-of-hours numbers,
from facts each municipality keeps with shared national defaults."""

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.knowledge import service
from hotline.knowledge.models import FactType
from hotline.knowledge.schemas import FactCreate
from hotline.knowledge.service.night import municipality_now
from tests.knowledge.conftest import AARHUS, ADMIN, EDITOR, ODENSE

FREDERIKSBERG = "0147"
MONDAY_EVENING = datetime(2026, 11, 30, 19, 30, tzinfo=COPENHAGEN)
MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=COPENHAGEN)


@pytest.fixture
def night_facts(session: Session, demo_users: dict[str, User]) -> Session:
    for key, fact_type, default in (
        ("borgerservice_telefon", FactType.PHONE, None),
        ("borgerservice_telefontider", FactType.OPENING_HOURS, None),
        ("vejvagt_telefon", FactType.PHONE, None),
        ("vejvagt_telefontider", FactType.OPENING_HOURS, None),
        ("socialvagt_telefon", FactType.PHONE, None),
        ("socialvagt_telefontider", FactType.OPENING_HOURS, None),
        ("boern_unge_vagt_telefon", FactType.PHONE, None),
        ("boern_unge_vagt_telefontider", FactType.OPENING_HOURS, None),
        ("laegevagt_telefon", FactType.PHONE, "1813"),
        ("politi_telefon", FactType.PHONE, "114"),
    ):
        data = FactCreate(key=key, description=key, type=fact_type, default_value=default)
        service.create_fact(session, data, EDITOR)
    for key, value in {
        "borgerservice_telefon": "+45 89 40 20 00",
        "borgerservice_telefontider": "Man-ons 10-15, tors 10-17.30, fre 10-13",
        "vejvagt_telefon": "+45 89 40 35 00",
        "vejvagt_telefontider": "Hverdage 15-7, weekend og helligdage hele døgnet",
        "socialvagt_telefon": "+45 89 40 20 20",
        "socialvagt_telefontider": "Hverdage 22-8",
        "boern_unge_vagt_telefon": "+45 89 40 20 30",
        "laegevagt_telefon": "+45 70 11 31 31",
    }.items():
        service.set_fact_value(session, AARHUS, key, value, ADMIN)
    session.commit()
    return session


def test_a_member_at_night_is_closed_with_its_on_call_numbers_open(
    night_facts: Session, demo_users: dict[str, User]
) -> None:
    now = municipality_now(night_facts, demo_users["agent.odense"], AARHUS, at=MONDAY_EVENING)
    assert (now.office.phone, now.office.open) == ("+45 89 40 20 00", False)
    assert now.office.state == "lukket nu, åbner i morgen kl. 10.00"
    numbers = {n.title: n for n in now.numbers}
    assert (numbers["Vejvagt"].open, numbers["Vejvagt"].state) == (
        True,
        "åben nu, lukker i morgen kl. 07.00",
    )
    # a phone shown with its hours says when it is closed now
    assert (numbers["Socialvagt"].open, numbers["Socialvagt"].state) == (
        False,
        "lukket nu, åbner kl. 22.00",
    )
    assert numbers["Børn og unge (døgnvagt)"].state == "åbningstiden kendes ikke"
    assert numbers["Akut sygdom (lægevagt)"].phone == "+45 70 11 31 31"  # its region's own
    assert (numbers["Politiet (ikke akut)"].phone, numbers["Politiet (ikke akut)"].state) == (
        "114",
        "døgnåben",
    )
    assert now.unknown == [] and now.office_note is None


def test_at_noon_the_office_is_open(night_facts: Session, demo_users: dict[str, User]) -> None:
    now = municipality_now(night_facts, demo_users["agent.odense"], AARHUS, at=MONDAY_NOON)
    assert (now.office.open, now.office.state) == (True, "åben nu, lukker kl. 15.00")


def test_a_member_without_values_has_the_national_numbers_and_says_what_is_missing(
    night_facts: Session, demo_users: dict[str, User]
) -> None:
    now = municipality_now(night_facts, demo_users["agent.aarhus"], ODENSE, at=MONDAY_EVENING)
    assert [(n.title, n.phone) for n in now.numbers] == [
        ("Akut sygdom (lægevagt)", "1813"),
        ("Politiet (ikke akut)", "114"),
    ]
    assert now.unknown == ["Vejvagt", "Socialvagt", "Børn og unge (døgnvagt)"]
    assert now.unknown_note == (
        "Odense har ikke oplyst dem til hotline - henvis til kommunens hjemmeside "
        "(https://www.odense.dk)"
    )
    assert now.office.phone == "+45 66 13 13 72"  # the register's switchboard
    assert now.office.state == "åbningstiden kendes ikke"


def test_a_non_member_is_said_to_be_outside_the_hotline(
    night_facts: Session, demo_users: dict[str, User]
) -> None:
    now = municipality_now(
        night_facts, demo_users["agent.aarhus"], FREDERIKSBERG, at=MONDAY_EVENING
    )
    assert now.unknown_note is not None
    assert now.unknown_note.startswith("Frederiksberg er ikke med i hotline - henvis til")
    assert now.office_note == "Kommunens hovednummer: Frederiksberg er ikke med i hotline"
