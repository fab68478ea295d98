"""An evening call end to end in Chromium, for a member and for a non-member municipality:
choose by postcode, read the municipality bar (open or closed now, the numbers out of hours),
search, open the article, compose, send, and check the mail the SMTP server received."""

import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow

OPEN_OR_CLOSED = re.compile(r"(åben nu, lukker|lukket nu, åbner|åben hele døgnet)")
FREDERIKSBERG_POINTER = "oplyses af Frederiksberg Kommune: https://www.frederiksberg.dk]"


def _choose_by_postcode(page: Page, postcode: str) -> None:
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").fill(postcode)


def _search_and_open(page: Page, words: str, title: str) -> None:
    page.get_by_label("Søgeord").press_sequentially(words, delay=30)
    results = page.get_by_role("list", name="Søgeresultater")
    results.get_by_role("link", name=title).click()
    expect(page.locator("#article").get_by_role("heading", name=title)).to_be_visible()


def _compose(page: Page, subject: str) -> FrameLocator:
    """Attach the open article and write a short reply; returns the letter's preview."""
    page.locator("#article").get_by_role("button", name="Vedlæg artiklen i svaret").click()
    expect(page.get_by_role("checkbox", name="Pas til voksne")).to_be_checked()  # redrawn
    page.get_by_label("Borgerens e-mailadresse").fill(f"borger.{subject[:3].lower()}@example.dk")
    page.get_by_label("Emne").fill(subject)
    page.get_by_label("Svar", exact=True).fill("Her er svaret på dit spørgsmål fra i aftes.")
    frame = page.frame_locator("#preview iframe")
    expect(frame.get_by_text("Her er svaret på dit spørgsmål fra i aftes.")).to_be_visible()
    return frame


def _send(page: Page, live_server: LiveServer, subject: str) -> EmailMessage:
    """Send, wait for the status to say it reached the SMTP server, and return that mail."""
    page.get_by_role("button", name="Send svar").click()
    expect(page.locator("#reply-status")).to_contain_text("Sendt", timeout=20_000)
    # The subject ends with the reply's reference, which the citizen can quote.
    sent_subject = re.compile(re.escape(subject) + r" \[HL-[2-9A-Z]{5}\]")
    [message] = [m for m in live_server.smtp.messages if sent_subject.fullmatch(m["Subject"])]
    return message


def test_an_evening_call_for_a_member_municipality(page: Page, live_server: LiveServer) -> None:
    sign_in(page, "agent.odense")
    _choose_by_postcode(page, "8000")
    page.get_by_label("Kommunenavn, kommunekode eller postnummer").press("Enter")
    expect(page.get_by_role("heading", name="Borgerens kommune: Aarhus Kommune")).to_be_visible()

    # Beside the municipality: Borgerservice open or closed now, with its own hours, and the
    # numbers out of hours, each with its hours saying whether it answers now.
    bar = page.locator("#municipality-now")
    office = bar.locator(".office-now")
    expect(office).to_contain_text("Borgerservice:")
    expect(office).to_contain_text("+45 89 40 20 00")
    expect(office).to_contain_text("(Man-ons 10-15, tors 10-17.30, fre 10-13)")
    expect(office.locator(".now")).to_have_text(OPEN_OR_CLOSED)
    numbers = bar.get_by_role("list", name="Numre uden for åbningstid")
    road = numbers.get_by_role("listitem").filter(has_text="Vejvagt")
    expect(road).to_contain_text("+45 89 40 35 00")
    expect(road.locator(".now")).to_have_text(OPEN_OR_CLOSED)
    expect(numbers.get_by_role("listitem").filter(has_text="Socialvagt")).to_contain_text(
        "+45 89 40 20 20"
    )
    expect(numbers.get_by_role("listitem").filter(has_text="Børn og unge")).to_contain_text(
        "åben hele døgnet"
    )
    expect(numbers.get_by_role("listitem").filter(has_text="lægevagt")).to_contain_text(
        "+45 70 11 31 31"  # Aarhus' region's own number, not the 1813 default
    )
    expect(numbers.get_by_role("listitem").filter(has_text="Politiet")).to_contain_text("114")
    expect(bar.locator("#night-unknown")).to_have_count(0)
    screenshot(page, "20-evening-member-bar")
    assert axe_violations(page) == []

    _search_and_open(page, "pas", "Pas til voksne")
    expect(page.locator("#gap-notice")).to_have_count(0)
    _compose(page, "Pas, aftenvagten")
    message = _send(page, live_server, "Pas, aftenvagten")
    text = message.get_body(("plain",)).get_content()
    assert "Et pas koster 1.234,50 kr." in text
    assert "oplyses af" not in text
    screenshot(page, "21-evening-member-sent")


def test_an_evening_call_for_a_non_member_municipality(page: Page, live_server: LiveServer) -> None:
    sign_in(page, "agent.aarhus")

    # 2000 is shared by Copenhagen and Frederiksberg: the choice says which districts are whose.
    _choose_by_postcode(page, "2000")
    expect(page.locator("#shared-postcode")).to_contain_text(
        "Postnummer 2000 Frederiksberg deles af 2 kommuner"
    )
    candidates = page.get_by_role("list", name="Kommuner der passer")
    frederiksberg = candidates.get_by_role("listitem").filter(has_text="Frederiksberg Kommune")
    expect(frederiksberg).to_contain_text("Ikke medlem af hotline")
    expect(frederiksberg).to_contain_text("Postdistrikter i Frederiksberg Kommune")
    expect(
        candidates.get_by_role("listitem").filter(has_text="Københavns Kommune")
    ).to_contain_text("2100 København Ø")
    screenshot(page, "22-evening-shared-postcode")
    frederiksberg.get_by_role("link", name="Frederiksberg Kommune").click()
    expect(
        page.get_by_role("heading", name="Borgerens kommune: Frederiksberg Kommune")
    ).to_be_visible()

    # The bar: the register's switchboard, the national numbers, and in words what is unknown.
    bar = page.locator("#municipality-now")
    expect(bar.locator(".office-now")).to_contain_text("+45 38 21 21 21")
    expect(bar.locator(".office-now")).to_contain_text(
        "Kommunens hovednummer: Frederiksberg er ikke med i hotline"
    )
    numbers = bar.get_by_role("list", name="Numre uden for åbningstid")
    expect(numbers.get_by_role("listitem").filter(has_text="lægevagt")).to_contain_text("1813")
    expect(numbers.get_by_role("listitem").filter(has_text="Politiet")).to_contain_text("114")
    expect(bar.locator("#night-unknown")).to_contain_text(
        "Kendes ikke: Vejvagt, Socialvagt, Børn og unge (døgnvagt). Frederiksberg er ikke med i "
        "hotline - henvis til kommunens hjemmeside (https://www.frederiksberg.dk)."
    )
    screenshot(page, "23-evening-non-member-bar")

    # The article: what is missing in words, never the fact's key, nor "mangler at udfylde".
    _search_and_open(page, "pas", "Pas til voksne")
    expect(page.locator("#gap-notice")).to_have_text(
        "Frederiksberg er ikke med i hotline: gebyret for pas og Borgerservices telefonnummer "
        "kendes ikke - henvis til kommunens hjemmeside (https://www.frederiksberg.dk). Sender du "
        "artiklen, står der en henvisning til hjemmesiden i stedet."
    )
    expect(page.locator("#article mark.fact-missing").first).to_have_text(
        f"[gebyret for pas {FREDERIKSBERG_POINTER}"
    )
    page_text = page.locator("body").inner_text()
    assert "gebyr_pas" not in page_text and "mangler at udfylde" not in page_text
    screenshot(page, "24-evening-non-member-article")
    assert axe_violations(page) == []

    # The article can be sent: the letter reads the pointer in place of the value.
    frame = _compose(page, "Pas, Frederiksberg")
    expect(
        frame.get_by_text(re.compile(r"Et pas koster \[gebyret for pas oplyses af"))
    ).to_be_visible()
    screenshot(page, "25-evening-non-member-preview")
    message = _send(page, live_server, "Pas, Frederiksberg")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Et pas koster [gebyret for pas {FREDERIKSBERG_POINTER}." in text
    assert f"[Borgerservices telefonnummer {FREDERIKSBERG_POINTER}" in text
    for forbidden in ("gebyr_pas", "telefon}", "mangler"):
        assert forbidden not in text and forbidden not in html
    screenshot(page, "26-evening-non-member-sent")
