"""The meeting numbers: what became of the bookings per month and type, and how early the
held meetings started (its table and Danish CSV; the console page draws the chart)."""

import base64
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.errors import Forbidden
from hotline.meetings import agenda, reports, service
from hotline.meetings.models import BookingState
from tests.console.conftest import SignIn, sign_in
from tests.meetings.conftest import MakeType, local
from tests.meetings.test_booking import book, booking

MONDAY = date(2026, 11, 30)
__all__ = ["sign_in"]


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


def test_how_early_meetings_start_is_counted_in_buckets_with_the_median(
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
    csv = reports.start_csv(report).decode("utf-8")
    assert "2-5 min. før;1\r\n" in csv and "før tiden);-2,0\r\n" in csv


def test_the_console_page_shows_both_reports_with_a_chart_and_its_table(
    a_morning: None, client: TestClient, sign_in: SignIn
) -> None:
    sign_in("supervisor")
    page = client.get("/console/moeder/tal?fra=2026-11&til=2026-11")
    assert page.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]
    assert ["2026-11", "Folkepension - telefonmøde", "5", "1", "2", "1", "0", "1"] in cells
    assert ["2-5 min. før", "1"] in cells and ["0-2 min. før", "1"] in cells
    chart = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page.text)
    assert chart is not None
    svg = base64.b64decode(chart.group(1)).decode()
    assert "Hvornår møderne begynder" in svg and "0-2 min. før" in svg
    csv = client.get("/console/moeder/tal.csv?fra=2026-11&til=2026-11")
    assert csv.content.startswith("\ufeffmåned;mødetype;booket i alt".encode())
    sign_in("admin.aarhus")
    own = client.get("/console/moeder/tal?fra=2026-11&til=2026-11")  # Aarhus' own numbers
    assert own.status_code == 200 and "Folkepension - telefonmøde" in own.text
    assert client.get("/console/moeder/tal?fra=2026-11&til=2026-11&kommune=0461").status_code == 403
    sign_in("admin.kobenhavn")
    other = client.get("/console/moeder/tal?fra=2026-11&til=2026-11")
    assert other.status_code == 200 and "Ingen bookinger i perioden." in other.text
