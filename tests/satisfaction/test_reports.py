"""Satisfaction figures scoped by role in the query, the comments, CSV for Danish Excel; and
retention: a comment goes with its contact's citizen details, the rating stays."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.contacts.retention import erase_expired_contacts
from hotline.errors import Forbidden
from hotline.satisfaction.models import SurveyResponse
from hotline.satisfaction.reports import (
    COLUMNS,
    satisfaction_csv,
    satisfaction_json,
    satisfaction_report,
)
from hotline.satisfaction.retention import erase_expired_survey_comments
from tests.contacts.conftest import is_danish_words
from tests.satisfaction.conftest import Answered, user

AT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
OCTOBER = ReportQuery(date(2026, 10, 1), date(2026, 10, 31), GroupBy.MUNICIPALITY)


@pytest.fixture
def survey_data(answered: Answered) -> None:
    """Aarhus: 5 (ja, comment), 4 (delvist), 2 (nej), one unanswered; Odense: 1 (nej)."""
    answered(rating=5, comment="Meget hjælpsom", at=AT)
    answered(rating=4, got_answer="delvist", at=AT)
    answered(rating=2, got_answer="nej", at=AT, channel="chat")
    answered(rating=None, at=AT)
    answered("agent.odense", "0461", rating=1, got_answer="nej", comment="Forkert svar", at=AT)


def _by_key(report) -> dict:  # type: ignore[no-untyped-def]
    return {row.key[0]: row for row in report.rows}


def test_supervisors_see_every_municipality_with_csat_average_and_rates(
    session: Session, demo_users: dict[str, User], survey_data: None
) -> None:
    report = satisfaction_report(session, user(session, demo_users, "supervisor"), OCTOBER)
    aarhus, odense = _by_key(report)["0751"], _by_key(report)["0461"]
    assert (aarhus.invited, aarhus.answered) == (4, 3)
    assert aarhus.csat == pytest.approx(2 / 3) and aarhus.average == pytest.approx(11 / 3)
    assert aarhus.got_answer_share == pytest.approx(1 / 3)
    assert aarhus.response_rate == pytest.approx(3 / 4)
    assert (odense.answered, odense.csat) == (1, 0)
    assert (report.total.invited, report.total.answered, report.total.satisfied) == (5, 4, 2)
    assert {c.comment for c in report.comments} == {"Meget hjælpsom", "Forkert svar"}


def test_a_municipality_admin_sees_only_their_own_and_cannot_compare(
    session: Session, demo_users: dict[str, User], survey_data: None
) -> None:
    admin = user(session, demo_users, "admin.aarhus")
    with pytest.raises(Forbidden):
        satisfaction_report(session, admin, OCTOBER)
    by_channel = ReportQuery(OCTOBER.date_from, OCTOBER.date_to, GroupBy.CHANNEL)
    report = satisfaction_report(session, admin, by_channel)
    assert (report.total.invited, report.total.answered) == (4, 3)
    assert [c.comment for c in report.comments] == ["Meget hjælpsom"]
    assert {row.key[0]: row.answered for row in report.rows} == {"phone": 2, "chat": 1}
    with pytest.raises(Forbidden):
        satisfaction_report(
            session, admin, ReportQuery(OCTOBER.date_from, OCTOBER.date_to, GroupBy.MONTH, "0461")
        )


def test_an_agent_sees_the_contacts_they_handled(
    session: Session, demo_users: dict[str, User], survey_data: None
) -> None:
    agent = user(session, demo_users, "agent.odense")
    by_agent = ReportQuery(OCTOBER.date_from, OCTOBER.date_to, GroupBy.AGENT)
    report = satisfaction_report(session, agent, by_agent)
    assert [(row.key[0], row.answered) for row in report.rows] == [(agent.id, 1)]
    assert [c.comment for c in report.comments] == ["Forkert svar"]
    editor = user(session, demo_users, "editor")
    with pytest.raises(Forbidden):
        satisfaction_report(session, editor, by_agent)


def test_csv_opens_in_danish_excel(
    session: Session, demo_users: dict[str, User], survey_data: None
) -> None:
    by_month = ReportQuery(OCTOBER.date_from, OCTOBER.date_to, GroupBy.MONTH)
    body = satisfaction_csv(
        satisfaction_report(session, user(session, demo_users, "operator"), by_month)
    )
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(COLUMNS.values())  # the console table's headings
    assert rows[0][:5] == ["Gruppe", "Inviterede", "Svar", "Svarprocent", "Tilfredse, CSAT (%)"]
    assert rows[1] == ["10.2026", "5", "4", "80,0", "50,0", "3,00", "25,0"]
    assert rows[-1][0] == "i alt"


def test_a_comment_is_erased_with_its_contact_and_the_rating_stays(
    session: Session, settings: Settings, answered: Answered
) -> None:
    old = answered(rating=2, comment="Jeg hedder Karen", at=AT)
    recent = answered(rating=5, comment="Fint", at=datetime.now(UTC) - timedelta(days=1))
    now = datetime.now(UTC) + timedelta(days=60)  # AT is then past 90 days, recent is not
    erase_expired_contacts(session, settings, now)
    assert erase_expired_survey_comments(session, now) == 1
    session.commit()
    session.expire_all()
    assert (
        session.get_one(SurveyResponse, old.id).comment,
        session.get_one(SurveyResponse, old.id).rating,
    ) == (None, 2)
    assert session.get_one(SurveyResponse, recent.id).comment == "Fint"


@pytest.mark.parametrize("heading", list(COLUMNS.values()), ids=str)
def test_every_column_is_headed_in_danish_words(heading: str) -> None:
    assert is_danish_words(heading), heading


def test_every_column_names_the_figure_it_shows(
    session: Session, demo_users: dict[str, User], survey_data: None
) -> None:
    report = satisfaction_report(session, user(session, demo_users, "operator"), OCTOBER)
    assert set(COLUMNS) <= set(satisfaction_json(report)["total"])
