"""Meeting types in Chromium: the editor defines one (questions, hours, capacity, linked
article), Aarhus' admin adds a local question and an instruction, and the citizen of Aarhus
gets the local question on the booking page while København's does not. axe-core finds no
WCAG 2.1 A/AA violation on the console pages."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_an_editor_defines_a_type_and_an_admin_adapts_it(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "editor")
    page.get_by_role("link", name="Redaktion").click()
    page.get_by_role("link", name="Mødetyper").click()
    expect(page.get_by_role("heading", name="Mødetyper")).to_be_visible()
    page.get_by_role("link", name="Ny mødetype").click()

    page.get_by_label("Adresse (slug) (skal udfyldes)").fill("pas-moede")
    page.get_by_label("Titel (skal udfyldes)").fill("Hjælp til pas")
    page.get_by_label("Video (link)").check()
    page.get_by_label("Varighed i minutter (skal udfyldes)").fill("20")
    page.get_by_label("Samtidige møder").fill("2")
    for weekday in ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag"):
        page.get_by_label(weekday, exact=True).fill("09:00-12:00, 13:00-15:00")
    page.get_by_label("Lukkede dage").fill("2027-01-02")
    page.get_by_label("Artikler medarbejderen får vist").fill("pas")
    page.locator("#q0-key").fill("emne")
    page.locator("#q0-label").fill("Hvad drejer det sig om?")
    page.locator("#q0-required").check()
    page.locator("#q1-key").fill("pastype")
    page.locator("#q1-label").fill("Hvilket pas?")
    page.locator("#q1-kind").select_option(label="Ét valg")
    page.locator("#q1-options").fill("Almindeligt pas\nNødpas")
    page.get_by_role("button", name="Gem mødetypen").click()
    expect(page.get_by_role("status")).to_have_text("Mødetypen er gemt.")
    expect(page.get_by_role("heading", name="Hjælp til pas", level=1)).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "meeting-types-01-editor")

    sign_in(page, "admin.aarhus")
    page.get_by_role("link", name="Min kommune").click()
    page.get_by_role("link", name="Mødetyper").click()
    expect(page.get_by_role("cell", name="Som fælles")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Hjælp til pas").click()
    page.get_by_label("Lokal instruks til medarbejderen").fill("Tjek altid Aarhus' pasregister.")
    page.locator("#q0-key").fill("borgerservice")
    page.locator("#q0-label").fill("Har du været i Borgerservice Aarhus?")
    page.locator("#q0-kind").select_option(label="Ja/nej")
    page.get_by_role("button", name="Gem tilpasningen").click()
    expect(page.get_by_role("status")).to_have_text("Tilpasningen er gemt.")
    assert axe_violations(page) == []
    screenshot(page, "meeting-types-02-admin")

    page.goto("/book/0751/pas-moede")
    expect(page.get_by_text("Har du været i Borgerservice Aarhus?")).to_be_visible()
    expect(page.get_by_text("Hvilket pas?")).to_be_visible()
    page.goto("/book/0101/pas-moede")
    expect(page.get_by_text("Hvilket pas?")).to_be_visible()
    expect(page.get_by_text("Har du været i Borgerservice Aarhus?")).to_have_count(0)
