"""After HOTLINE_BOOKING_RETENTION_DAYS from a meeting's end the worker erases the citizen's
name, phone, email and answers; the anonymised booking stays in the meeting reports, and the
booking page's privacy text states the same period."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.housekeeping import HOUSEKEEPING
from hotline.meetings import reports
from hotline.meetings.models import Booking
from hotline.meetings.retention import erase_expired_bookings
from tests.meetings.test_pages import open_type
from tests.meetings.test_reports import a_morning

__all__ = ["a_morning", "open_type"]


def _counts(session: Session, admin: User) -> list[tuple[str, int, dict[str, int]]]:
    rows = reports.meeting_report(session, admin, municipality_code="0751",
                                  month_from="2026-11", month_to="2026-11")  # fmt: skip
    return [(row.meeting_type, row.booked, dict(row.counts)) for row in rows]


def test_details_and_answers_are_erased_after_the_period_and_the_reports_still_count(
    a_morning: None, session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    admin = session.get_one(User, demo_users["admin.aarhus"].id)
    bookings = session.scalars(select(Booking).order_by(Booking.starts_at)).all()
    first, *later = bookings
    before = _counts(session, admin)
    due = first.ends_at + timedelta(days=settings.booking_retention_days)

    assert erase_expired_bookings(session, settings, due - timedelta(minutes=1)) == 0
    assert erase_expired_bookings(session, settings, due + timedelta(minutes=1)) == 1
    session.commit()
    session.expire_all()

    erased = session.get_one(Booking, first.id)
    assert (erased.citizen_name, erased.citizen_phone, erased.citizen_email) == (None, None, None)
    assert erased.answers == [] and erased.erased_at == due + timedelta(minutes=1)
    assert (erased.state, erased.municipality_code, erased.started_at) == (
        "held", "0751", first.started_at,
    )  # fmt: skip
    for kept in later:
        assert session.get_one(Booking, kept.id).citizen_name == "Birthe Borger"
        assert session.get_one(Booking, kept.id).answers != []

    last_end = max(booking.ends_at for booking in bookings)
    after_all = last_end + timedelta(days=settings.booking_retention_days, minutes=1)
    assert erase_expired_bookings(session, settings, after_all) == len(later)
    assert erase_expired_bookings(session, settings, after_all) == 0  # erased once
    session.commit()
    session.expire_all()
    assert session.scalars(select(Booking.citizen_name)).all() == [None] * len(bookings)
    assert _counts(session, admin) == before
    assert before[0][1] == 5


def test_the_worker_runs_the_erasure_in_its_housekeeping() -> None:
    assert erase_expired_bookings in HOUSEKEEPING


def test_the_privacy_text_states_the_period_the_worker_erases_after(
    client: TestClient, open_type: None, settings: Settings
) -> None:
    days = settings.booking_retention_days
    assert days == settings.contact_retention_days == 90
    danish = client.get("/book/0751/folkepension")
    assert f"sletter dem {days} dage efter mødet" in danish.text
    english = client.get("/book/0751/folkepension?lang=en")
    assert f"deletes them {days} days after the meeting" in english.text
