"""The citizen's municipality after hours: open or closed now, and the numbers that help.

An evening agent must know at a glance whether the municipality can be reached now and, if
not, which on-call number to give. Both come from facts each municipality keeps (phone numbers
with their hours), national numbers from the facts' shared defaults (1813, 114), and the
opening hours are read in Danish time with Danish public holidays closed.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, require
from hotline.kit.opening_hours import describe, open_now, parse
from hotline.kit.time import utcnow
from hotline.knowledge.resolve import fact_values
from hotline.municipalities.service import get_municipality


@dataclass(frozen=True)
class NightNumber:
    """One number of the bar: which facts hold it and what the agent calls it."""

    title: str
    phone_key: str
    hours_key: str | None  # None: answers around the clock


OFFICE = NightNumber("Borgerservice", "borgerservice_telefon", "borgerservice_telefontider")
NIGHT_NUMBERS = (
    NightNumber("Vejvagt", "vejvagt_telefon", "vejvagt_telefontider"),
    NightNumber("Socialvagt", "socialvagt_telefon", "socialvagt_telefontider"),
    NightNumber(
        "Børn og unge (døgnvagt)", "boern_unge_vagt_telefon", "boern_unge_vagt_telefontider"
    ),
    NightNumber("Akut sygdom (lægevagt)", "laegevagt_telefon", None),
    NightNumber("Politiet (ikke akut)", "politi_telefon", None),
)


@dataclass(frozen=True)
class NumberNow:
    title: str
    phone: str
    hours: str | None
    open: bool | None  # None: the hours are not known or cannot be read
    state: str  # "åben nu, lukker kl. 15.00", "lukket nu, åbner mandag kl. 10.00", ...


@dataclass(frozen=True)
class MunicipalityNow:
    office: NumberNow
    office_note: str | None  # why the office shows the switchboard number, when it does
    numbers: list[NumberNow]
    unknown: list[str]  # titles of the numbers the municipality has not given
    unknown_note: str | None  # why, and where to send the citizen instead


def _number_now(title: str, phone: str, hours: str | None, at: datetime) -> NumberNow:
    rules = parse(hours) if hours else None
    if rules is None:
        state = "åbningstiden kendes ikke" if hours is None else "åbningstiden kan ikke læses"
        return NumberNow(title, phone, hours, None, state)
    now = open_now(rules, at)
    return NumberNow(title, phone, hours, now.open, describe(now, at))


def municipality_now(
    session: Session, actor: User, municipality_code: str, *, at: datetime | None = None
) -> MunicipalityNow:
    """Borgerservice open or closed at ``at`` (default now) and the out-of-hours numbers."""
    require(actor, Action.READ_KNOWLEDGE)
    municipality = get_municipality(session, municipality_code)
    at = at or utcnow()
    values = fact_values(session, municipality.code)
    name = municipality.short_name
    why = "har ikke oplyst dem til hotline" if municipality.member else "er ikke med i hotline"
    office_note = None
    if OFFICE.phone_key not in values:
        office_why = "har ikke oplyst Borgerservices nummer" if municipality.member else why
        office_note = f"Kommunens hovednummer: {name} {office_why}"
    office = _number_now(
        OFFICE.title,
        values.get(OFFICE.phone_key, municipality.phone),
        values.get(OFFICE.hours_key or ""),
        at,
    )
    numbers: list[NumberNow] = []
    unknown: list[str] = []
    for number in NIGHT_NUMBERS:
        if number.phone_key not in values:
            unknown.append(number.title)
        elif number.hours_key is None:
            numbers.append(
                NumberNow(number.title, values[number.phone_key], None, True, "døgnåben")
            )
        else:
            hours = values.get(number.hours_key)
            numbers.append(_number_now(number.title, values[number.phone_key], hours, at))
    unknown_note = (
        f"{name} {why} - henvis til kommunens hjemmeside ({municipality.website})"
        if unknown
        else None
    )
    return MunicipalityNow(office, office_note, numbers, unknown, unknown_note)
