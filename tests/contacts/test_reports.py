"""The numbers, scoped by role in the query, and the monthly statement."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts import forwarding, reports
from hotline.contacts.models import Channel
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.contacts.schemas import ForwardRequest
from hotline.contacts.service import contact_version
from hotline.errors import Forbidden
from tests.contacts.conftest import OpenContact, is_danish_words, user_in

MONDAY_EVENING = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # 18:30 in Copenhagen
MARCH = ReportQuery(date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def march(open_contact: OpenContact) -> None:
    """Aarhus: 3 contacts by agent.aarhus (4, 6, 20 minutes); Odense: 1 by agent.odense;
    Frederiksberg (not a member): 1 by agent.aarhus, left open."""
    open_contact(at=MONDAY_EVENING, minutes=4, outcome="answered", channel="phone", topic="Pas")
    open_contact(
        at=MONDAY_EVENING + timedelta(days=1),
        minutes=6,
        outcome="forwarded",
        channel="chat",
        topic="Bolig",
    )
    open_contact(
        at=MONDAY_EVENING + timedelta(days=7), minutes=20, outcome="reply_sent", topic="Pas"
    )
    open_contact("agent.odense", "0461", at=MONDAY_EVENING, minutes=10, outcome="dropped")
    open_contact(municipality="0147", at=MONDAY_EVENING)


def totals(
    session: Session, demo_users: dict[str, User], key: str, query: ReportQuery = MARCH
) -> tuple[int, int]:
    report = reports.contact_report(session, user_in(session, demo_users, key), query)
    return report.total.contacts, report.total.non_member


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_every_report_is_scoped_to_what_the_role_may_count(
    session: Session, demo_users: dict[str, User], march: None, group_by: GroupBy
) -> None:
    query = ReportQuery(MARCH.date_from, MARCH.date_to, group_by)
    expected = {
        "operator": 5,
        "supervisor": 5,
        "admin.aarhus": 3,  # Aarhus' own contacts, whoever handled them
        "admin.kobenhavn": 0,
        "agent.aarhus": 4,  # the contacts agent.aarhus handled, in any municipality
        "agent.odense": 1,
    }
    if group_by is GroupBy.MUNICIPALITY:  # the comparison is the hotline's alone
        expected = {"operator": 5, "supervisor": 5}
        for key in ("admin.aarhus", "agent.aarhus"):
            with pytest.raises(Forbidden):
                reports.contact_report(session, user_in(session, demo_users, key), query)
    for key, count in expected.items():
        report = reports.contact_report(session, user_in(session, demo_users, key), query)
        assert sum(row.contacts for row in report.rows) == report.total.contacts == count, key
    with pytest.raises(Forbidden):
        reports.contact_report(session, user_in(session, demo_users, "editor"), query)


def test_an_admin_may_not_filter_on_another_municipality(
    session: Session, demo_users: dict[str, User], march: None
) -> None:
    query = ReportQuery(MARCH.date_from, MARCH.date_to, municipality="0461")
    with pytest.raises(Forbidden):
        reports.contact_report(session, user_in(session, demo_users, "admin.aarhus"), query)
    assert totals(session, demo_users, "supervisor", query) == (1, 0)


def test_the_figures_of_a_report(
    session: Session, demo_users: dict[str, User], march: None
) -> None:
    query = ReportQuery(MARCH.date_from, MARCH.date_to, GroupBy.CHANNEL, municipality="0751")
    report = reports.contact_report(session, user_in(session, demo_users, "supervisor"), query)
    by_channel = {row.key[0]: row for row in report.rows}
    assert {k: r.contacts for k, r in by_channel.items()} == {"phone": 2, "chat": 1}
    assert report.total.median_seconds == 360.0
    assert report.total.p90_seconds == pytest.approx(6 * 60 + (20 - 6) * 60 * 0.8)  # interpolated
    assert report.total.first_contact_share == pytest.approx(2 / 3)
    assert report.total.forwarded_share == pytest.approx(1 / 3)
    assert totals(session, demo_users, "supervisor") == (5, 1)


def test_the_heatmap_groups_by_copenhagen_weekday_and_hour(
    session: Session, demo_users: dict[str, User], march: None
) -> None:
    query = ReportQuery(MARCH.date_from, MARCH.date_to, GroupBy.HOUR_WEEKDAY)
    report = reports.contact_report(session, user_in(session, demo_users, "operator"), query)
    assert {row.key: row.contacts for row in report.rows} == {(0, 18): 4, (1, 18): 1}
    assert reports.key_label(report, (0, 18)) == "mandag kl. 18"


def test_forwards_handled_in_time_are_counted(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    agent = user_in(session, demo_users, "agent.aarhus")
    request = ForwardRequest(question="Hvornår?", action_taken="Forklarede.")
    today = datetime.now(UTC)
    contacts = [open_contact(), open_contact()]
    for handled, contact in zip((True, False), contacts, strict=True):
        forward = forwarding.forward_contact(
            session, settings, agent, contact.id, contact_version(1), request
        )
        if handled:
            forwarding.mark_handled(
                session, settings, forwarding.handled_link_token(settings, forward)
            )
    day = today.date()
    report = reports.contact_report(
        session, user_in(session, demo_users, "supervisor"),
        ReportQuery(day - timedelta(days=1), day + timedelta(days=1), GroupBy.MONTH),
    )  # fmt: skip
    assert (report.total.forwards, report.total.forwards_in_time) == (2, 1)


def test_the_monthly_statement_prices_contacts_when_a_price_is_set(
    session: Session, demo_users: dict[str, User], march: None
) -> None:
    operator = user_in(session, demo_users, "operator")
    admin = user_in(session, demo_users, "admin.aarhus")
    statement = reports.monthly_statement(session, admin, "0751", date(2026, 3, 1))
    assert statement.total == 3 and statement.amount is None
    assert statement.by_channel_and_outcome == {
        ("phone", "answered"): 1,
        ("chat", "forwarded"): 1,
        ("phone", "reply_sent"): 1,
    }
    reports.set_price(session, operator, date(2026, 1, 1), Decimal("533.50"))
    statement = reports.monthly_statement(session, admin, "0751", date(2026, 3, 15))
    assert statement.amount == Decimal("1600.50")
    assert reports.money(statement.amount) == "1.600,50 kr."
    with pytest.raises(Forbidden):
        reports.monthly_statement(session, admin, "0461", date(2026, 3, 1))
    with pytest.raises(Forbidden):
        reports.monthly_statement(
            session, user_in(session, demo_users, "agent.aarhus"), "0751", date(2026, 3, 1)
        )
    with pytest.raises(Forbidden):
        reports.set_price(
            session, user_in(session, demo_users, "supervisor"), date(2026, 1, 1), Decimal(1)
        )


def test_a_statement_is_chosen_among_the_municipalities_the_role_may_read(
    session: Session, demo_users: dict[str, User]
) -> None:
    def codes(key: str) -> list[str]:
        chosen = reports.statement_municipalities(session, user_in(session, demo_users, key))
        return [m.code for m in chosen]

    assert codes("admin.aarhus") == ["0751"]
    assert codes("admin.kobenhavn") == ["0101"]
    assert {"0101", "0461", "0751", "0147"} <= set(codes("supervisor")) == set(codes("operator"))
    for refused in ("agent.aarhus", "editor"):
        with pytest.raises(Forbidden):
            codes(refused)


def test_the_csv_reads_back_in_the_danish_dialect_without_personal_data(
    session: Session, demo_users: dict[str, User], march: None
) -> None:
    query = ReportQuery(MARCH.date_from, MARCH.date_to, GroupBy.AGENT)
    report = reports.contact_report(session, user_in(session, demo_users, "operator"), query)
    raw = reports.report_csv(report)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(reports.REPORT_COLUMNS.values())  # the console table's headings
    assert all(len(row) == len(reports.REPORT_COLUMNS) for row in rows)
    aarhus_agent = next(r for r in rows if r[0] == f"agent {demo_users['agent.aarhus'].id}")
    assert aarhus_agent[1] == "4"
    assert aarhus_agent[3] == "360,0"  # median of 4, 6 and 20 minutes, with a decimal comma
    assert rows[-1][0] == "i alt" and rows[-1][1] == "5"
    text = raw.decode("utf-8-sig")
    assert "Anna" not in text and "Karen" not in text


@pytest.mark.parametrize(
    "heading", [*reports.REPORT_COLUMNS.values(), *reports.STATEMENT_COLUMNS], ids=str
)
def test_every_report_column_is_headed_in_danish_words(heading: str) -> None:
    assert is_danish_words(heading), heading


def test_every_report_column_names_the_figure_it_shows(
    session: Session, demo_users: dict[str, User], march: None
) -> None:
    report = reports.contact_report(session, user_in(session, demo_users, "operator"), MARCH)
    assert set(reports.REPORT_COLUMNS) <= set(reports.report_json(report)["total"])


@pytest.mark.parametrize("channel", list(Channel), ids=str)
def test_every_channel_has_a_danish_name(channel: Channel) -> None:
    assert is_danish_words(reports.CHANNEL_NAMES[channel]), channel
