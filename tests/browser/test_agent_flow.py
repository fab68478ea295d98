"""An agent answers a citizen end to end in Chromium, and the mail reaches a real SMTP server."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LOCAL_PART, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_an_agent_answers_a_citizen_of_another_municipality(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "agent.odense")
    screenshot(page, "01-agent-choose-municipality")

    # A postcode shared by two municipalities offers both; the non-member is marked.
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("2000")
    candidates = page.get_by_role("list", name="Kommuner der passer")
    expect(candidates.get_by_role("listitem")).to_have_count(2)
    expect(
        candidates.get_by_role("listitem").filter(has_text="Frederiksberg Kommune")
    ).to_contain_text("Ikke medlem af hotline")
    # An unambiguous postcode and Enter choose the municipality.
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("8000")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")
    expect(page.get_by_role("heading", name="Borgerens kommune: Aarhus Kommune")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Aarhus"))).to_be_visible()

    # Search as you type: results with the local-rule badge and the category facet.
    page.get_by_label("Søgeord").press_sequentially("pas", delay=40)
    results = page.get_by_role("list", name="Søgeresultater")
    expect(results.get_by_role("link", name="Pas til voksne")).to_be_visible()
    expect(results).to_contain_text("Lokal regel")
    expect(page.get_by_role("navigation", name="Kategorier")).to_contain_text("Borgerservice")
    screenshot(page, "02-agent-search")

    # The article for Aarhus, its local part marked and facts highlighted.
    results.get_by_role("link", name="Pas til voksne").click()
    article = page.locator("#article")
    expect(article.get_by_role("heading", name="Pas til voksne")).to_be_visible()
    expect(article.locator(".local-part")).to_contain_text("Lokal regel i Aarhus")
    expect(article.locator(".local-part")).to_contain_text(LOCAL_PART)
    expect(article.locator("mark.fact").first).to_have_text("1.234,50")
    expect(article).to_contain_text("Gælder fra 1. januar 2020")
    assert "artikel=pas" in page.url  # the address can be shared and reloaded
    article.get_by_text("Vis den fælles tekst ved siden af").click()
    expect(article.get_by_role("heading", name="Fælles tekst")).to_be_visible()
    screenshot(page, "03-agent-article")

    # Compose: attach the article, the CPR guard speaks inline, the preview is the letter.
    article.get_by_role("button", name="Vedlæg artiklen i svaret").click()
    expect(page.get_by_role("checkbox", name="Pas til voksne")).to_be_checked()
    page.get_by_label("Borgerens e-mailadresse").fill("karen@example.dk")
    page.get_by_label("Borgerens navn").fill("Karen Jensen")
    page.get_by_label("Emne").fill("Dit spørgsmål om pas")
    page.get_by_label("Svar", exact=True).fill("Jeg kan se dit CPR-nummer 010190-1234.")
    expect(page.locator("#preview").get_by_role("alert")).to_contain_text(
        "Svaret indeholder et CPR-nummer"
    )
    screenshot(page, "04-agent-cpr-guard")
    page.get_by_label("Svar", exact=True).fill("Her er svaret om pas i {{ municipality }}.")
    frame = page.frame_locator("#preview iframe")
    expect(frame.get_by_text("Her er svaret om pas i Aarhus Kommune.")).to_be_visible()
    expect(frame.get_by_text("Kære Karen Jensen,")).to_be_visible()
    screenshot(page, "05-agent-preview")

    # Send; the status updates by itself until the SMTP server has the mail.
    page.get_by_role("button", name="Send svar").click()
    expect(page.locator("#reply-status")).to_contain_text("Sendt", timeout=20_000)
    live_server.smtp.wait_for(1)
    message = live_server.smtp.messages[-1]
    assert message["To"] == "karen@example.dk"
    # Each reply has a reference the citizen can quote.
    assert re.fullmatch(r"Dit spørgsmål om pas \[HL-[2-9A-Z]{5}\]", message["Subject"])
    html = message.get_body(("html",)).get_content()
    assert "Her er svaret om pas i Aarhus Kommune." in html and "Pas til voksne" in html
    screenshot(page, "06-agent-sent")

    page.get_by_role("link", name="Se mine svar").click()
    row = page.get_by_role("row").filter(has_text="Dit spørgsmål om pas")
    expect(row).to_contain_text("Sendt")
    screenshot(page, "07-agent-my-replies")


def test_reading_works_with_javascript_off(browser, live_server: LiveServer) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "agent.aarhus")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("aarhus")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Borgerens kommune: Aarhus Kommune")).to_be_visible()
    page.get_by_label("Søgeord").fill("pas")
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name="Pas til voksne").click()
    expect(page.locator(".local-part")).to_contain_text("Lokal regel i Aarhus")
    context.close()
