"""The letterhead editor in Chromium: a refused colour says why and stays as the admin chose."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow


def test_refused_colours_show_the_failing_pair_and_stay_in_the_form(page: Page) -> None:
    sign_in(page, "admin.aarhus")
    page.goto("/console/kommune/0751/brevpapir")
    page.get_by_label("Hovedfarve (båndet øverst)").fill("#777777")
    page.get_by_label("Tekst på hovedfarven").fill("#888888")

    # The live preview warns before anything is saved.
    preview = page.locator("#letterhead-preview")
    expect(preview.get_by_role("status")).to_contain_text("#888888 på #777777 har kontrast 1,26:1")

    page.get_by_role("button", name="Gem brevpapir").click()
    summary = page.locator("#colors-error")
    expect(summary).to_contain_text("Farverne har for lav kontrast (WCAG AA kræver mindst 4,5:1)")
    expect(summary).to_contain_text("Tekst på hovedfarven (navn, afdeling, knapper)")
    on_primary = page.get_by_label("Tekst på hovedfarven")
    expect(on_primary).to_have_value("#888888")  # the admin's colours, not the saved ones
    expect(on_primary).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Hovedfarve (båndet øverst)")).to_have_value("#777777")
    expect(page.get_by_text("Brevpapiret er gemt.")).to_have_count(0)
    screenshot(page, "letterhead-editor-refused-contrast")
    assert axe_violations(page) == []

    page.get_by_label("Tekst på hovedfarven").fill("#ffffff")
    page.get_by_label("Hovedfarve (båndet øverst)").fill("#14365d")
    page.get_by_role("button", name="Gem brevpapir").click()
    expect(page.get_by_role("status").filter(has_text="Brevpapiret er gemt.")).to_be_visible()
    expect(page.get_by_label("Hovedfarve (båndet øverst)")).to_have_value("#14365d")
    screenshot(page, "letterhead-editor-saved")
