"""The meeting numbers: what became of the bookings per month and type, and how early the
held meetings started (chart, its table twin, Danish CSV)."""

import base64
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.errors import Forbidden
from hotline.meetings import agenda, reports, service
from hotline.meetings.models import BookingState
from tests.meetings.conftest import MakeType, local
from tests.meetings.test_booking import book, booking

MONDAY = date(2026, 11, 30)


@pytest.fixture
def a_morning(
    make_type: MakeType, engine: Engine, session: Session, demo_users: dict[str, User]
) -> None:
    """Five bookings: two held (3 min and 1 min early), a no-show, one cancelled by the
    municipality, one still booked."""
    make_type(parallel_agents=5)
    slots = [local(MONDAY, 9) + timedelta(minutes=30 * i) for i in range(5)]
    made = [book(engine, booking(starts_at=slot.isoformat())) for slot in slots]
    anna = session.get_one(User, demo_users["agent.aarhus"].id)
    admin = session.get_one(User, demo_users["admin.aarhus"].id)
    agenda.start_meeting(session, anna, made[0].id, now=made[0].starts_at - timedelta(minutes=3))
    agenda.start_meeting(session, anna, made[1].id, now=made[1].starts_at - timedelta(seconds=60))
    agenda.record_no_show(session, anna, made[2].id, now=made[2].starts_at + timedelta(minutes=10))
    service.cancel_by_municipality(session, admin, made[3].id, now=local(MONDAY, 7))
    session.commit()


def test_bookings_are_counted_by_what_became_of_them(
    a_morning: None, session: Session, demo_users: dict[str, User]
) -> None:
    admin = session.get_one(User, demo_users["admin.aarhus"].id)
    rows = reports.meeting_report(session, admin, municipality_code="0751",
                                  month_from="2026-11", month_to="2026-11")  # fmt: skip
    assert [(r.month, r.meeting_type, r.booked) for r in rows] == [
        ("2026-11", "Folkepension - telefonmøde", 5)
    ]
    assert rows[0].counts == {
        BookingState.BOOKED: 1,
        BookingState.HELD: 2,
        BookingState.NO_SHOW: 1,
        BookingState.CANCELLED_BY_CITIZEN: 0,
        BookingState.CANCELLED_BY_MUNICIPALITY: 1,
    }
    csv = reports.meeting_csv(rows).decode("utf-8")
    assert csv.startswith("\ufeffmåned;mødetype;booket i alt;booket;holdt;udeblevet;")
    assert "2026-11;Folkepension - telefonmøde;5;1;2;1;0;1\r\n" in csv
    other = session.get_one(User, demo_users["admin.kobenhavn"].id)
    assert reports.meeting_report(session, other, municipality_code="0101",
                                  month_from="2026-11", month_to="2026-11") == []  # fmt: skip
    with pytest.raises(Forbidden):
        reports.meeting_report(session, other, municipality_code="0751",
                               month_from="2026-11", month_to="2026-11")  # fmt: skip


def test_how_early_meetings_start_has_a_chart_and_its_table_twin(
    a_morning: None, session: Session, demo_users: dict[str, User]
) -> None:
    supervisor = session.get_one(User, demo_users["supervisor"].id)
    report = reports.start_report(session, supervisor, month_from="2026-11", month_to="2026-11")
    assert report.held == 2
    assert report.median_minutes == pytest.approx(-2)
    assert dict(report.buckets) == {
        "mere end 5 min. før": 0, "2-5 min. før": 1, "0-2 min. før": 1,
        "0-2 min. efter": 0, "2-5 min. efter": 0, "mere end 5 min. efter": 0,
    }  # fmt: skip
    svg = base64.b64decode(reports.start_chart(report).split(",", 1)[1]).decode()
    assert "Hvornår møderne begynder" in svg and "0-2 min. før" in svg
    csv = reports.start_csv(report).decode("utf-8")
    assert "2-5 min. før;1\r\n" in csv and "før tiden);-2,0\r\n" in csv
