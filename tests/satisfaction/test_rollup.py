"""Year-long satisfaction reports read the satisfaction rollup (the contacts' machinery) and
answer what the live aggregation answers."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts.models import Contact
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.db import utcnow
from hotline.satisfaction.links import record_invitation
from hotline.satisfaction.models import InvitedBy, SurveyInvitation, satisfaction_rollups
from hotline.satisfaction.reports import (
    SATISFACTION_ROLLUP,
    SatisfactionReport,
    refresh_satisfaction_rollup,
    satisfaction_report,
)
from tests.contacts.conftest import OpenContact
from tests.satisfaction.conftest import Answered, user

FEBRUARY = datetime(2026, 2, 2, 18, 0, tzinfo=UTC)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
FIGURES = ("invited", "answered", "rating_sum", "satisfied", "got_answer")


@pytest.fixture
def spring(session: Session, answered: Answered) -> list[Contact]:
    """Answers over three months in two municipalities, some unanswered, written an hour ago."""
    made = [
        answered(
            "agent.odense" if n % 3 == 0 else "agent.aarhus",
            ("0751", "0461")[n % 2],
            rating=None if n % 4 == 3 else 1 + n % 5,
            got_answer=("ja", "delvist", "nej")[n % 3],
            at=FEBRUARY + timedelta(days=4 * n),
        )
        for n in range(20)
    ]
    an_hour_ago = utcnow() - timedelta(hours=1)
    session.execute(update(Contact).values(updated_at=an_hour_ago))
    session.execute(update(SurveyInvitation).values(first_sent_at=an_hour_ago))
    session.commit()
    return made


def figures(report: SatisfactionReport) -> list[tuple[object, ...]]:
    return [
        (row.key, *(getattr(row, name) for name in FIGURES)) for row in [*report.rows, report.total]
    ]


@pytest.mark.parametrize("group_by", list(SATISFACTION_ROLLUP.groupings))
def test_a_year_of_satisfaction_from_the_rollup_equals_the_live_aggregation(
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    spring: list[Contact],
    group_by: GroupBy,
    open_contact: OpenContact,
) -> None:
    assert refresh_satisfaction_rollup(session, settings, utcnow()) > 0
    session.commit()
    assert session.scalar(select(func.sum(satisfaction_rollups.c.invited))) == len(spring)
    readers = ["operator", "supervisor"]
    if group_by is GroupBy.MONTH:  # the comparison by municipality is the hotline's alone
        readers += ["admin.aarhus", "admin.kobenhavn", "agent.aarhus"]
    for key in readers:
        query = ReportQuery(*YEAR, group_by)
        reader = user(session, demo_users, key)
        rolled = satisfaction_report(session, reader, query)
        assert figures(rolled) == figures(satisfaction_report(session, reader, query, live=True))

    # a contact of a rolled-up day invited after the refresh is counted at once
    late = open_contact(at=FEBRUARY, outcome="answered")
    session.execute(update(Contact).where(Contact.id == late.id).values(updated_at=utcnow()))
    record_invitation(session, late.id, InvitedBy.PHONE_SURVEY, None)
    session.commit()
    operator = user(session, demo_users, "operator")
    query = ReportQuery(*YEAR, group_by)
    rolled = satisfaction_report(session, operator, query)
    assert rolled.total.invited == len(spring) + 1
    assert figures(rolled) == figures(satisfaction_report(session, operator, query, live=True))
