"""A municipality admin's change reaches the agent at once; stored markup never runs."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import XSS, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_the_admins_override_edit_changes_what_the_agent_reads(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    agent_context = browser.new_context(base_url=live_server.url)
    agent = agent_context.new_page()
    sign_in(agent, "agent.odense")
    agent.goto("/console/?kommune=0751&artikel=pas")
    expect(agent.locator(".local-part")).to_contain_text("Mød op i Dokk1")

    sign_in(page, "admin.aarhus")
    page.goto("/console/kommune/0751")
    page.get_by_role("link", name="Pas til voksne", exact=True).click()
    expect(page.get_by_role("heading", name="Fælles tekst (udgave 1)")).to_be_visible()
    page.get_by_label("Erstatter den fælles tekst").check()
    page.get_by_label("Lokal titel (kun når teksten erstattes)").fill("Pas i Aarhus")
    page.get_by_label("Lokal tekst").fill("I Aarhus bestiller du pas i Dokk1 på {{ telefon }}.")
    page.get_by_role("button", name="Gem tilpasning").click()
    expect(page.get_by_role("status")).to_have_text("Tilpasningen er gemt.")
    screenshot(page, "08-admin-override-saved")

    agent.reload()
    expect(agent.get_by_role("heading", name="Pas i Aarhus")).to_be_visible()
    expect(agent.locator(".local-part")).to_contain_text("I Aarhus bestiller du pas i Dokk1 på")
    expect(agent.locator(".local-part mark.fact")).to_have_text("+45 89 40 20 00")
    screenshot(agent, "09-agent-sees-new-override")
    agent_context.close()


def test_the_admin_previews_the_letterhead_live(page: Page) -> None:
    sign_in(page, "admin.aarhus")
    page.goto("/console/kommune/0751/brevpapir")
    page.get_by_label("Afdeling").fill("Borgerservice Syd")
    frame = page.frame_locator("#letterhead-preview iframe")
    expect(frame.get_by_text("Borgerservice Syd").first).to_be_visible()


def test_stored_markup_in_articles_overrides_and_names_opens_no_dialog(page: Page) -> None:
    """The page fixture fails the test if any alert() ran; here we visit where the text shows."""
    sign_in(page, "ond@hotline.example")  # an account whose name carries the payload
    expect(page.get_by_text("Ond <script>")).to_be_visible()  # shown as text, not run
    page.goto("/console/?kommune=0751")
    page.get_by_label("Søgeord").press_sequentially("ondsindet", delay=30)
    page.get_by_role("list", name="Søgeresultater").get_by_role("link").first.click()
    expect(page.locator("#article")).to_contain_text("Ondsindet <script>")
    expect(page.locator(".local-part")).to_contain_text("Lokalt")
    page.get_by_label("Borgerens e-mailadresse").fill("borger@example.dk")
    page.get_by_label("Emne").fill("Test")
    page.get_by_label("Svar", exact=True).fill(XSS)
    page.get_by_role("button", name="Vis forhåndsvisning").click()
    expect(page.locator("#preview iframe")).to_be_visible()
    page.wait_for_timeout(500)  # give any injected handler its chance to fire
    for account, path in (
        ("admin.aarhus", "/console/kommune/0751/tilpasninger/ondsindet"),
        ("editor", "/console/redaktion/artikler/ondsindet"),
        ("operator", "/console/drift/konti"),
    ):
        page.context.clear_cookies()
        sign_in(page, account)
        page.goto(path)
        expect(page.get_by_text("<script>").first).to_be_visible()
    assert page.dialogs == []  # type: ignore[attr-defined]
