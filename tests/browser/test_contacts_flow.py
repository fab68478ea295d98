"""A contact end to end in Chromium: choosing the municipality opens it, the article read
attaches itself, "Send til kommunen" reaches the desk by SMTP, one keystroke on the outcome
closes it, and the desk marks the case handled through its link without an account."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_open_attach_forward_close_and_the_desk_handles_it(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    sign_in(page, "agent.aarhus")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("0751")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")
    panel = page.get_by_role("region", name=re.compile("Henvendelse for 0751"))
    expect(panel).to_be_visible()

    page.goto("/console/?kommune=0751&artikel=pas")  # reading the article records it
    expect(panel).to_contain_text("pas (åbnet)")
    assert axe_violations(page) == []

    panel.get_by_role("link", name="Send til kommunen").click()
    page.get_by_label("Hvad spurgte borgeren om?").fill("Hvornår kan jeg hente mit pas?")
    page.get_by_label("Hvad gjorde hotlinen?").fill("Forklarede reglerne for afhentning.")
    page.get_by_label("Telefon").fill("12345678")
    screenshot(page, "contacts-01-forward")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send til kommunen").click()
    expect(page.get_by_role("status")).to_contain_text("Sendt til kommunen")

    # One keystroke on the outcome: Alt+3 is "videresendt" (accesskey 3).
    page.get_by_role("button", name=re.compile("videresendt")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("table")).to_contain_text("videresendt")
    screenshot(page, "contacts-02-today")
    assert axe_violations(page) == []

    live_server.smtp.wait_for(1)
    desk_mail = live_server.smtp.messages[-1]
    body = desk_mail.get_body(("plain",)).get_content()
    assert "Telefon: 12345678" in body and "næste hverdag" in body
    link = re.search(r"(http://\S+/console/afdeling/\S+)", body)
    assert link, body

    desk = browser.new_context().new_page()  # the desk: no account, no cookies
    desk.goto(link.group(1))
    assert axe_violations(desk) == []
    desk.get_by_role("button", name="Markér sagen som håndteret").click()
    expect(desk.get_by_role("status")).to_contain_text("markeret som håndteret")
    desk.goto(link.group(1))
    desk.get_by_role("button", name="Markér sagen som håndteret").click()
    expect(desk.get_by_role("alert")).to_contain_text("allerede")
    desk.context.close()


@pytest.mark.parametrize(
    ("account", "path"),
    [
        ("supervisor", "/console/vagt"),
        ("supervisor", "/console/tal?gruppe=hour_weekday"),
        ("supervisor", "/console/tal/opgoerelse?kommune=0751"),
        ("operator", "/console/tal/opgoerelse"),  # the chooser of municipality and month
        ("editor", "/console/tal?gruppe=topic"),
        ("admin.aarhus", "/console/tal?gruppe=topic"),
        ("agent.aarhus", "/console/henvendelser"),
        ("admin.aarhus", "/console/kommune/0751/videresendelse"),
    ],
)
def test_the_contact_pages_have_no_wcag_violations(page: Page, account: str, path: str) -> None:
    sign_in(page, account)
    page.goto(path)
    assert axe_violations(page) == []
