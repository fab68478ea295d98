"""Every console page: zero axe-core WCAG 2.1 A/AA violations, a screenshot, and keyboard use."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow

# (account, path, screenshot name); the agent's pages are also checked mid-flow below.
PAGES = [
    (None, "/console/login", "login"),
    ("agent.aarhus", "/console/", "agent-home"),
    ("agent.aarhus", "/console/?find=2000", "agent-candidates"),
    ("agent.aarhus", "/console/?kommune=0147", "agent-non-member"),
    ("agent.aarhus", "/console/?kommune=0751&q=pas&artikel=pas", "agent-article"),
    ("agent.aarhus", "/console/?kommune=0461&q=pas&artikel=pas", "agent-missing-fact"),
    ("agent.aarhus", "/console/svar", "agent-replies"),
    ("agent.aarhus", "/console/findes-ikke", "error-404"),
    ("agent.aarhus", "/console/drift/konti", "error-403"),
    ("admin.aarhus", "/console/kommune/0751", "admin-overview"),
    ("admin.aarhus", "/console/kommune/0751/tilpasninger/pas", "admin-override"),
    ("admin.aarhus", "/console/kommune/0751/fakta", "admin-facts"),
    ("admin.aarhus", "/console/kommune/0751/lokale-artikler/ny", "admin-local-article"),
    ("admin.aarhus", "/console/kommune/0751/brevpapir", "admin-letterhead"),
    ("editor", "/console/redaktion/artikler", "editor-articles"),
    ("editor", "/console/redaktion/artikler/pas", "editor-article"),
    ("editor", "/console/redaktion/artikler/ny", "editor-new-article"),
    ("editor", "/console/redaktion/fakta", "editor-facts"),
    ("editor", "/console/redaktion/fakta/gebyr_pas", "editor-fact"),
    ("editor", "/console/redaktion/svarskabeloner/ny", "editor-new-template"),
    ("admin.aarhus", "/console/kommune/0751/svarskabeloner", "admin-templates"),
    ("operator", "/console/drift/kommuner", "operator-municipalities"),
    ("operator", "/console/drift/kommuner/0751", "operator-municipality"),
    ("operator", "/console/drift/konti", "operator-accounts"),
]


@pytest.mark.parametrize(("account", "path", "name"), PAGES, ids=[p[2] for p in PAGES])
def test_page_has_no_wcag_violations(page: Page, account: str | None, path: str, name: str) -> None:
    if account:
        sign_in(page, account)
    page.goto(path)
    expect(page.locator("main")).to_be_visible()
    screenshot(page, f"page-{name}")
    assert axe_violations(page) == []
    assert page.locator("html").get_attribute("lang") == "da"


def test_the_agent_screen_with_errors_and_preview_has_no_wcag_violations(page: Page) -> None:
    sign_in(page, "agent.aarhus")
    page.goto("/console/?kommune=0751&q=pas&artikel=pas")
    page.get_by_label("Borgerens e-mailadresse").fill("ikke en adresse")
    page.get_by_label("Emne").fill("Om pas")
    page.get_by_label("Svar", exact=True).fill("Hej")
    page.get_by_role("button", name="Send svar").click()
    expect(page.locator("#f-to-error")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Borgerens e-mailadresse").fill("borger@example.dk")
    page.get_by_role("button", name="Vis forhåndsvisning").click()
    expect(page.frame_locator("#preview iframe").get_by_text("Hej")).to_be_visible()
    screenshot(page, "page-agent-preview")
    assert axe_violations(page) == []


def test_the_skip_link_comes_first_and_leads_to_the_content(page: Page) -> None:
    sign_in(page, "agent.aarhus")
    # The agent's screen starts in the municipality field; a page without a starting field
    # shows the skip link as the first stop.
    page.goto("/console/svar")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Spring til indholdet")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_an_agent_answers_by_keyboard_alone(page: Page) -> None:
    """Municipality, search, article, attach, compose, preview: every step without a mouse."""
    sign_in(page, "agent.aarhus")

    def tab_to(locator, limit: int = 80) -> None:
        for _ in range(limit):
            if locator.evaluate("element => element === document.activeElement"):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"{locator} cannot be reached with Tab")

    tab_to(page.get_by_label("Kommunenavn, kommunekode eller postnummer"))
    page.keyboard.type("Aarhus")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Borgerens kommune: Aarhus Kommune")).to_be_visible()
    tab_to(page.get_by_label("Søgeord"))
    page.keyboard.type("pas")
    result = page.get_by_role("list", name="Søgeresultater").get_by_role("link").first
    expect(result).to_be_visible()
    tab_to(result)
    page.keyboard.press("Enter")
    attach = page.get_by_role("button", name="Vedlæg artiklen i svaret")
    expect(attach).to_be_visible()
    tab_to(attach)
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Pas til voksne")).to_be_checked()
    tab_to(page.get_by_label("Borgerens e-mailadresse"))
    page.keyboard.type("borger@example.dk")
    tab_to(page.get_by_label("Emne"))
    page.keyboard.type("Om pas")
    tab_to(page.get_by_label("Svar", exact=True))
    page.keyboard.type("Se vedlagte artikel.")
    tab_to(page.get_by_role("button", name="Vis forhåndsvisning"))
    page.keyboard.press("Enter")
    expect(
        page.frame_locator("#preview iframe").get_by_text("Se vedlagte artikel.")
    ).to_be_visible()
    send = page.get_by_role("button", name="Send svar")
    tab_to(send)
    expect(send).to_be_focused()


def test_the_axe_check_does_catch_a_violation(page: Page) -> None:
    """Guards the guard: an image without a text alternative must be reported."""
    page.goto("/console/login")
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert "image-alt" in [violation["id"] for violation in axe_violations(page)]
