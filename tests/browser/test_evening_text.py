"""Issue 14 in Chromium: what an evening shift's edits and replies put in front of citizens, and
what a search box must never leak."""

import re

import pytest
from playwright.sync_api import Page, expect

from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.knowledge import service as knowledge
from tests.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.slow

CPR = "120345-1234"


def _changed_lines(diff: str) -> list[str]:
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def _choose_aarhus_and_open_pas(page: Page) -> None:
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("8000")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")
    expect(page.get_by_role("heading", name="Borgerens kommune: Aarhus Kommune")).to_be_visible()
    page.get_by_label("Søgeord").fill("pas")
    page.get_by_label("Søgeord").press("Enter")
    page.get_by_role("list", name="Søgeresultater").get_by_role(
        "link", name="Pas til voksne"
    ).click()
    expect(page.locator("#article").get_by_role("heading", name="Pas til voksne")).to_be_visible()


def test_a_one_line_browser_edit_diffs_as_one_line_and_the_reply_keeps_the_shared_body(
    page: Page, live_server: LiveServer
) -> None:
    # The editor changes one line of the shared article in the browser (which sends \r\n).
    sign_in(page, "editor")
    page.goto("/console/redaktion/artikler/pas")
    body = page.locator("#f-body")
    before = body.input_value()
    body.fill(before.replace("Et pas koster", "Et voksenpas koster"))
    page.get_by_role("button", name="Gem artikel").click()
    # Aarhus has an override: the editor confirms who the change reaches (and the form, sent
    # again from the browser, again carries \r\n).
    expect(page.get_by_role("heading", name="Bekræft, hvem ændringen rammer")).to_be_visible()
    page.get_by_role("button", name="Bekræft og gem").click()
    expect(page.get_by_text("Artiklen er gemt.")).to_be_visible()

    with transaction(make_sessionmaker(make_engine(live_server.settings.database_url))) as db:
        article = knowledge.get_article(db, "pas")
        assert "\r" not in article.body
        stale = knowledge.override_read(db, knowledge.get_override(db, "0751", "pas"))
        assert stale.shared_diff is not None
        assert _changed_lines(stale.shared_diff) == [
            "-Et pas koster {{ gebyr_pas }} kr.",
            "+Et voksenpas koster {{ gebyr_pas }} kr.",
        ]

    # Aarhus' admin sees just that line, and adds guidance for the agents to the override.
    page.context.clear_cookies()
    sign_in(page, "admin.aarhus")
    page.goto("/console/kommune/0751/tilpasninger/pas")
    diff = page.locator("pre.diff")
    expect(diff.locator("ins")).to_have_count(1)
    expect(diff.locator("del")).to_have_count(1)
    screenshot(page, "t14-override-one-line-diff")
    page.get_by_label("Kun til medarbejderne").fill(
        "Aarhus-borgere, der ringer efter kl. 15, skal have kvitteringen klar."
    )
    page.get_by_role("button", name="Gem tilpasning").click()
    expect(page.get_by_text("Tilpasningen er gemt.")).to_be_visible()

    # The agent sees the guidance, attaches the article and sends: the shared body is mailed,
    # the guidance is not, and the reply has a reference in subject, footer and console.
    page.context.clear_cookies()
    sign_in(page, "agent.aarhus")
    _choose_aarhus_and_open_pas(page)
    notes = page.get_by_role("complementary", name=re.compile("sendes aldrig til borgeren"))
    expect(notes).to_contain_text("skal have kvitteringen klar")
    screenshot(page, "t14-agent-notes-in-article")
    page.locator("#article").get_by_role("button", name="Vedlæg artiklen i svaret").click()
    expect(page.get_by_role("checkbox", name="Pas til voksne")).to_be_checked()
    page.get_by_label("Borgerens e-mailadresse").fill("karen@example.dk")
    page.get_by_label("Emne").fill("Dit pas")
    page.get_by_label("Svar", exact=True).fill("Her er reglerne.")
    # As the agent does (and the other flows here): the letter in the preview, then Send. A
    # click while a preview was still being drawn moved the button away under load, once.
    expect(page.frame_locator("#preview iframe").get_by_text("Her er reglerne.")).to_be_visible()
    sent_before = len(live_server.smtp.messages)
    page.get_by_role("button", name="Send svar").click()
    status = page.locator("#reply-status")
    expect(status).to_contain_text("Sendt", timeout=20_000)
    reference = status.locator(".reference").inner_text()
    assert re.fullmatch(r"HL-[2-9A-Z]{5}", reference)
    screenshot(page, "t14-agent-sent-with-reference")

    live_server.smtp.wait_for(sent_before + 1)
    message = live_server.smtp.messages[-1]
    assert message["Subject"] == f"Dit pas [{reference}]"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Et voksenpas koster 1.234,50 kr." in part  # the shared body, not only the local
        assert "Mød op i Dokk1" in part
        assert "kvitteringen" not in part
        assert reference in part
    assert "**" not in text and "##" not in text
    assert "borger.dk (https://www.borger.dk)" in text


def test_an_unfilled_template_placeholder_stops_the_reply_and_says_where(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "agent.aarhus")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("8000")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")
    page.get_by_label("Skabelon").select_option(label="Tak for henvendelsen")
    page.get_by_role("button", name="Brug skabelon").click()
    expect(page.get_by_label("Svar", exact=True)).to_have_value(
        re.compile(r"\[Skriv svaret her\.\]")
    )
    page.get_by_label("Borgerens e-mailadresse").fill("karen@example.dk")
    sent_before = len(live_server.smtp.messages)
    page.get_by_role("button", name="Send svar").click()
    error = page.locator("#f-body_markdown-error")
    expect(error).to_contain_text("»[Skriv svaret her.]« i linje 3")
    screenshot(page, "t14-agent-unfilled-placeholder")
    assert len(live_server.smtp.messages) == sent_before


def test_the_search_box_keeps_its_words_out_of_every_address_and_refuses_a_cpr_number(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "agent.aarhus")
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill("8000")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")

    page.get_by_label("Søgeord").fill(f"borger {CPR}")
    page.get_by_label("Søgeord").press("Enter")
    expect(page.locator("#results").get_by_role("alert")).to_contain_text(
        "Søgningen indeholder et CPR-nummer"
    )
    screenshot(page, "t14-search-cpr-refused")

    page.get_by_label("Søgeord").fill("pas")
    page.get_by_label("Søgeord").press("Enter")
    results = page.get_by_role("list", name="Søgeresultater")
    expect(results.get_by_role("link", name="Pas til voksne")).to_be_visible()
    results.get_by_role("link", name="Pas til voksne").click()
    expect(page.locator("#article").get_by_role("heading", name="Pas til voksne")).to_be_visible()

    visited = [*addresses, page.url]
    assert not [address for address in visited if "1203" in address or "q=" in address]
    history = page.evaluate("() => [location.href, history.length]")
    assert "q=" not in history[0]
