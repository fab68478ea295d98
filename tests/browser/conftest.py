"""The real app under uvicorn on loopback, a real SMTP server, and Debian's headless Chromium.

One server and one database per test module; pages are fresh browser contexts per test.
axe-core is read from ``HOTLINE_AXE_JS`` (default ``var/npm/axe-core/axe.min.js``; CI puts
``npm pack axe-core@4`` there).
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.app import create_app
from hotline.auth.schemas import UserCreate
from hotline.auth.service import create_user
from hotline.composer.service import seed_shared_templates
from hotline.config import Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.demo import DEMO_PASSWORD, seed_demo_accounts
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import FactType, OverrideMode
from hotline.knowledge.schemas import ArticleCreate, FactCreate, OverrideWrite
from hotline.municipalities.service import import_postcodes, sync_municipalities
from tests.conftest import (
    KNOWLEDGE_BASE,
    PROJECT_ROOT,
    create_throwaway_database,
    drop_throwaway_database,
    make_settings,
    serving,
)
from tests.fixtures import POSTCODE_SAMPLE
from tests.mail.sink import SmtpSink, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(os.environ.get("HOTLINE_AXE_JS", PROJECT_ROOT / "var/npm/axe-core/axe.min.js"))
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)><svg onload=alert(2)>'
EDITOR = "editor@hotline.example"
ADMIN = "admin.aarhus@hotline.example"
LOCAL_PART = "Mød op i Dokk1 ved havnefronten."

expect.set_options(timeout=10_000)


# The municipality bar's facts as knowledge_base/facts.yaml defines them, Aarhus' values.
NIGHT_FACTS = {
    "borgerservice_telefon": (FactType.PHONE, None, "+45 89 40 20 00"),
    "borgerservice_telefontider": (
        FactType.OPENING_HOURS,
        None,
        "Man-ons 10-15, tors 10-17.30, fre 10-13",
    ),
    "vejvagt_telefon": (FactType.PHONE, None, "+45 89 40 35 00"),
    "vejvagt_telefontider": (
        FactType.OPENING_HOURS,
        None,
        "Hverdage 15-7, weekend og helligdage hele døgnet",
    ),
    "socialvagt_telefon": (FactType.PHONE, None, "+45 89 40 20 20"),
    "socialvagt_telefontider": (
        FactType.OPENING_HOURS,
        None,
        "Hverdage 15-8, weekend og helligdage hele døgnet",
    ),
    "boern_unge_vagt_telefon": (FactType.PHONE, None, "+45 89 40 20 30"),
    "boern_unge_vagt_telefontider": (FactType.OPENING_HOURS, None, "Alle dage hele døgnet"),
    "laegevagt_telefon": (FactType.PHONE, "1813", "+45 70 11 31 31"),
    "politi_telefon": (FactType.PHONE, "114", None),
}


def _seed_night_facts(session: Session) -> None:
    for key, (fact_type, default, aarhus) in NIGHT_FACTS.items():
        data = FactCreate(key=key, description=key, type=fact_type, default_value=default)
        knowledge.create_fact(session, data, EDITOR)
        if aarhus is not None:
            knowledge.set_fact_value(session, "0751", key, aarhus, ADMIN)


def _seed(settings: Settings) -> None:
    """Municipalities, postcodes, demo accounts, templates and a small knowledge base, with
    stored XSS payloads in an article, an override and an account name."""
    with transaction(make_sessionmaker(make_engine(settings.database_url))) as session:
        sync_municipalities(session, KNOWLEDGE_BASE / "municipalities.csv")
        import_postcodes(session, POSTCODE_SAMPLE)
        seed_demo_accounts(session)
        seed_shared_templates(session)
        knowledge.create_fact(
            session,
            FactCreate(
                key="gebyr_pas",
                description="Pasgebyr",
                type=FactType.MONEY,
                label="gebyret for pas",
            ),
            EDITOR,
        )
        knowledge.create_fact(
            session,
            FactCreate(
                key="telefon",
                description="Telefon",
                type=FactType.PHONE,
                label="Borgerservices telefonnummer",
            ),
            EDITOR,
        )
        knowledge.set_fact_value(session, "0751", "gebyr_pas", "1234.5", ADMIN)
        knowledge.set_fact_value(session, "0751", "telefon", "+45 89 40 20 00", ADMIN)
        knowledge.set_fact_value(session, "0461", "gebyr_pas", "893", ADMIN)
        _seed_night_facts(session)
        pas = knowledge.create_article(
            session,
            ArticleCreate(
                slug="pas",
                title="Pas til voksne",
                category="Borgerservice",
                valid_from=date(2020, 1, 1),
                body=(
                    "# Pas til voksne\n\nEt pas koster {{ gebyr_pas }} kr.\n\n"
                    "## Sådan gør du\n\n1. Bestil tid.\n2. Mød op med billede.\n\n"
                    "| Hvad | Pris |\n| --- | --- |\n| Pas | {{ gebyr_pas }} kr. |\n\n"
                    "Ring på {{ telefon }} eller se [borger.dk](https://www.borger.dk)."
                ),
            ),
            EDITOR,
        )
        knowledge.put_override(
            session, "0751", pas, OverrideWrite(mode=OverrideMode.APPEND, body=LOCAL_PART), ADMIN
        )
        evil = knowledge.create_article(
            session,
            ArticleCreate(slug="ondsindet", title=f"Ondsindet {XSS}", category="Test", body=XSS),
            EDITOR,
        )
        knowledge.put_override(
            session,
            "0751",
            evil,
            OverrideWrite(mode=OverrideMode.APPEND, body=f"Lokalt {XSS}"),
            ADMIN,
        )
        create_user(
            session,
            UserCreate(
                email="ond@hotline.example",
                full_name=f"Ond {XSS}",
                role="agent",
                municipality_code="0751",
                password=DEMO_PASSWORD,
            ),
        )


@dataclass
class LiveServer:
    url: str
    settings: Settings
    smtp: SmtpSink


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn serving create_app() in a thread, its outbox worker delivering to aiosmtpd."""
    backend = "postgresql" if os.environ.get("HOTLINE_TEST_POSTGRES_URL") else "sqlite"
    url = create_throwaway_database(backend, tmp_path_factory.mktemp("browser-db"))
    smtp = SmtpSink()
    smtp.start()
    settings = make_settings(url, tmp_path_factory.mktemp("browser-var"))
    port = free_port()
    settings = settings.model_copy(
        update={
            "smtp_url": smtp.url,
            "run_worker": True,
            "mail_poll_seconds": 0.2,
            "public_base_url": f"http://127.0.0.1:{port}",
        }
    )
    migrate.upgrade(settings)
    _seed(settings)
    with serving(create_app(settings), port):
        yield LiveServer(f"http://127.0.0.1:{port}", settings, smtp)
    smtp.stop()
    drop_throwaway_database(url)


# Package scope: Playwright's sync API keeps an event loop running in this thread, which
# would break asyncio.run() in every test collected after the browser tests.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) that fails the test on any JavaScript dialog."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()
    assert dialogs == [], f"a JavaScript dialog opened: {dialogs}"


SignIn = Callable[[Page, str], None]


def sign_in(page: Page, account: str) -> None:
    """Sign in through the form, by keyboard, as a demo account (part before '@')."""
    email = account if "@" in account else f"{account}@hotline.example"
    page.goto("/console/login")
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_label("Adgangskode").press("Enter")
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now.

    Injected through the DevTools protocol (``evaluate``), which the page's CSP does not
    govern, so the console's policy stays as strict in the test as in production.
    """
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: set HOTLINE_AXE_JS (npm pack axe-core@4)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
            const outcome = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return outcome.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary)
            }));
        }"""
    )
    return result
