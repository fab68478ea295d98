"""The survey end to end: a reply sent inside a contact reaches the citizen by SMTP with the
survey link; the citizen opens it on a phone-sized screen (no JavaScript needed), switches to
English by a link, answers by keyboard and sees the thanks; axe finds nothing on any of it."""

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_reply_carries_the_survey_and_the_citizen_answers_on_a_phone(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    sign_in(page, "agent.aarhus")
    page.goto("/console/?kommune=0751")  # choosing the municipality opens the contact
    page.get_by_label("Borgerens e-mailadresse").fill("borger@example.dk")
    page.get_by_label("Emne").fill("Om pas")
    page.get_by_label("Svar", exact=True).fill("Du kan hente dit pas i Borgerservice.")
    sent_before = len(live_server.smtp.messages)
    page.get_by_role("button", name="Send svar").click()
    live_server.smtp.wait_for(sent_before + 1)
    body = live_server.smtp.messages[-1].get_body(("plain",)).get_content()
    assert "Hvor tilfreds er du med hjælpen?" in body
    found = re.search(r"(http://\S+/tilfredshed/\S+)", body)
    assert found, body
    link = found.group(1)

    assert httpx.get(link).status_code == 200  # a mail scanner opens it first: nothing saved

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False, is_mobile=True
    )
    citizen = phone.new_page()
    try:
        citizen.goto(link)
        expect(citizen.get_by_role("heading", level=1)).to_have_text(
            "Hvor tilfreds er du med hjælpen?"
        )
        expect(citizen.get_by_role("img", name="Aarhus Kommune")).to_be_visible()
        screenshot(citizen, "survey-01-phone-da")
        citizen.get_by_role("link", name="English").click()
        expect(citizen.locator("html")).to_have_attribute("lang", "en")
        citizen.get_by_label("4 – Satisfied").check()
        citizen.get_by_label("Partly").check()
        citizen.get_by_label("Comment (optional)").fill("Quick and friendly.")
        citizen.get_by_role("button", name="Send rating").press("Enter")
        expect(citizen.get_by_role("status")).to_contain_text("Thank you for your rating")
        expect(citizen.get_by_label("4 – Satisfied")).to_be_checked()
        screenshot(citizen, "survey-02-phone-en-saved")
    finally:
        phone.close()

    # axe needs JavaScript: the same pages in a scripted context, Danish and English.
    for url in (link, f"{link}?lang=en", f"{link}?gemt=1"):
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        assert axe_violations(page) == [], url


CONSOLE_PAGES = [
    ("supervisor", "/console/tilfredshed", "satisfaction-reports"),
    ("admin.aarhus", "/console/tilfredshed?gruppe=channel", "satisfaction-reports-admin"),
    ("agent.aarhus", "/console/tilfredshed?gruppe=agent", "satisfaction-reports-agent"),
    ("operator", "/console/tilfredshed/runder", "satisfaction-rounds-operator"),
]


@pytest.mark.parametrize(
    ("account", "path", "name"), CONSOLE_PAGES, ids=[p[2] for p in CONSOLE_PAGES]
)
def test_satisfaction_console_pages_have_no_wcag_violations(
    page: Page, account: str, path: str, name: str
) -> None:
    sign_in(page, account)
    page.goto(path)
    expect(page.locator("main")).to_be_visible()
    screenshot(page, f"page-{name}")
    assert axe_violations(page) == []


def test_a_round_opened_in_the_console_reaches_the_admin_who_answers_by_link(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "operator")
    page.goto("/console/tilfredshed/runder")
    page.get_by_label("Navn (fx 1. kvartal 2027)").fill("Browser-runde")
    page.get_by_label("Lukker (sidste dag)").fill("2099-12-31")
    sent_before = len(live_server.smtp.messages)
    page.get_by_role("button", name=re.compile("Åbn og send")).click()
    expect(page.get_by_role("status")).to_contain_text("Gemt")
    live_server.smtp.wait_for(sent_before + 2)  # admin.aarhus and admin.kobenhavn
    mails = live_server.smtp.messages[sent_before:]
    body = next(
        m.get_body(("plain",)).get_content() for m in mails if "admin.aarhus" in str(m["To"])
    )
    link = re.search(r"(http://\S+/partner/\S+)", body)
    assert link, body
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvordan vurderer I hotlinen?")
    assert axe_violations(page) == []
    for name in ("Kvaliteten af de svar", "Kvaliteten af de sager", "Samarbejdet"):
        page.get_by_role("group", name=re.compile(name)).get_by_label("4").check()
    page.get_by_role("button", name="Gem vurdering").click()
    expect(page.get_by_role("status")).to_contain_text("kommunens vurdering er gemt")
    assert axe_violations(page) == []
