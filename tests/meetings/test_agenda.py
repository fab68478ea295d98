"""The agent's day: the meetings with answers, articles resolved for the citizen's
municipality and contact details; starting one opens a filled-in contact; no-shows."""

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.contacts.models import Contact
from hotline.errors import Forbidden, InvalidInput
from hotline.knowledge import service as knowledge
from hotline.knowledge.schemas import ArticleCreate
from hotline.meetings import agenda
from hotline.meetings.agenda import MeetingAlreadyStarted
from hotline.meetings.models import Booking, BookingState
from tests.meetings.conftest import MakeType, local
from tests.meetings.test_booking import NOW, book, booking

MONDAY = date(2026, 11, 30)


@pytest.fixture
def booked(
    make_type: MakeType, engine: Engine, session: Session, demo_users: dict[str, User]
) -> Booking:
    for slug, title in (("folkepension", "Folkepension"), ("trukket-tilbage", "Trukket")):
        knowledge.create_article(
            session,
            ArticleCreate(slug=slug, title=title, category="Pension", body=f"# {title}"),
            "editor@hotline.example",
        )
    session.commit()
    make_type(article_slugs=["folkepension", "trukket-tilbage"])
    editor = session.get_one(User, demo_users["editor"].id)
    knowledge.remove_article(session, editor, "trukket-tilbage", expected=None)  # withdrawn since
    session.commit()
    return book(engine, booking(citizen_email="birthe@example.dk"))


def user(session: Session, demo_users: dict[str, User], key: str) -> User:
    return session.get_one(User, demo_users[key].id)


def test_the_day_shows_answers_articles_and_contact_details(
    booked: Booking, session: Session, demo_users: dict[str, User]
) -> None:
    items = agenda.todays_meetings(session, user(session, demo_users, "agent.odense"), day=MONDAY)
    assert [item.booking.id for item in items] == [booked.id]
    item = items[0]
    assert item.booking.citizen_phone == "12345678"
    assert item.booking.citizen_email == "birthe@example.dk"
    assert item.booking.answers[0] == {
        "key": "emne", "label": "Hvad drejer det sig om?", "kind": "short_text",
        "value": "Ansøgning",
    }  # fmt: skip
    assert [(a.slug, a.title) for a in item.articles] == [("folkepension", "Folkepension")]
    assert agenda.todays_meetings(session, user(session, demo_users, "agent.odense"),
                                  day=MONDAY + timedelta(days=1)) == []  # fmt: skip
    with pytest.raises(Forbidden):
        agenda.todays_meetings(session, user(session, demo_users, "editor"), day=MONDAY)


def test_starting_the_meeting_opens_a_filled_in_meeting_contact(
    booked: Booking, session: Session, demo_users: dict[str, User]
) -> None:
    anna = user(session, demo_users, "agent.aarhus")
    early = local(MONDAY, 8, 58)
    contact = agenda.start_meeting(session, anna, booked.id, now=early)
    session.commit()
    stored = session.get_one(Contact, contact.id)
    assert (stored.channel, stored.municipality_code, stored.agent_id) == (
        "meeting",
        "0751",
        anna.id,
    )
    assert (stored.citizen_name, stored.citizen_phone) == ("Birthe Borger", "12345678")
    assert stored.topic == "Folkepension - telefonmøde"
    held = session.get_one(Booking, booked.id)
    assert (held.state, held.contact_id, held.started_at) == (BookingState.HELD, contact.id, early)
    mine = agenda.todays_meetings(session, anna, day=MONDAY, mine_only=True)
    assert [item.mine for item in mine] == [True]
    with pytest.raises(MeetingAlreadyStarted):
        agenda.start_meeting(session, user(session, demo_users, "agent.odense"), booked.id)


def test_a_no_show_is_recorded_once_the_slot_has_begun(
    booked: Booking, session: Session, demo_users: dict[str, User]
) -> None:
    anna = user(session, demo_users, "agent.aarhus")
    with pytest.raises(InvalidInput):
        agenda.record_no_show(session, anna, booked.id, now=NOW)
    missed = agenda.record_no_show(session, anna, booked.id, now=local(MONDAY, 9, 10))
    assert missed.state == BookingState.NO_SHOW
    with pytest.raises(MeetingAlreadyStarted):
        agenda.start_meeting(session, anna, booked.id)
