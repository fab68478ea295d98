"""In Chromium: the reply preview shows the survey paragraph the citizen will get, and after a
call the agent sends the survey email only after ticking that the citizen said yes."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_the_preview_shows_the_survey_and_a_call_gets_the_survey_email(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "agent.aarhus")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("0751")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")
    expect(page.get_by_role("region", name=re.compile("Henvendelse for 0751"))).to_be_visible()
    page.get_by_label("Borgerens e-mailadresse").fill("karen@example.dk")
    page.get_by_label("Emne").fill("Om pas")
    page.get_by_label("Svar", exact=True).fill("Her er svaret om pas.")
    frame = page.frame_locator("#preview iframe")
    expect(frame.get_by_text("Hvor tilfreds er du med hjælpen?")).to_be_visible()
    screenshot(page, "satisfaction-01-preview-survey")

    page.get_by_role("button", name=re.compile("besvaret")).focus()  # the outcome key
    page.keyboard.press("Enter")
    send = page.get_by_role("button", name=re.compile("Send tilfredshedsmail"))
    expect(send).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Borgerens e-mail (hvis henvendelsen ikke har den)").fill("karen@example.dk")
    send.click()  # the browser itself asks for the tick first (required)
    expect(page.get_by_role("status")).not_to_be_visible()
    page.get_by_label("Borgeren har sagt ja i telefonen til en kort spørgeskema-mail").check()
    send.click()
    expect(page.get_by_role("status")).to_contain_text("Tilfredshedsmailen er sendt")
    expect(page.get_by_role("table")).to_contain_text("Spørgeskema sendt")
    screenshot(page, "satisfaction-02-phone-survey-sent")
    assert axe_violations(page) == []
    live_server.smtp.wait_for(1)
    message = live_server.smtp.messages[-1]
    assert message["To"] == "karen@example.dk"
    assert "/tilfredshed/" in message.get_body(("plain",)).get_content()
