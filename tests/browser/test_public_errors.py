"""The public pages' refusals in Chromium: the error pages (an unknown municipality or type, a
link that does not work, a stale second tab) and the forms shown again with a message beside
the field (a CPR number in the booking's name, the survey's comment) have no WCAG 2.1 A/AA
violation, in Danish and in English. The forms need no JavaScript; axe does."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from hotline.auth.models import User
from hotline.contacts import service as contacts
from hotline.contacts.schemas import ContactClose, ContactOpen
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.satisfaction.links import record_invitation, survey_token
from hotline.satisfaction.models import InvitedBy
from tests.browser.conftest import LiveServer, axe_violations, screenshot
from tests.browser.test_booking_flow import _define_meeting_type

pytestmark = pytest.mark.slow

ERROR_PAGES = [
    ("/book/9999", 404, "Det gik ikke"),
    ("/book/abc?lang=en", 404, "Something went wrong"),
    ("/book/0751/findes-ikke", 404, "Det gik ikke"),
    ("/book/manage/not.a.link?lang=en", 400, "Something went wrong"),
    ("/tilfredshed/forged.link.here", 400, "Det gik ikke"),
    ("/partner/forged.link.here?lang=en", 400, "Something went wrong"),
]


@pytest.mark.parametrize(("path", "status", "heading"), ERROR_PAGES)
def test_an_error_page_has_no_wcag_violations(
    page: Page, live_server: LiveServer, path: str, status: int, heading: str
) -> None:
    _define_meeting_type(live_server)
    response = page.goto(path)
    assert response is not None and response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_role("link").last.get_attribute("href")
    assert axe_violations(page) == [], path


def _fill_booking(page: Page, name: str) -> None:
    page.locator('input[name="starts_at"]').first.check()
    page.get_by_label("Hvad drejer det sig om? (skal udfyldes)").fill("Ansøgning")
    page.get_by_label("Folkepension", exact=True).check()
    page.get_by_role("group", name=re.compile("Har du MitID")).get_by_label("Ja").check()
    page.get_by_label("Navn (skal udfyldes)").fill(name)
    page.get_by_label("E-mail").fill("birthe@example.dk")
    page.get_by_label(re.compile("Jeg har læst")).check()
    page.wait_for_timeout(3_200)  # a person takes longer than the form's minimum fill time
    page.get_by_role("button", name="Book mødet").click()


def test_a_refused_booking_and_a_stale_cancel_have_no_wcag_violations(
    page: Page, live_server: LiveServer
) -> None:
    _define_meeting_type(live_server)
    page.goto("/book/0751/folkepension")
    _fill_booking(page, "Birthe 010190-1234")
    name = page.get_by_label("Navn (skal udfyldes)")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(
        "Skriv ikke CPR-numre her. Ret feltet, og send igen."
    )
    expect(name).to_have_value("Birthe 010190-1234")
    screenshot(page, "meetings-03-refused-cpr")
    assert axe_violations(page) == []

    name.fill("Birthe Borger")
    page.wait_for_timeout(3_200)
    page.get_by_role("button", name="Book mødet").click()
    expect(page.get_by_role("heading", name="Dit møde er booket")).to_be_visible()
    manage = page.url.split("?")[0]
    second_tab = page.context.new_page()
    second_tab.goto(manage)
    page.get_by_role("button", name="Aflys mødet").click()
    expect(page.get_by_text("Mødet er aflyst.")).to_be_visible()
    second_tab.get_by_role("button", name="Aflys mødet").click()
    expect(second_tab.get_by_role("alert")).to_contain_text("Mødet er allerede aflyst")
    screenshot(second_tab, "meetings-04-stale-cancel")
    assert axe_violations(second_tab) == []


def test_a_survey_refused_for_a_cpr_number_has_no_wcag_violations(
    page: Page, live_server: LiveServer
) -> None:
    settings = live_server.settings
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        agent = session.query(User).filter_by(email="agent.aarhus@hotline.example").one()
        contact = contacts.open_contact(session, agent, ContactOpen(municipality="0751"))
        contacts.close_contact(
            session, agent, contact.id, contacts.contact_version(contact.version),
            ContactClose(outcome="answered"),
            now=contact.started_at + timedelta(minutes=5),
        )  # fmt: skip
        record_invitation(session, contact.id, InvitedBy.REPLY, None)
    engine.dispose()
    page.goto(f"/tilfredshed/{survey_token(settings, contact.id, datetime.now(UTC))}?lang=en")
    page.get_by_label("2 – Dissatisfied").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Comment (optional)").fill("My CPR is 070761-4285")
    page.get_by_role("button", name="Send rating").click()
    comment = page.get_by_label("Comment (optional)")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(comment).to_have_value("My CPR is 070761-4285")
    expect(page.get_by_label("2 – Dissatisfied")).to_be_checked()
    screenshot(page, "survey-03-refused-cpr")
    assert axe_violations(page) == []
