from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Engine

from hotline.auth.models import User
from hotline.db import make_sessionmaker, transaction
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.letterheads.models import LetterheadOverride
from hotline.meetings import service
from hotline.meetings.models import MeetingType
from hotline.meetings.schemas import MeetingTypeIn

WEEKDAY_HOURS = {day: [("09:00", "12:00")] for day in range(5)}

QUESTIONS = [
    {"key": "emne", "label": "Hvad drejer det sig om?", "kind": "short_text", "required": True},
    {"key": "detaljer", "label": "Fortæl mere", "kind": "long_text"},
    {
        "key": "type",
        "label": "Hvilken pension?",
        "kind": "single_choice",
        "options": ["Folkepension", "Førtidspension"],
        "required": True,
    },
    {"key": "bilag", "label": "Hvad har du?", "kind": "multiple_choice", "options": ["A", "B"]},
    {"key": "fra", "label": "Fra hvornår?", "kind": "date"},
    {"key": "mitid", "label": "Har du MitID?", "kind": "yes_no", "required": True},
]

GOOD_ANSWERS: dict[str, str | list[str]] = {
    "emne": "Ansøgning",
    "type": "Folkepension",
    "bilag": ["A", "B"],
    "fra": "2027-01-01",
    "mitid": "yes",
}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=COPENHAGEN).astimezone(UTC)


def type_data(**overrides: Any) -> MeetingTypeIn:
    values: dict[str, Any] = {
        "slug": "folkepension",
        "title": "Folkepension - telefonmøde",
        "duration_minutes": 30,
        "channel": "phone",
        "questions": QUESTIONS,
        "opening_hours": WEEKDAY_HOURS,
        "parallel_agents": 1,
        "horizon_days": 30,
        "min_notice_hours": 2,
    }
    return MeetingTypeIn.model_validate({**values, **overrides})


MakeType = Callable[..., MeetingType]


@pytest.fixture
def make_type(engine: Engine, demo_users: dict[str, User]) -> MakeType:
    """Define a meeting type through the service, as the demo editor, committed."""

    def make(**overrides: Any) -> MeetingType:
        with transaction(make_sessionmaker(engine)) as session:
            editor = session.get_one(User, demo_users["editor"].id)
            return service.create_meeting_type(session, editor, type_data(**overrides))

    return make


@pytest.fixture
def aarhus_letterhead_with_a_cpr_number(engine: Engine, municipalities: None) -> None:
    """Aarhus's letterhead closing with a CPR number, as saved before letterheads refused them:
    every letter on it is refused by the CPR guard (written to the table, as no save can now)."""
    with transaction(make_sessionmaker(engine)) as session:
        session.add(
            LetterheadOverride(
                municipality_code="0751",
                theme={"closing": "Med venlig hilsen 010190-1234"},
                version=1,
            )
        )
