"""Year-long reports read the contact rollup, and answer what the live aggregation answers."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts import forwarding, reports, service
from hotline.contacts.models import Contact, contact_daily_rollups, contact_hourly_rollups
from hotline.contacts.reports import GroupBy, Report, ReportQuery
from hotline.contacts.schemas import ContactUpdate, ForwardRequest
from hotline.db import utcnow
from tests.contacts.conftest import OpenContact, user_in

JANUARY_EVENING = datetime(2026, 1, 5, 17, 10, tzinfo=UTC)  # Monday 18:10 in Copenhagen
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
READERS = ("operator", "supervisor", "admin.aarhus", "admin.kobenhavn", "agent.aarhus")
WITHIN_A_BUCKET = 30  # seconds: the histogram's resolution up to 10 minutes


@pytest.fixture
def winter(session: Session, open_contact: OpenContact) -> list[Contact]:
    """Contacts over three months in three municipalities (one not a member), at several hours,
    with several outcomes and handling times, one left open, all written an hour ago."""
    made = []
    for n in range(24):
        made.append(
            open_contact(
                "agent.odense" if n % 4 == 0 else "agent.aarhus",
                ("0751", "0461", "0147")[n % 3],
                at=JANUARY_EVENING + timedelta(days=3 * n, hours=n % 5),
                minutes=2 + n % 7,
                outcome=("answered", "reply_sent", "dropped", "forwarded")[n % 4],
                channel=("phone", "chat")[n % 2],
                topic=("Pas", "Bolig", None)[n % 3],
            )
        )
    made.append(open_contact(at=JANUARY_EVENING + timedelta(days=20)))  # never closed
    backdate_changes(session)
    return made


def backdate_changes(session: Session) -> None:
    """As if the contacts were written an hour before the worker's refresh."""
    session.execute(update(Contact).values(updated_at=utcnow() - timedelta(hours=1)))
    session.commit()


def refresh(session: Session, settings: Settings) -> int:
    written = reports.refresh_contact_rollups(session, settings, utcnow())
    session.commit()
    return written


def assert_same_answer(rolled: Report, live: Report) -> None:
    assert [row.key for row in rolled.rows] == [row.key for row in live.rows]
    for mine, theirs in zip([*rolled.rows, rolled.total], [*live.rows, live.total], strict=True):
        counted = ("contacts", "closed", "first_contact_resolved", "forwarded", "forwards",
                   "forwards_in_time", "non_member")  # fmt: skip
        assert [getattr(mine, n) for n in counted] == [getattr(theirs, n) for n in counted]
        for name in ("median_seconds", "p90_seconds"):
            exact, estimate = getattr(theirs, name), getattr(mine, name)
            assert (exact is None) == (estimate is None), (mine.key, name)
            if exact is not None:
                assert abs(estimate - exact) <= WITHIN_A_BUCKET, (mine.key, name, exact, estimate)


ROLLED_UP = (GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH, GroupBy.HOUR_WEEKDAY, GroupBy.MUNICIPALITY)


@pytest.mark.parametrize("group_by", ROLLED_UP)
def test_a_year_report_from_the_rollup_equals_the_live_aggregation_for_every_reader(
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    winter: list[Contact],
    group_by: GroupBy,
) -> None:
    assert refresh(session, settings) > 0
    for key in READERS:
        user = user_in(session, demo_users, key)
        if group_by is GroupBy.MUNICIPALITY and key not in ("operator", "supervisor"):
            continue  # the comparison is the hotline's alone (test_reports)
        for municipality in (None, "0751"):
            if municipality and key == "admin.kobenhavn":
                continue
            query = ReportQuery(*YEAR, group_by, municipality)
            rolled = reports.contact_report(session, user, query)
            live = reports.contact_report(session, user, query, live=True)
            assert_same_answer(rolled, live)
            if key == "operator" and municipality is None:
                assert rolled.total.contacts == len(winter)


def test_before_the_first_refresh_a_year_report_is_computed_live(
    session: Session, demo_users: dict[str, User], winter: list[Contact]
) -> None:
    for group_by in ROLLED_UP:
        query = ReportQuery(*YEAR, group_by)
        operator = user_in(session, demo_users, "operator")
        rolled = reports.contact_report(session, operator, query)
        assert_same_answer(rolled, reports.contact_report(session, operator, query, live=True))
        assert rolled.total.contacts == len(winter)


@pytest.mark.parametrize(
    ("table", "reader", "group_by"),
    [
        (contact_hourly_rollups, "supervisor", GroupBy.HOUR_WEEKDAY),
        (contact_hourly_rollups, "operator", GroupBy.DAY),
        (contact_daily_rollups, "operator", GroupBy.MONTH),
        (contact_daily_rollups, "operator", GroupBy.MUNICIPALITY),
        (contact_daily_rollups, "admin.aarhus", GroupBy.DAY),
    ],
)
def test_the_year_report_reads_the_rollup_rows(
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    winter: list[Contact],
    table: Table,
    reader: str,
    group_by: GroupBy,
) -> None:
    refresh(session, settings)
    user = user_in(session, demo_users, reader)
    counted = reports.contact_report(session, user, ReportQuery(*YEAR, group_by)).total.contacts
    assert session.scalar(select(func.sum(table.c.contacts))) == len(winter)
    session.execute(update(table).values(contacts=table.c.contacts + 100))  # never in use
    report = reports.contact_report(session, user, ReportQuery(*YEAR, group_by))
    assert report.total.contacts > counted + 100  # proof of where it read
    short = ReportQuery(date(2026, 1, 1), date(2026, 1, 31), group_by)
    assert reports.contact_report(session, user, short).total.contacts < len(winter)


def test_changes_after_the_refresh_and_today_are_read_live_until_the_next_refresh(
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    winter: list[Contact],
    open_contact: OpenContact,
) -> None:
    refresh(session, settings)
    agent = user_in(session, demo_users, "agent.aarhus")
    # a forward, written now, of a contact of a rolled-up day
    forwarded = next(c for c in winter if c.outcome == "forwarded" and c.agent_id == agent.id)
    request = ForwardRequest(question="Hvornår?", action_taken="Forklarede.")
    during_the_call = forwarded.started_at + timedelta(minutes=1)
    forwarding.forward_contact(
        session, settings, agent, forwarded.id, None, request, now=during_the_call
    )
    # a supervisor's kind of correction of a rolled-up day, and a contact today
    session.execute(update(Contact).where(Contact.id == winter[1].id).values(outcome="dropped"))
    session.commit()
    today = open_contact(outcome="answered", minutes=3)
    service.update_contact(session, agent, today.id, None, ContactUpdate(topic="Pas"))
    session.commit()
    operator = user_in(session, demo_users, "operator")
    this_year = ReportQuery(date(2026, 1, 1), date.today() + timedelta(days=1), GroupBy.MONTH)
    live = reports.contact_report(session, operator, this_year, live=True)
    assert live.total.contacts == len(winter) + 1 and live.total.forwards == 1
    assert_same_answer(reports.contact_report(session, operator, this_year), live)

    refresh(session, settings)  # the changed days are rewritten in the rollup itself
    for table in (contact_hourly_rollups, contact_daily_rollups):
        assert session.scalar(select(func.sum(table.c.forwards))) == 1
    assert_same_answer(reports.contact_report(session, operator, this_year), live)


def test_the_workers_hourly_housekeeping_keeps_every_rollup(
    session: Session, settings: Settings, winter: list[Contact]
) -> None:
    from hotline.contacts.models import RollupState
    from hotline.housekeeping import HOUSEKEEPING

    for job in HOUSEKEEPING:
        job(session, settings, utcnow())
    session.commit()
    built = {state.name for state in session.scalars(select(RollupState))}
    assert built == {"contacts_hourly", "contacts_daily", "satisfaction"}
    assert session.scalar(select(func.sum(contact_daily_rollups.c.contacts))) == len(winter)
