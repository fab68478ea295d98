"""A citizen books a meeting in Chromium without JavaScript, on Aarhus' letterhead: choose the
type, a day and a time, answer the form, accept the privacy text; then cancels through the
link in the confirmation email. axe-core finds no WCAG 2.1 A/AA violation on any step."""

import re
from datetime import datetime, time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hotline.auth.models import User
from hotline.auth.permissions import Action, SignedLinkActor
from hotline.db import make_engine, make_sessionmaker, transaction, utcnow
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.meetings import service
from hotline.meetings.schemas import BookingIn, MeetingTypeIn
from tests.browser.conftest import LiveServer, axe_violations, screenshot, sign_in
from tests.meetings.conftest import QUESTIONS

pytestmark = pytest.mark.slow


def _define_meeting_type(live_server: LiveServer) -> None:
    engine = make_engine(live_server.settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        if service.offered_types(session, "0751"):
            return
        editor = session.query(User).filter_by(email="editor@hotline.example").one()
        data: dict[str, Any] = {
            "slug": "folkepension",
            "title": "Folkepension - telefonmøde",
            "duration_minutes": 30,
            "channel": "phone",
            "questions": QUESTIONS,
            # open late, so the day's last slot (23:00) lies ahead whenever the suite runs
            "opening_hours": {day: [("08:00", "23:30")] for day in range(7)},
            "min_notice_hours": 0,
            "horizon_days": 14,
        }
        service.create_meeting_type(session, editor, MeetingTypeIn.model_validate(data))
    engine.dispose()


def test_a_citizen_books_and_cancels_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    _define_meeting_type(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page: Page = context.new_page()
    try:
        page.goto("/book/0751")
        expect(page.get_by_role("heading", name="Book et møde")).to_be_visible()
        assert axe_violations_with_js(browser, live_server, "/book/0751") == []
        page.get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", name="Book a meeting")).to_be_visible()
        page.get_by_role("link", name="Dansk").click()

        page.get_by_role("link", name="Folkepension - telefonmøde").click()
        page.locator('input[name="starts_at"]').first.check()
        page.get_by_label("Hvad drejer det sig om? (skal udfyldes)").fill("Ansøgning")
        page.get_by_label("Folkepension", exact=True).check()
        page.get_by_label("A", exact=True).check()
        page.get_by_role("group", name=re.compile("Har du MitID")).get_by_label("Ja").check()
        page.get_by_label("Navn (skal udfyldes)").fill("Birthe Borger")
        page.get_by_label("E-mail").fill("birthe@example.dk")
        page.get_by_label(re.compile("Jeg har læst")).check()
        screenshot(page, "meetings-01-form")
        page.wait_for_timeout(3_200)  # a person takes longer than the form's minimum fill time
        page.get_by_role("button", name="Book mødet").click()
        expect(page.get_by_role("heading", name="Dit møde er booket")).to_be_visible()
        screenshot(page, "meetings-02-booked")
        manage_path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
        page.get_by_role("button", name="Aflys mødet").click()
        expect(page.get_by_text("Mødet er aflyst.")).to_be_visible()
    finally:
        context.close()
    for path in ("/book/0751/folkepension", "/book/0751/folkepension?lang=en", manage_path):
        assert axe_violations_with_js(browser, live_server, path) == [], path


def axe_violations_with_js(browser: Browser, live_server: LiveServer, path: str) -> list[dict]:
    """axe runs as a script, so the audit opens the page in a context with JavaScript on."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(path)
        return axe_violations(page)
    finally:
        context.close()


def test_an_admin_cancels_a_meeting_of_the_day_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    """'Aflys mødet' on Dagens møder asks on the page itself, then cancels; no script needed."""
    _define_meeting_type(live_server)
    engine = make_engine(live_server.settings.database_url)
    today = utcnow().astimezone(COPENHAGEN).date()
    evening = datetime.combine(today, time(23), tzinfo=COPENHAGEN)  # the day's last slot
    if utcnow() >= evening:
        pytest.skip("the day's last slot has begun: a begun meeting cannot be cancelled")
    with transaction(make_sessionmaker(engine)) as session:
        service.book_meeting(
            session, SignedLinkActor(Action.BOOK_MEETING, "0751"), "0751",
            BookingIn.model_validate({
                "meeting_type": "folkepension", "starts_at": evening.isoformat(),
                "answers": {"emne": "Flytning", "type": "Folkepension", "mitid": "yes"},
                "citizen_name": "Karl Aflyst", "citizen_phone": "87654321",
                "privacy_accepted": True,
            }),
            now=datetime.combine(today, time(0), tzinfo=COPENHAGEN),
        )  # fmt: skip
    engine.dispose()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page: Page = context.new_page()
    try:
        sign_in(page, "admin.aarhus")
        page.goto("/console/moeder")
        meeting = page.get_by_role("region", name=re.compile("Folkepension")).filter(
            has_text="Karl Aflyst"
        )
        meeting.get_by_role("link", name="Aflys mødet").click()
        expect(page.get_by_text("Vil du aflyse mødet med Karl Aflyst?")).to_be_visible()
        screenshot(page, "meetings-03-console-cancel-confirm")
        confirm_path = re.sub(r"^https?://[^/]+", "", page.url)
        page.get_by_role("button", name="Ja, aflys mødet").click()
        expect(page.get_by_text("Mødet er aflyst, og tiden er ledig igen.")).to_be_visible()
        expect(page.get_by_text("Karl Aflyst")).to_have_count(0)
    finally:
        context.close()
    assert axe_violations_with_js_signed_in(browser, live_server, confirm_path) == []


def axe_violations_with_js_signed_in(
    browser: Browser, live_server: LiveServer, path: str
) -> list[dict]:
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        sign_in(page, "admin.aarhus")
        page.goto(path)
        return axe_violations(page)
    finally:
        context.close()
