"""The console: choosing the municipality opens a contact, one keystroke closes it, the desk's
page behind its link, the shift view and the report pages."""

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.permissions import Role
from hotline.contacts import reports
from hotline.contacts.calendar import local
from hotline.contacts.models import Contact, Forward
from hotline.db import utcnow
from hotline.demo import DEMO_ACCOUNTS
from hotline.replies.models import Reply
from tests.console.conftest import SignIn, post_form, sign_in

__all__ = ["sign_in"]


def only_contact(session: Session) -> Contact:
    session.expire_all()
    return session.scalars(select(Contact)).one()


def test_choosing_the_municipality_opens_a_contact_and_an_outcome_closes_it(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("agent.aarhus")
    page = client.get("/console/", params={"kommune": "0461"})
    assert page.status_code == 200
    assert 'accesskey="1"' in page.text and "Send til kommunen" in page.text
    contact = only_contact(session)
    assert (contact.municipality_code, contact.is_open) == ("0461", True)
    client.get("/console/", params={"kommune": "0461"})  # the same contact, not a second one
    assert only_contact(session).id == contact.id

    closed = post_form(
        client, f"/console/henvendelser/{contact.id}/luk",
        {"outcome": "referred", "referred_to": "skat", "version": str(contact.version)},
        follow_redirects=False,
    )  # fmt: skip
    assert closed.status_code == 303, closed.text
    contact = only_contact(session)
    assert (contact.outcome, contact.referred_to) == ("referred", "skat")
    today = client.get("/console/henvendelser")
    assert "Mine henvendelser i dag" in today.text and "henvist" in today.text


def test_a_search_into_the_results_opens_a_contact_when_none_is_open_and_draws_no_panel(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("agent.aarhus")
    typing = {"HX-Request": "true", "HX-Target": "results", "HX-Trigger-Name": "q"}
    found = post_form(client, "/console/soeg", {"kommune": "0461", "q": "affald"}, headers=typing)
    assert found.status_code == 200
    assert 'accesskey="1"' not in found.text  # the results only: the panel is not drawn
    contact = only_contact(session)
    assert (contact.municipality_code, contact.is_open) == ("0461", True)
    post_form(client, "/console/soeg", {"kommune": "0461", "q": "pas"}, headers=typing)
    assert only_contact(session).id == contact.id  # the same contact, not a second one


def test_send_til_kommunen_and_the_desk_marks_it_handled_without_an_account(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("agent.aarhus")
    client.get("/console/", params={"kommune": "0751"})
    contact = only_contact(session)
    refused = post_form(
        client, f"/console/henvendelser/{contact.id}/videresend",
        {"question": "CPR 010203-1234", "action_taken": "x", "version": str(contact.version)},
    )  # fmt: skip
    assert refused.status_code == 422 and "CPR-nummer" in refused.text
    sent = post_form(
        client, f"/console/henvendelser/{contact.id}/videresend",
        {"question": "Hvornår kommer boligstøtten?", "action_taken": "Forklarede reglerne",
         "citizen_phone": "12345678", "promise": "next_working_day",
         "version": str(contact.version)},
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303, sent.text
    forward = session.scalars(select(Forward)).one()
    text = session.get_one(Reply, forward.reply_id).text
    link = re.search(r"http://[^ \n]+/console/afdeling/(\S+)", text)
    assert link, text

    client.cookies.clear()  # the desk has no account
    path = f"/console/afdeling/{link.group(1)}"
    shown = client.get(path)
    assert shown.status_code == 200 and "Markér sagen som håndteret" in shown.text
    session.expire_all()
    assert session.get_one(Forward, forward.id).handled_at is None  # GET changes nothing
    done = post_form(
        client,
        path,
        {},
    )
    assert done.status_code == 200 and "markeret som håndteret" in done.text
    again = post_form(client, path, {})
    assert again.status_code == 409 and "allerede" in again.text
    tampered = client.get(path[:-3] + "abc")
    assert tampered.status_code == 400 and "ugyldigt" in tampered.text


def test_the_supervisor_sees_the_shift_and_the_reports_with_a_chart_and_its_table(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("agent.aarhus")
    client.get("/console/", params={"kommune": "0751"})
    client.cookies.clear()
    sign_in("supervisor")
    shift = client.get("/console/vagt")
    assert shift.status_code == 200 and "Anna Agent" in shift.text
    page = client.get("/console/tal", params={"gruppe": "hour_weekday"})
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text and "<table>" in page.text
    exported = client.get("/console/tal.csv", params={"gruppe": "agent"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[-1][:2] == ["i alt", "1"]
    assert "Anna" not in exported.text
    contact_id = only_contact(session).id
    # only its agent forwards it: to anyone else it does not exist, as in the API
    assert client.get(f"/console/henvendelser/{contact_id}/videresend").status_code == 404


def column_headings(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<th scope="col">([^<]*)</th>', page)]


def test_the_report_table_and_its_csv_head_each_column_and_name_each_channel_in_danish(
    client: TestClient, sign_in: SignIn
) -> None:
    sign_in("agent.aarhus")
    client.get("/console/", params={"kommune": "0751"})  # a phone contact
    client.cookies.clear()
    sign_in("supervisor")
    page = client.get("/console/tal", params={"gruppe": "channel"})
    assert column_headings(page.text) == list(reports.REPORT_COLUMNS.values())
    assert "Løst ved første kontakt (%)" in column_headings(page.text)
    assert '<th scope="row">Telefon</th>' in page.text
    exported = client.get("/console/tal.csv", params={"gruppe": "channel"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(reports.REPORT_COLUMNS.values())
    assert rows[1][0] == "Telefon"


def test_an_agent_has_no_shift_view(client: TestClient, sign_in: SignIn) -> None:
    sign_in("agent.aarhus")
    assert client.get("/console/vagt").status_code == 403


def test_the_monthly_statement_page_shows_danish_money(
    client: TestClient, sign_in: SignIn, session: Session, demo_users
) -> None:
    from decimal import Decimal

    from hotline.contacts import reports
    from tests.contacts.conftest import user_in

    reports.set_price(
        session, user_in(session, demo_users, "operator"), date(2020, 1, 1), Decimal("1600.50")
    )
    session.commit()
    sign_in("agent.aarhus")
    client.get("/console/", params={"kommune": "0751"})
    client.cookies.clear()
    sign_in("admin.aarhus")
    this_month = {"maaned": local(utcnow()).date().replace(day=1).isoformat()}  # the contact's
    page = client.get("/console/tal/opgoerelse", params=this_month)
    assert page.status_code == 200, page.text
    assert "1.600,50 kr." in page.text and "Aarhus" in page.text
    assert client.get("/console/tal/opgoerelse", params={"kommune": "0461"}).status_code == 403
    exported = client.get("/console/tal/opgoerelse.csv", params=this_month)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[-1] == ["beløb kr.", "", "1600,50"]


def test_an_admin_sets_and_removes_a_desk_of_their_own(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("admin.aarhus")
    page = client.get("/console/kommune/0751/videresendelse")
    assert page.status_code == 200 and "fælles" in page.text
    saved = post_form(
        client, "/console/kommune/0751/videresendelse",
        {"category": "Bolig", "desk_name": "Boligteamet", "mailbox": "bolig@aarhus.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert "bolig@aarhus.example" in client.get("/console/kommune/0751/videresendelse").text
    bad = post_form(
        client, "/console/kommune/0751/videresendelse",
        {"category": "Pas", "desk_name": "Pas", "mailbox": "ikke en adresse"},
    )  # fmt: skip
    assert bad.status_code == 422
    removed = post_form(
        client, "/console/kommune/0751/videresendelse", {"category": "Bolig", "remove": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert removed.status_code == 303
    assert "bolig@aarhus.example" not in client.get("/console/kommune/0751/videresendelse").text
    assert client.get("/console/kommune/0461/videresendelse").status_code == 403


STATEMENT_LINK = re.compile(r'<a href="([^"]*/console/tal/opgoerelse[^"]*)">Månedsopgørelse</a>')


def last_month() -> date:
    this_month = local(utcnow()).date().replace(day=1)
    return (this_month - timedelta(days=1)).replace(day=1)


@pytest.mark.parametrize("account", [a.email.split("@")[0] for a in DEMO_ACCOUNTS])
def test_each_demo_role_follows_the_statement_link_to_a_useful_page_or_sees_no_link(
    client: TestClient, sign_in: SignIn, account: str
) -> None:
    """Only roles that may read a statement see "Månedsopgørelse"; the link lands on last
    month, of the admin's own municipality or, for roles spanning municipalities, a chooser."""
    sign_in(account)
    figures = client.get("/console/tal")
    link = STATEMENT_LINK.search(figures.text)
    role = next(a for a in DEMO_ACCOUNTS if a.email.startswith(f"{account}@")).role
    if role in (Role.AGENT, Role.EDITOR):
        assert link is None, figures.text
        assert client.get("/console/tal/opgoerelse").status_code == 403
        return
    assert link, figures.text
    landed = client.get(html.unescape(link.group(1)))
    assert landed.status_code == 200, landed.text
    assert 'role="alert"' not in landed.text
    assert f'value="{last_month().isoformat()}"' in landed.text
    if role is Role.MUNICIPALITY_ADMIN:
        own = {"admin.aarhus": "Aarhus", "admin.kobenhavn": "Københavns"}[account]
        assert f"<caption>{own} Kommune · " in landed.text
        assert landed.text.count("<option ") == 1  # their own municipality only
        return
    assert "<caption>" not in landed.text  # the chooser: no statement until one is chosen
    assert '<option value="0751"' in landed.text and '<option value="0461"' in landed.text
    chosen = client.get("/console/tal/opgoerelse", params={"kommune": "0461"})
    assert chosen.status_code == 200 and "<caption>Odense Kommune · " in chosen.text
