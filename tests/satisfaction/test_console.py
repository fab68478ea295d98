"""The console pages: the figures with chart, table twin, comments and CSV; the partner rounds
(an operator opens one, an admin answers for their municipality)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.satisfaction.models import FeedbackRound, PartnerAnswer
from hotline.satisfaction.reports import COLUMNS
from tests.console.conftest import SignIn, post_form, sign_in
from tests.contacts.test_console import column_headings
from tests.satisfaction.conftest import Answered

__all__ = ["sign_in"]


def test_the_figures_page_has_a_chart_its_table_comments_and_csv(
    client: TestClient, sign_in: SignIn, answered: Answered
) -> None:
    today = datetime.now(UTC)
    answered(rating=5, comment="Super hjælp", at=today)
    answered("agent.odense", "0461", rating=1, comment="Ikke godt", at=today)
    sign_in("admin.aarhus")
    page = client.get("/console/tilfredshed", params={"gruppe": "channel"})
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text and "<table>" in page.text
    assert "Super hjælp" in page.text and "Ikke godt" not in page.text  # their own only
    csv_page = client.get("/console/tilfredshed.csv", params={"gruppe": "channel"})
    rows = list(csv.reader(io.StringIO(csv_page.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[-1][:3] == ["i alt", "1", "1"]
    figures_table = column_headings(page.text)[: len(COLUMNS)]  # the comments' table follows
    assert rows[0] == figures_table == list(COLUMNS.values())  # Danish headings
    assert "Tilfredse, CSAT (%)" in rows[0]
    compare = client.get("/console/tilfredshed", params={"gruppe": "municipality"})
    assert compare.status_code == 403


def test_an_operator_opens_a_round_and_an_admin_answers_in_the_console(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("operator")
    closes = (date.today() + timedelta(days=14)).isoformat()
    opened = post_form(
        client, "/console/tilfredshed/runder", {"title": "1. kvartal", "closes_on": closes},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303, opened.text
    bad = post_form(client, "/console/tilfredshed/runder", {"title": "", "closes_on": ""})
    assert bad.status_code == 422 and "lukkedato" in bad.text
    feedback_round = session.scalars(select(FeedbackRound)).one()
    client.cookies.clear()
    sign_in("admin.aarhus")
    page = client.get("/console/tilfredshed/runder")
    assert "Svar: 1. kvartal" in page.text
    answer = {"quality_of_answers": "4", "quality_of_forwards": "3", "cooperation": "5"}
    saved = post_form(client, f"/console/tilfredshed/runder/{feedback_round.id}/svar", answer,
                      follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    row = session.scalars(select(PartnerAnswer)).one()
    assert (row.municipality_code, row.cooperation) == ("0751", 5)
    client.cookies.clear()
    sign_in("agent.aarhus")
    assert client.get("/console/tilfredshed/runder").status_code == 403


def test_a_cpr_number_in_the_rounds_comment_is_refused_in_danish_naming_the_comment(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("operator")
    closes = (date.today() + timedelta(days=14)).isoformat()
    post_form(client, "/console/tilfredshed/runder", {"title": "1. kvartal", "closes_on": closes})
    feedback_round = session.scalars(select(FeedbackRound)).one()
    client.cookies.clear()
    sign_in("admin.aarhus")
    answer = {"quality_of_answers": "4", "quality_of_forwards": "3", "cooperation": "5",
              "comment": "Sagen om 010190-1234 gik fint"}  # fmt: skip
    refused = post_form(client, f"/console/tilfredshed/runder/{feedback_round.id}/svar", answer)
    assert refused.status_code == 422
    assert "Kommentaren til hotlinen indeholder et CPR-nummer" in refused.text
    assert "Svaret indeholder" not in refused.text
    assert session.scalars(select(PartnerAnswer)).all() == []


def test_the_reply_preview_shows_the_survey_paragraph_without_a_working_link(
    client: TestClient, sign_in: SignIn
) -> None:
    sign_in("agent.aarhus")
    draft = {"municipality": "0751", "to": "karen@example.dk", "subject": "Om pas",
             "body_markdown": "Her er svaret."}  # fmt: skip
    outside = post_form(client, "/console/svar/forhaandsvisning", draft).text
    assert "Hvor tilfreds er du med hjælpen?" not in outside  # no open contact: no survey
    client.get("/console/", params={"kommune": "0751"})  # opens the contact the reply joins
    preview = post_form(client, "/console/svar/forhaandsvisning", draft).text
    assert "Hvor tilfreds er du med hjælpen?" in preview
    assert "/tilfredshed/dit-personlige-link" in preview  # the real link is the citizen's


def test_after_a_call_the_agent_sends_the_survey_only_with_the_citizens_yes(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    from hotline.contacts.models import Contact
    from hotline.replies.models import Reply
    from hotline.satisfaction.models import SurveyInvitation

    sign_in("agent.aarhus")
    client.get("/console/", params={"kommune": "0751"})
    contact = session.scalars(select(Contact)).one()
    post_form(client, f"/console/henvendelser/{contact.id}/luk",
              {"outcome": "answered", "version": str(contact.version)})  # fmt: skip
    today = client.get("/console/henvendelser").text
    assert "Send tilfredshedsmail" in today
    path = f"/console/henvendelser/{contact.id}/tilfredshedsmail"
    refused = post_form(client, path, {"email": "karen@example.dk"})  # no tick: no yes
    assert refused.status_code == 422 and "sagt ja i telefonen" in refused.text
    assert session.scalars(select(SurveyInvitation)).first() is None
    sent = post_form(client, path, {"citizen_agreed": "1", "email": "karen@example.dk"},
                     follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text
    invitation = session.scalars(select(SurveyInvitation)).one()
    assert invitation.citizen_agreed_at is not None and invitation.invited_by == "phone_survey"
    assert session.get_one(Reply, invitation.reply_id).to == "karen@example.dk"
    today = client.get("/console/henvendelser?tilfredshed=1").text
    assert "Tilfredshedsmailen er sendt" in today and "Spørgeskema sendt" in today
    again = post_form(client, path, {"citizen_agreed": "1", "email": "karen@example.dk"})
    assert again.status_code == 422 and "allerede fået" in again.text


def test_a_round_closing_beyond_the_years_reckoned_with_is_refused_in_danish(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("operator")
    far = post_form(
        client, "/console/tilfredshed/runder", {"title": "x", "closes_on": "9999-12-31"}
    )
    assert far.status_code == 422 and "lukkedato" in far.text
    assert session.scalars(select(FeedbackRound)).all() == []
    statement = client.get("/console/tal/opgoerelse", params={"maaned": "9999-12-01"})
    assert statement.status_code == 422
