"""The public booking page through the real app: no JavaScript, Danish with an English link,
the form check, the rate limit per address, the confirmation with its calendar file, and two
concurrent requests for the last slot."""

import email
import math
import re
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import Settings
from hotline.db import utcnow
from hotline.meetings import pages, service
from hotline.meetings.models import Booking, BookingState
from hotline.ratelimit.models import RateLimitWindow
from hotline.replies.models import Reply
from tests.conftest import serving
from tests.mail.sink import free_port
from tests.meetings.conftest import MakeType

EVERY_DAY = {day: [("08:00", "20:00")] for day in range(7)}


def form(settings: Settings, slot: str, **changes: Any) -> dict[str, Any]:
    """A filled-in form, as a person submits it some seconds after the page was shown."""
    values: dict[str, Any] = {
        "form_token": service.form_token(settings, "0751", now=utcnow() - timedelta(seconds=30)),
        "starts_at": slot,
        "q_emne": "Ansøgning om folkepension",
        "q_type": "Folkepension",
        "q_bilag": ["A", "B"],
        "q_mitid": "yes",
        "citizen_name": "Birthe Borger",
        "citizen_email": "birthe@example.dk",
        "privacy_accepted": "yes",
        "website": "",
    }
    return {**values, **changes}


def first_free(session: Session) -> str:
    return service.available_slots(session, "0751", "folkepension")[0].starts_at.isoformat()


@pytest.fixture
def open_type(make_type: MakeType) -> None:
    make_type(opening_hours=EVERY_DAY, min_notice_hours=0, horizon_days=14)


def test_the_type_list_is_danish_with_a_link_to_english(
    client: TestClient, open_type: None
) -> None:
    danish = client.get("/book/0751")
    assert danish.status_code == 200
    assert '<html lang="da">' in danish.text
    assert "Folkepension - telefonmøde" in danish.text
    assert 'href="/book/0751?lang=en"' in danish.text
    english = client.get("/book/0751?lang=en")
    assert '<html lang="en">' in english.text and "Book a meeting" in english.text
    assert 'href="/book/0751/folkepension?lang=en"' in english.text
    assert "<script" not in danish.text


def test_the_form_shows_free_times_and_every_kind_of_question(
    client: TestClient, open_type: None, session: Session
) -> None:
    page = client.get("/book/0751/folkepension")
    assert page.status_code == 200
    assert f'value="{first_free(session)}"' in page.text
    for name in ("q_emne", "q_detaljer", "q_type", "q_bilag", "q_fra", "q_mitid"):
        assert f'name="{name}"' in page.text
    assert 'type="date"' in page.text and 'type="checkbox" name="q_bilag"' in page.text


def test_booking_through_the_page_queues_the_letter_with_a_copenhagen_calendar_file(
    client: TestClient, open_type: None, session: Session, settings: Settings
) -> None:
    slot = first_free(session)
    answer = client.post(
        "/book/0751/folkepension", data=form(settings, slot), follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"])
    assert "Dit møde er booket" in page.text
    booking = session.scalars(select(Booking)).one()
    assert booking.starts_at.isoformat() == slot
    assert [a["key"] for a in booking.answers] == ["emne", "type", "bilag", "mitid"]

    reply = session.scalars(select(Reply)).one()
    assert reply.agent_id is None and reply.to == "birthe@example.dk"
    message = email.message_from_bytes(reply.mime or b"", policy=SMTP)
    assert isinstance(message, EmailMessage)
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert ics.get_filename() == "moede.ics"
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    event = next(iter(calendar.walk("VEVENT")))
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert event.decoded("DTSTART") == booking.starts_at
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    assert "/book/manage/" in reply.text


def test_cancelling_through_the_page_frees_the_time(
    client: TestClient, open_type: None, session: Session, settings: Settings
) -> None:
    slot = first_free(session)
    manage = client.post(
        "/book/0751/folkepension", data=form(settings, slot), follow_redirects=False
    )
    cancelled = client.post(manage.headers["location"].split("?")[0] + "/cancel")
    assert cancelled.status_code == 200 and "Mødet er aflyst." in cancelled.text
    assert first_free(session) == slot
    again = client.post(manage.headers["location"].split("?")[0] + "/cancel")
    assert again.status_code == 409  # used after cancel: nothing changes


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"website": "http://spam.example"}, 422, "Formularen kunne ikke modtages"),
        ({"q_emne": ""}, 422, "Besvar spørgsmålet: Hvad drejer det sig om?"),
        ({"q_detaljer": "cpr 010190-1234"}, 422, "Skriv ikke CPR-numre her."),
        ({"citizen_email": ""}, 422, "Giv et telefonnummer eller en e-mailadresse (eller begge)."),
    ],
)
def test_a_refused_form_comes_back_with_the_answers_kept(
    client: TestClient, open_type: None, session: Session, settings: Settings,
    changes: dict[str, Any], status: int, message: str,
) -> None:  # fmt: skip
    page = client.post(
        "/book/0751/folkepension", data=form(settings, first_free(session), **changes)
    )
    assert page.status_code == status
    assert message in page.text
    assert 'value="Birthe Borger"' in page.text
    assert session.scalars(select(Booking)).all() == []


def at(settings: Settings, moment: datetime) -> FastAPI:
    """The app with its request clock stopped at ``moment``."""
    app = create_app(settings)
    app.dependency_overrides[pages.request_time] = lambda: moment
    return app


def test_the_rate_limit_per_address_is_kept_in_the_database(
    open_type: None, session: Session, settings: Settings
) -> None:
    strict = settings.model_copy(update={"booking_attempts_per_address": 2})
    now = datetime(2026, 12, 1, 9, 17, 42, 250_000, tzinfo=UTC)
    issued = service.form_token(settings, "0751", now=now - timedelta(seconds=30))
    bot = form(settings, first_free(session), website="http://spam.example", form_token=issued)
    with TestClient(at(strict, now), raise_server_exceptions=False) as client:
        assert [client.post("/book/0751/folkepension", data=bot).status_code for _ in range(3)] == [
            422,
            422,
            429,
        ]
    window = session.scalars(select(RateLimitWindow)).one()
    assert window.hits == 2  # the refusal adds none
    assert window.window_start == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the hour's window
    window_end = window.window_start + timedelta(seconds=strict.booking_attempt_window_seconds)

    later = now + timedelta(minutes=10)
    with TestClient(at(strict, later), raise_server_exceptions=False) as restarted:
        refused = restarted.post("/book/0751/folkepension", data=bot)
    assert refused.status_code == 429  # a restart (or another worker) remembers the address
    # Until the stored window ends: 10:00:00 - 09:27:42.25 is 1,937.75 s, rounded up.
    assert int(refused.headers["Retry-After"]) == math.ceil((window_end - later).total_seconds())
    assert refused.headers["Retry-After"] == "1938"

    a_minute_before_the_end = window_end - timedelta(minutes=1)
    with TestClient(at(strict, a_minute_before_the_end), raise_server_exceptions=False) as client:
        assert client.post("/book/0751/folkepension", data=bot).headers["Retry-After"] == "60"
    with TestClient(at(strict, window_end), raise_server_exceptions=False) as next_window:
        assert next_window.post("/book/0751/folkepension", data=bot).status_code == 422


def test_two_concurrent_requests_for_the_last_slot_get_one_booking_and_one_taken(
    open_type: None, session: Session, settings: Settings
) -> None:
    slot = first_free(session)
    port = free_port()
    start = threading.Barrier(2, timeout=10)
    answers: list[httpx.Response] = []

    def citizen(name: str) -> None:
        data = form(settings, slot, citizen_name=name)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            start.wait()
            answers.append(http.post("/book/0751/folkepension", data=data))

    with serving(create_app(settings), port):
        threads = [threading.Thread(target=citizen, args=(n,)) for n in ("Anne", "Bent")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [303, 409]
    taken = next(a for a in answers if a.status_code == 409)
    assert "Tiden er lige blevet taget. Vælg en anden tid." in taken.text
    booked = session.scalars(select(Booking)).all()
    assert len(booked) == 1 and booked[0].state == BookingState.BOOKED


def field_error(page: httpx.Response, field: str) -> str:
    """The message shown beside ``field``, after checking the input is tied to it."""
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page.text)
    assert found, f"no message beside {field}"
    return found.group(1)


def described_by(page: httpx.Response, element_id: str) -> list[str]:
    tag = re.search(rf'<[^>]* id="{element_id}"[^>]*>', page.text)
    assert tag, element_id
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return described.group(1).split() if described else []


def is_invalid(page: httpx.Response, element_id: str) -> bool:
    tag = re.search(rf'<[^>]* id="{element_id}"[^>]*>', page.text)
    return bool(tag) and 'aria-invalid="true"' in tag.group(0)


NO_TECHNICAL_WORDS = ("Tjek feltet", "Check the field", "value is not", "String should",
                      "Value error", "\"type\":")  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "changes", "field", "message", "label"),
    [
        ("da", {"citizen_email": "birthe.example.dk"}, "citizen_email",
         "Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.", "E-mail"),
        ("en", {"citizen_email": "birthe.example.dk"}, "citizen_email",
         "Write a valid email address, e.g. name@example.com.", "Email"),
        ("da", {"citizen_name": "B" * 121}, "citizen_name",
         "Teksten er for lang (højst 120 tegn).", "Navn"),
        ("en", {"citizen_name": "B" * 121}, "citizen_name",
         "The text is too long (at most 120 characters).", "Name"),
        ("da", {"citizen_email": "", "citizen_phone": ""}, "contact",
         "Giv et telefonnummer eller en e-mailadresse (eller begge).", "Dine kontaktoplysninger"),
        ("en", {"citizen_email": "", "citizen_phone": ""}, "contact",
         "Give a phone number or an email address (or both).", "Your contact details"),
        ("da", {"citizen_name": "Birthe 010190-1234"}, "citizen_name",
         "Skriv ikke CPR-numre her. Ret feltet, og send igen.", "Navn"),
        ("en", {"q_detaljer": "cpr 010190-1234"}, "q_detaljer",
         "Do not write CPR numbers here. Correct the field and send it again.", "Fortæl mere"),
        ("en", {"q_emne": ""}, "q_emne", "Check your answer to this question.",
         "Hvad drejer det sig om?"),
    ],
)  # fmt: skip
def test_a_refusal_is_in_the_page_language_beside_its_field_with_every_value_kept(
    client: TestClient, open_type: None, session: Session, settings: Settings,
    lang: str, changes: dict[str, Any], field: str, message: str, label: str,
) -> None:  # fmt: skip
    posted = form(settings, first_free(session), **changes)
    page = client.post(f"/book/0751/folkepension?lang={lang}", data=posted)
    assert page.status_code == 422
    assert field_error(page, field) == message
    inputs = ["citizen_phone", "citizen_email"] if field == "contact" else [field]
    for element_id in inputs:
        assert f"{field}-error" in described_by(page, element_id)
        if not field.startswith("q_") or field == "q_detaljer":
            assert is_invalid(page, element_id)
    assert f"{label}: {message}</a>" in page.text  # the summary names the field
    assert not any(word in page.text for word in NO_TECHNICAL_WORDS)
    for name in ("citizen_name", "citizen_email", "q_emne", "q_detaljer"):
        if posted.get(name):
            assert f'value="{posted[name]}"' in page.text or f">{posted[name]}</textarea>" in (
                page.text
            )
    assert f'value="{posted["starts_at"]}" required checked' in page.text
    assert 'name="privacy_accepted" value="yes" required checked' in page.text
    assert session.scalars(select(Booking)).all() == []


@pytest.mark.parametrize(
    ("path", "status", "danish", "english", "back"),
    [
        ("/book/9999", 404, "Siden findes ikke.", "The page does not exist.",
         "https://www.borger.dk"),
        ("/book/abc", 404, "Siden findes ikke.", "The page does not exist.",
         "https://www.borger.dk"),
        ("/book/0751/findes-ikke", 404, "Siden findes ikke.", "The page does not exist.",
         "/book/0751"),
        ("/book/manage/not.a.link", 400, "Linket virker ikke.", "The link does not work.",
         "https://www.borger.dk"),
    ],
)  # fmt: skip
def test_a_page_that_cannot_be_shown_is_an_html_page_in_its_language_with_a_way_back(
    client: TestClient, open_type: None,
    path: str, status: int, danish: str, english: str, back: str,
) -> None:  # fmt: skip
    for lang, message, title in (("da", danish, "Det gik ikke"),
                                 ("en", english, "Something went wrong")):  # fmt: skip
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == status
        assert page.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in page.text and f"<h1>{title}</h1>" in page.text
        assert message in page.text
        expected_back = back if back.startswith("http") or lang == "da" else f"{back}?lang=en"
        assert f'<a href="{expected_back}">' in page.text
        assert "No municipality" not in page.text and "<script" not in page.text


def booked_link(client: TestClient, session: Session, settings: Settings) -> str:
    """The citizen's own page of a booking made through the form."""
    manage = client.post(
        "/book/0751/folkepension", data=form(settings, first_free(session)), follow_redirects=False
    )
    return str(manage.headers["location"]).split("?")[0]


def test_a_booking_link_with_a_character_too_many_is_refused_on_a_page(
    client: TestClient, open_type: None, session: Session, settings: Settings
) -> None:
    path = booked_link(client, session, settings)
    page = client.get(f"{path}x")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "Linket virker ikke. Brug linket præcis, som det stod i e-mailen." in page.text
    cancel = client.post(f"{path}x/cancel?lang=en")
    assert cancel.status_code == 400 and "The link does not work." in cancel.text


def test_cancelling_from_a_stale_second_tab_says_so_on_the_page(
    client: TestClient, open_type: None, session: Session, settings: Settings
) -> None:
    path = booked_link(client, session, settings)
    assert client.post(f"{path}/cancel").status_code == 200  # the first tab
    for lang, message in (
        ("da", "Mødet er allerede aflyst, holdt eller begyndt"),
        ("en", "The meeting has already been cancelled, held or begun"),
    ):
        again = client.post(f"{path}/cancel?lang={lang}")
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("text/html")
        assert message in again.text and f'<html lang="{lang}">' in again.text
        assert '"title"' not in again.text  # no problem document
    session.expire_all()
    assert session.scalars(select(Booking)).one().state == BookingState.CANCELLED_BY_CITIZEN
