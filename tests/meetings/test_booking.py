"""Booking through the service: the form check, answers and the CPR guard, overrides, the race
for the last slot, and the citizen's signed cancel/move link."""

import base64
import json
import threading
from datetime import date, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, SignedLinkActor
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction
from hotline.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from hotline.kit.signed_links import SignedLinkExpired, SignedLinkInvalid
from hotline.letterheads.texts import CprNumberInLetterhead
from hotline.meetings import service
from hotline.meetings.models import Booking, BookingState
from hotline.meetings.schemas import BookingIn, OverrideIn
from hotline.meetings.service import (
    BookingClosed,
    CprNumberInBooking,
    CprNumberInMeetingType,
    FormTooFast,
    SlotTaken,
    SlotUnavailable,
)
from tests.meetings.conftest import GOOD_ANSWERS, MakeType, local

MONDAY = date(2026, 11, 30)
NOW = local(MONDAY, 7)  # Monday morning: the day's 09:00 slot is bookable (2 h notice)
AARHUS = SignedLinkActor(Action.BOOK_MEETING, "0751")


def booking(**overrides: Any) -> BookingIn:
    values: dict[str, Any] = {
        "meeting_type": "folkepension",
        "starts_at": local(MONDAY, 9).isoformat(),
        "answers": GOOD_ANSWERS,
        "citizen_name": "Birthe Borger",
        "citizen_phone": "12345678",
        "privacy_accepted": True,
    }
    return BookingIn.model_validate({**values, **overrides})


def book(engine: Engine, data: BookingIn | None = None, actor: Any = AARHUS) -> Booking:
    with transaction(make_sessionmaker(engine)) as session:
        return service.book_meeting(session, actor, "0751", data or booking(), now=NOW)


def test_a_booking_keeps_the_answers_in_question_order(make_type: MakeType, engine: Engine) -> None:
    make_type()
    made = book(engine)
    assert made.state == BookingState.BOOKED
    assert made.seat == 1
    assert made.local_month == "2026-11"
    assert made.ends_at - made.starts_at == timedelta(minutes=30)
    assert [a["key"] for a in made.answers] == ["emne", "type", "bilag", "fra", "mitid"]
    assert made.answers[2]["value"] == ["A", "B"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({**GOOD_ANSWERS, "emne": ""}, "Besvar spørgsmålet: Hvad drejer det sig om?"),
        ({**GOOD_ANSWERS, "type": "Anden"}, "Vælg blandt svarmulighederne: Hvilken pension?"),
        ({**GOOD_ANSWERS, "bilag": ["C"]}, "Vælg blandt svarmulighederne: Hvad har du?"),
        ({**GOOD_ANSWERS, "fra": "1. januar"}, "Skriv en dato (åååå-mm-dd): Fra hvornår?"),
        ({**GOOD_ANSWERS, "mitid": "måske"}, "Svar ja eller nej: Har du MitID?"),
        ({**GOOD_ANSWERS, "skonummer": "44"}, "Ukendte spørgsmål: skonummer."),
    ],
)
def test_answers_are_checked_against_the_questions(
    make_type: MakeType, engine: Engine, answers: dict[str, Any], message: str
) -> None:
    make_type()
    with pytest.raises(InvalidInput) as raised:
        book(engine, booking(answers=answers))
    assert raised.value.detail.startswith(message)


def test_a_cpr_number_in_any_answer_or_detail_is_refused(
    make_type: MakeType, engine: Engine, session: Session
) -> None:
    make_type()
    with pytest.raises(CprNumberInBooking):
        book(engine, booking(answers={**GOOD_ANSWERS, "detaljer": "mit cpr er 010190-1234"}))
    with pytest.raises(CprNumberInBooking):
        book(engine, booking(citizen_name="0101901234"))
    assert session.scalars(select(Booking)).all() == []


def test_a_cpr_number_in_a_meeting_types_texts_is_refused_as_the_meeting_types(
    make_type: MakeType, demo_users: dict[str, User], session: Session
) -> None:
    with pytest.raises(CprNumberInMeetingType):
        make_type(title="Folkepension for 010190-1234")
    kind = make_type()
    admin = session.get_one(User, demo_users["admin.aarhus"].id)
    with pytest.raises(CprNumberInMeetingType):
        service.set_override(
            session, admin, "0751", kind.id, OverrideIn(local_instructions="Ring til 0101901234")
        )


@pytest.mark.usefixtures("aarhus_letterhead_with_a_cpr_number")
def test_a_booking_whose_confirmation_cannot_be_composed_is_not_kept(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session
) -> None:
    """The booking page rolls its transaction back when the confirmation is refused: the seat
    taken in a savepoint must go with it, also on SQLite."""
    from hotline.meetings.confirmation import queue_confirmation

    make_type()
    with make_sessionmaker(engine)() as page:
        made = service.book_meeting(
            page, AARHUS, "0751", booking(citizen_email="birthe@example.dk"), now=NOW
        )
        with pytest.raises(CprNumberInLetterhead):
            queue_confirmation(page, settings, made)
        page.rollback()
    assert session.scalars(select(Booking)).all() == []


def test_privacy_must_be_accepted(make_type: MakeType, engine: Engine) -> None:
    make_type()
    with pytest.raises(InvalidInput):
        book(engine, booking(privacy_accepted=False))


def test_a_slot_off_the_grid_or_too_soon_is_refused(make_type: MakeType, engine: Engine) -> None:
    make_type()
    with pytest.raises(SlotUnavailable):
        book(engine, booking(starts_at=local(MONDAY, 9, 10).isoformat()))
    with pytest.raises(SlotUnavailable):
        book(engine, booking(starts_at=local(MONDAY, 8, 30).isoformat()))  # before opening
    with pytest.raises(SlotUnavailable):
        book(engine, booking(starts_at="2026-11-30T09:00"))  # no zone: ambiguous


def test_the_booking_form_is_for_one_municipality(make_type: MakeType, engine: Engine) -> None:
    make_type()
    with pytest.raises(Forbidden):
        book(engine, actor=SignedLinkActor(Action.BOOK_MEETING, "0101"))


def test_a_municipality_hides_a_type_and_adds_local_questions(
    make_type: MakeType, engine: Engine, demo_users: dict[str, User], session: Session
) -> None:
    kind = make_type()
    admin = session.get_one(User, demo_users["admin.aarhus"].id)
    local_question = {
        "key": "lokal",
        "label": "Bor du i Aarhus?",
        "kind": "yes_no",
        "required": True,
    }
    first = service.set_override(
        session, admin, "0751", kind.id,
        OverrideIn(local_questions=[local_question], local_instructions="Ring fra 8920 0000"),
    )  # fmt: skip
    session.commit()
    read = service.override_version(first)
    offered = service.offered_type(session, "0751", "folkepension")
    assert [q.key for q in offered.questions][-1] == "lokal"
    assert offered.local_instructions == "Ring fra 8920 0000"
    assert [q.key for q in service.offered_type(session, "0101", "folkepension").questions][
        -1
    ] == "mitid"
    with pytest.raises(InvalidInput):
        book(engine)  # the local question is required in Aarhus
    assert (
        book(engine, booking(answers={**GOOD_ANSWERS, "lokal": "no"})).answers[-1]["value"] == "no"
    )

    with pytest.raises(PreconditionRequired):  # changing an override names the version read
        service.set_override(session, admin, "0751", kind.id, OverrideIn(hidden=True))
    session.rollback()
    with pytest.raises(PreconditionFailed):
        service.set_override(session, admin, "0751", kind.id, OverrideIn(hidden=True), '"x"')
    session.rollback()
    service.set_override(session, admin, "0751", kind.id, OverrideIn(hidden=True), read)
    session.commit()
    assert service.offered_types(session, "0751") == []
    with pytest.raises(NotFound):
        service.available_slots(session, "0751", "folkepension", now=NOW)
    with pytest.raises(Forbidden):
        service.set_override(session, admin, "0101", kind.id, OverrideIn(hidden=True))


def test_booked_seats_leave_the_free_slots(
    make_type: MakeType, engine: Engine, session: Session
) -> None:
    make_type(parallel_agents=2)
    book(engine)
    first = service.available_slots(session, "0751", "folkepension", now=NOW, days=1)[0]
    assert (first.starts_at, first.free_seats) == (local(MONDAY, 9), 1)
    book(engine)
    first = service.available_slots(session, "0751", "folkepension", now=NOW, days=1)[0]
    assert first.starts_at == local(MONDAY, 9, 30)
    with pytest.raises(SlotTaken):
        book(engine)


def test_two_citizens_racing_for_the_last_slot_get_one_booking_and_one_taken(
    make_type: MakeType, engine: Engine, session: Session
) -> None:
    """Both pass every check before either commits; the unique seat decides."""
    make_type(parallel_agents=1)
    both_checked = threading.Barrier(2, timeout=10)
    results: list[object] = []

    def citizen(name: str) -> None:
        factory = make_sessionmaker(engine)
        try:
            with transaction(factory) as own:
                own_type = service.offered_type(own, "0751", "folkepension")
                assert service.is_bookable_start(own_type.meeting_type, local(MONDAY, 9), NOW)
                both_checked.wait()  # both saw the slot free
                made = service.book_meeting(
                    own, AARHUS, "0751", booking(citizen_name=name), now=NOW
                )
                results.append(made.citizen_name)
        except SlotTaken as exc:
            results.append(exc)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in ("Anne", "Bent")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    taken = [r for r in results if isinstance(r, SlotTaken)]
    booked = [r for r in results if isinstance(r, str)]
    assert len(taken) == 1 and len(booked) == 1, results
    assert "Vælg en anden tid" in taken[0].detail
    stored = session.scalars(select(Booking)).all()
    assert [b.citizen_name for b in stored] == booked


# ---------------------------------------------------------------- the citizen's signed link


def test_the_link_cancels_once_and_frees_the_seat(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session
) -> None:
    make_type()
    token = service.manage_token(settings, book(engine))
    with transaction(make_sessionmaker(engine)) as own:
        cancelled = service.cancel_by_link(own, settings, token, now=NOW)
    assert cancelled.state == BookingState.CANCELLED_BY_CITIZEN and cancelled.seat is None
    with pytest.raises(BookingClosed), transaction(make_sessionmaker(engine)) as own:
        service.cancel_by_link(own, settings, token, now=NOW)
    with pytest.raises(BookingClosed), transaction(make_sessionmaker(engine)) as own:
        service.move_by_link(own, settings, token, local(MONDAY, 10).isoformat(), now=NOW)
    assert book(engine).seat == 1  # the slot is free again


def test_the_link_moves_to_another_free_slot(
    make_type: MakeType, engine: Engine, settings: Settings
) -> None:
    make_type()
    first = book(engine)
    other = book(engine, booking(starts_at=local(MONDAY, 10).isoformat()))
    token = service.manage_token(settings, first)
    with pytest.raises(SlotTaken), transaction(make_sessionmaker(engine)) as own:
        service.move_by_link(own, settings, token, other.starts_at.isoformat(), now=NOW)
    with transaction(make_sessionmaker(engine)) as own:
        moved = service.move_by_link(own, settings, token, local(MONDAY, 11).isoformat(), now=NOW)
    assert moved.starts_at == local(MONDAY, 11) and moved.seat == 1
    assert book(engine).starts_at == local(MONDAY, 9)  # the old slot is free


def test_a_tampered_or_foreign_link_is_invalid(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session
) -> None:
    make_type()
    made = book(engine)
    token = service.manage_token(settings, made)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    other_booking = base64.urlsafe_b64encode(
        json.dumps({**claims, "bk": made.id + 1}).encode()
    ).rstrip(b"=")
    tampered = f"{header}.{other_booking.decode()}.{signature}"
    for bad in (tampered, token[:-3], "not-a-token"):
        with pytest.raises(SignedLinkInvalid):
            service.booking_for_link(session, settings, bad, now=NOW)
    other_purpose = jwt.encode(
        {"purpose": "forward-handled", "bk": made.id, "mun": "0751", "exp": 4102444800},
        settings.signing_key,
        algorithm="HS256",
    )
    with pytest.raises(SignedLinkInvalid):
        service.booking_for_link(session, settings, other_purpose, now=NOW)
    other_municipality = jwt.encode(
        {"purpose": service.MANAGE_PURPOSE, "bk": made.id, "mun": "0101", "exp": 4102444800},
        settings.signing_key,
        algorithm="HS256",
    )
    with pytest.raises(Forbidden):
        service.booking_for_link(session, settings, other_municipality, now=NOW)


def test_the_link_expires_when_the_meeting_starts(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session
) -> None:
    """The expiry is the meeting's start; a link used after it is refused as expired."""
    make_type()
    made = book(engine)
    token = service.manage_token(settings, made)
    assert service.booking_for_link(
        session, settings, token, now=made.starts_at - timedelta(seconds=1)
    )
    with pytest.raises(SignedLinkExpired):
        service.booking_for_link(session, settings, token, now=made.starts_at)
    with pytest.raises(SignedLinkExpired), transaction(make_sessionmaker(engine)) as own:
        service.cancel_by_link(own, settings, token, now=made.starts_at + timedelta(minutes=5))


# ---------------------------------------------------------------- the form check


def test_the_form_check_refuses_the_honeypot_and_instant_submissions(settings: Settings) -> None:
    token = service.form_token(settings, "0751", now=NOW)
    actor = service.form_actor(settings, token, "", now=NOW + timedelta(seconds=20))
    assert actor == AARHUS
    with pytest.raises(FormTooFast):
        service.form_actor(settings, token, "http://spam.example", now=NOW + timedelta(seconds=20))
    with pytest.raises(FormTooFast):
        service.form_actor(settings, token, "", now=NOW + timedelta(seconds=1))
    with pytest.raises(SignedLinkExpired):
        service.form_actor(settings, token, "", now=NOW + timedelta(days=1))
    with pytest.raises(SignedLinkInvalid):
        service.form_actor(settings, token + "x", "", now=NOW + timedelta(seconds=20))


# ---------------------------------------------------------------- the reminder


def test_the_reminder_is_queued_once_within_24_hours_of_the_meeting(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session
) -> None:
    from hotline.meetings.confirmation import queue_due_reminders
    from hotline.replies.models import Reply

    make_type()
    made = book(engine, booking(citizen_email="birthe@example.dk"))
    day_before = made.starts_at - timedelta(hours=25)
    assert queue_due_reminders(session, settings, now=day_before) == 0
    assert queue_due_reminders(session, settings, now=day_before + timedelta(hours=2)) == 1
    assert queue_due_reminders(session, settings, now=day_before + timedelta(hours=3)) == 0
    session.commit()
    reminder = session.scalars(select(Reply)).one()
    assert reminder.subject == "Påmindelse om dit møde" and reminder.agent_id is None
    assert "/book/manage/" in (reminder.text or "")


def test_the_worker_queues_a_reminder_within_minutes_of_it_falling_due(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The worker's hourly housekeeping would send it up to an hour late; the reminder job
    runs every REMINDER_CHECK_INTERVAL."""
    from hotline.housekeeping import HOUSEKEEPING, REMINDER_CHECK_INTERVAL
    from hotline.replies import worker as outbox_worker
    from hotline.replies.models import Reply

    make_type()
    made = book(engine, booking(citizen_email="birthe@example.dk"))
    clock = [made.starts_at - timedelta(hours=24, minutes=3)]  # three minutes before it is due
    monkeypatch.setattr(outbox_worker, "utcnow", lambda: clock[0])
    worker = outbox_worker.Worker(settings, HOUSEKEEPING)
    try:
        worker._housekeeping_when_due()  # the start: every job runs once
        assert session.scalars(select(Reply)).all() == []
        clock[0] += REMINDER_CHECK_INTERVAL  # due two minutes ago; the hourly jobs are not
        worker._housekeeping_when_due()
    finally:
        worker._engine.dispose()
    reminder = session.scalars(select(Reply)).one()
    assert reminder.subject == "Påmindelse om dit møde"
    queued_at = session.get_one(Booking, made.id).reminder_queued_at
    assert queued_at == clock[0] and made.starts_at - queued_at == timedelta(hours=23, minutes=58)


@pytest.mark.usefixtures("aarhus_letterhead_with_a_cpr_number")
def test_a_reminder_that_cannot_be_composed_keeps_no_other_mail_waiting(
    make_type: MakeType, engine: Engine, settings: Settings, session: Session,
    demo_users: dict[str, User], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Aarhus's letterhead fails the CPR guard, so its citizen's reminder cannot be composed.
    In the same round of the worker, Odense's citizen is reminded and an Odense agent's reply
    is delivered; the refused reminder is logged, tried again at the next check, and goes out
    once the letterhead is mended."""
    import asyncio

    from hotline.housekeeping import HOUSEKEEPING, REMINDER_CHECK_INTERVAL
    from hotline.kit.danish_calendar import is_closed_day
    from hotline.letterheads.service import reset_letterhead
    from hotline.municipalities.models import Municipality
    from hotline.replies import service as replies
    from hotline.replies import worker as outbox_worker
    from hotline.replies.models import Reply
    from tests.replies.conftest import reply_request

    make_type(opening_hours={day: [("09:00", "12:00")] for day in range(7)}, min_notice_hours=0)
    day = date.today() + timedelta(days=2)  # after the replies queued now: they are due
    while is_closed_day(day):
        day += timedelta(days=1)
    odense_link = SignedLinkActor(Action.BOOK_MEETING, "0461")
    with transaction(make_sessionmaker(engine)) as writing:
        aarhus, odense = (
            service.book_meeting(
                writing, actor, code,
                booking(starts_at=local(day, 10, minute).isoformat(), citizen_email=email),
                now=local(day, 7),
            )
            for actor, code, minute, email in [
                (AARHUS, "0751", 0, "birthe@example.dk"),
                (odense_link, "0461", 30, "ole@example.dk"),
            ]
        )  # fmt: skip
        agent = writing.get_one(User, demo_users["agent.odense"].id)
        replies.submit(writing, settings, reply_request(municipality="0461"), agent)
    clock = [odense.starts_at - timedelta(hours=23)]  # both reminders are due
    monkeypatch.setattr(outbox_worker, "utcnow", lambda: clock[0])
    worker = outbox_worker.Worker(settings, HOUSEKEEPING)

    asyncio.run(worker.run(until_idle=True))
    sent = {reply.to: reply.status for reply in session.scalars(select(Reply))}
    assert sent == {"borger@example.dk": "sent", "ole@example.dk": "sent"}
    assert session.get_one(Booking, aarhus.id).reminder_queued_at is None
    assert f"The reminder of booking {aarhus.id} failed" in caplog.text
    session.rollback()

    with transaction(make_sessionmaker(engine)) as writing:
        admin = writing.get_one(User, demo_users["admin.aarhus"].id)
        reset_letterhead(writing, settings, writing.get_one(Municipality, "0751"), admin)
    clock[0] += REMINDER_CHECK_INTERVAL
    asyncio.run(worker.run(until_idle=True))
    reminded = session.scalars(select(Reply).where(Reply.to == "birthe@example.dk")).one()
    assert (reminded.subject, reminded.status) == ("Påmindelse om dit møde", "sent")
