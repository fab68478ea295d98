""" "Dagens møder" in the console: the agent sees the answers and starts the meeting, which
opens the filled-in meeting contact."""

from datetime import datetime, time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.auth.permissions import Action, SignedLinkActor
from hotline.contacts.models import Contact
from hotline.db import make_sessionmaker, transaction, utcnow
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.meetings import service
from hotline.meetings.models import Booking, BookingState
from hotline.replies.models import Reply
from tests.console.conftest import SignIn, post_form, sign_in
from tests.meetings.conftest import GOOD_ANSWERS, MakeType
from tests.meetings.test_booking import booking

__all__ = ["sign_in"]


LAST_SLOT = time(23)  # the opening hours below end at 23:30; meetings last 30 minutes


def book_today(make_type: MakeType, engine: Engine, at: time = time(10)) -> Booking:
    """A meeting at ``at`` today (Copenhagen), booked at midnight."""
    make_type(opening_hours={day: [("08:00", "23:30")] for day in range(7)}, min_notice_hours=0)
    today = utcnow().astimezone(COPENHAGEN).date()
    midnight = datetime.combine(today, time(0), tzinfo=COPENHAGEN)
    starts = datetime.combine(today, at, tzinfo=COPENHAGEN)
    with transaction(make_sessionmaker(engine)) as session:
        return service.book_meeting(
            session, SignedLinkActor(Action.BOOK_MEETING, "0751"), "0751",
            booking(starts_at=starts.isoformat(), citizen_email="birthe@example.dk",
                    answers={**GOOD_ANSWERS, "detaljer": "Jeg flytter til Spanien"}),
            now=midnight,
        )  # fmt: skip


def test_the_agent_opens_the_meeting_with_the_answers_shown(
    client: TestClient, sign_in: SignIn, make_type: MakeType, engine: Engine, session: Session
) -> None:
    made = book_today(make_type, engine)
    sign_in("agent.odense")
    page = client.get("/console/moeder")
    assert page.status_code == 200
    shown = ("Folkepension - telefonmøde", "Birthe Borger", "12345678", "birthe@example.dk",
             "Hvilken pension?", "Jeg flytter til Spanien", "A, B", "<dd>Ja</dd>")  # fmt: skip
    for text in shown:
        assert text in page.text, text
    started = post_form(client, f"/console/moeder/{made.id}/start", {}, follow_redirects=False)
    assert started.status_code == 303
    contact = session.scalars(select(Contact)).one()
    assert (contact.channel, contact.citizen_name, contact.citizen_email) == (
        "meeting", "Birthe Borger", "birthe@example.dk",
    )  # fmt: skip
    held = session.get_one(Booking, made.id)
    assert (held.state, held.contact_id) == (BookingState.HELD, contact.id)
    mine = client.get("/console/moeder?mine=1")
    assert "(dit møde)" in mine.text
    again = post_form(client, f"/console/moeder/{made.id}/start", {})
    assert again.status_code == 409


def test_who_holds_no_meetings_cannot_start_one(
    client: TestClient, sign_in: SignIn, make_type: MakeType, engine: Engine, session: Session
) -> None:
    made = book_today(make_type, engine)
    sign_in("admin.aarhus")
    for action in ("start", "udeblevet"):
        refused = post_form(client, f"/console/moeder/{made.id}/{action}", {})
        assert refused.status_code == 403
    assert session.get_one(Booking, made.id).state == BookingState.BOOKED


def test_the_municipality_admin_cancels_a_meeting_after_confirming_it_on_the_page(
    client: TestClient, sign_in: SignIn, make_type: MakeType, engine: Engine, session: Session
) -> None:
    """The day's last meeting: one that has begun can no longer be cancelled, and the console
    answers with the real clock (the suite runs at any hour)."""
    if utcnow().astimezone(COPENHAGEN).time() >= LAST_SLOT:
        pytest.skip("the day's last slot has begun: a begun meeting cannot be cancelled")
    made = book_today(make_type, engine, at=LAST_SLOT)
    sign_in("admin.aarhus")
    page = client.get("/console/moeder")
    assert page.status_code == 200 and "Birthe Borger" in page.text
    assert ">Dagens møder</a>" in page.text.split("</nav>")[0]
    assert "Start mødet" not in page.text  # admins cancel meetings, they do not hold them
    ask = f'href="/console/moeder?aflys={made.id}#meeting-{made.id}"'
    assert ask in page.text

    confirm = client.get(f"/console/moeder?aflys={made.id}")  # no script: the page asks
    assert "Vil du aflyse mødet med Birthe Borger?" in confirm.text
    assert f'action="/console/moeder/{made.id}/aflys"' in confirm.text
    assert session.get_one(Booking, made.id).state == BookingState.BOOKED  # asking changes nothing

    done = post_form(client, f"/console/moeder/{made.id}/aflys", {}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/moeder?aflyst=1"
    session.expire_all()
    cancelled = session.get_one(Booking, made.id)
    assert (cancelled.state, cancelled.seat) == (BookingState.CANCELLED_BY_MUNICIPALITY, None)
    after = client.get(done.headers["location"])
    assert "Mødet er aflyst, og tiden er ledig igen." in after.text
    letter = session.scalars(select(Reply)).one()  # the citizen is told, on the letterhead
    assert (letter.to, letter.subject, letter.agent_id) == (
        "birthe@example.dk", "Dit møde er aflyst", None,
    )  # fmt: skip
    assert "Kommunen har desværre måttet aflyse dit møde." in (letter.text or "")
    assert "Book en ny tid: http://127.0.0.1:8000/book/0751" in (letter.text or "")
    assert letter.mime is not None and b"text/calendar" not in letter.mime  # nothing to add
    assert "Birthe Borger" not in after.text
    again = post_form(client, f"/console/moeder/{made.id}/aflys", {})
    assert again.status_code == 409
    assert "Mødet er allerede aflyst, holdt eller begyndt; intet blev ændret." in again.text


def test_who_may_not_cancel_sees_no_button_and_is_refused(
    client: TestClient, sign_in: SignIn, make_type: MakeType, engine: Engine, session: Session
) -> None:
    made = book_today(make_type, engine)
    sign_in("agent.odense")
    assert "Aflys mødet" not in client.get(f"/console/moeder?aflys={made.id}").text
    assert post_form(client, f"/console/moeder/{made.id}/aflys", {}).status_code == 403
    assert session.scalars(select(Reply)).all() == []  # a refused cancellation tells nobody
    sign_in("admin.kobenhavn")
    assert "Birthe Borger" not in client.get("/console/moeder").text  # another municipality's
    assert post_form(client, f"/console/moeder/{made.id}/aflys", {}).status_code == 403
    assert session.scalars(select(Reply)).all() == []  # a refused cancellation tells nobody
    session.expire_all()
    assert session.get_one(Booking, made.id).state == BookingState.BOOKED
