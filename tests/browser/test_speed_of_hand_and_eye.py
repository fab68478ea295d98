"""Speed of hand and eye, measured in Chromium: where focus goes, the keys, what a 1366x768
screen shows, the local rule's place, and the admins' and editors' new pages."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from hotline.db import make_engine, make_sessionmaker
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from hotline.search.indexing import listen, new_index
from tests.browser.conftest import (
    ADMIN,
    ARTIFACTS,
    EDITOR,
    LiveServer,
    axe_violations,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.slow

HEGN_LOCAL = "I Aarhus må et hegn mod vej højst være 1,5 m."
# A long shared text: the local rule appended to it used to be read 1,100 px further down.
HEGN_BODY = "# Hegn mod naboen\n\nEt hegn i skel må være 1,8 m højt.\n\n" + "".join(
    f"## Afsnit {n}\n\nRegler om hegn, del {n}, med mange ord om skel.\n\n" for n in range(12)
)
CATEGORIES = ["Byggeri", "Natur", "Veje", "Affald", "Borgerservice", "Skat", "Miljø", "Trafik"]


@pytest.fixture(scope="module", autouse=True)
def hegn_articles(live_server: LiveServer) -> None:
    """A long article Aarhus adds a local rule to, and "hegn" in eight categories (chips).
    Written through the services with the search change log, as the running app's are."""
    settings = live_server.settings
    factory = listen(make_sessionmaker(make_engine(settings.database_url)), new_index(settings))
    with factory() as session:
        hegn = knowledge.create_article(
            session,
            ArticleCreate(slug="hegn", title="Hegn mod naboen", category="Byggeri", body=HEGN_BODY),
            EDITOR,
        )
        knowledge.put_override(
            session, "0751", hegn, OverrideWrite(mode=OverrideMode.APPEND, body=HEGN_LOCAL), ADMIN
        )
        for category in CATEGORIES[1:]:
            slug = f"hegn-{category.lower().replace('ø', 'oe')}"
            knowledge.create_article(
                session,
                ArticleCreate(
                    slug=slug,
                    title=f"Hegn og {category.lower()}",
                    category=category,
                    body=f"Om hegn og {category.lower()}.",
                ),
                EDITOR,
            )
        session.commit()


@pytest.fixture
def laptop(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A 1366x768 screen, the commonest laptop in the municipalities' offices."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def _focused(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return e === document.body ? 'BODY' : "
        "(e.id || e.tagName + ':' + e.textContent.trim()); }"
    )


def test_focus_follows_the_work_and_never_falls_back_to_the_page(page: Page) -> None:
    sign_in(page, "agent.odense")
    assert _focused(page) == "f-find"  # the municipality field after sign-in

    page.keyboard.type("8000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Borgerens kommune: Aarhus Kommune")).to_be_visible()
    assert _focused(page) == "f-q"  # the search field after choosing a municipality

    page.keyboard.type("pas")
    results = page.get_by_role("list", name="Søgeresultater")
    expect(results.get_by_role("link", name="Pas til voksne")).to_be_visible()
    page.keyboard.press("ArrowDown")  # from the search field to the first result
    assert _focused(page) == "A:Pas til voksne"
    page.keyboard.press("Enter")
    expect(page.locator("#article").get_by_role("heading", name="Pas til voksne")).to_be_visible()
    expect(page.locator("#article")).to_be_focused()  # the article after opening it

    page.get_by_role("button", name="Vedlæg artiklen i svaret").click()
    expect(page.get_by_role("checkbox", name="Pas til voksne")).to_be_checked()
    assert _focused(page) != "BODY"
    page.get_by_label("Skabelon").select_option(index=1)
    page.get_by_role("button", name="Brug skabelon").click()
    expect(page.get_by_label("Svar", exact=True)).not_to_have_value("")
    expect(page.get_by_label("Svar", exact=True)).to_be_focused()  # write on in the template
    page.get_by_label("Borgerens e-mailadresse").fill("karen@example.dk")
    page.get_by_label("Emne").fill("Om pas")
    page.get_by_label("Svar", exact=True).fill("Her er svaret.")
    page.get_by_role("button", name="Send svar").click()
    expect(page.locator("#reply-status")).to_be_visible()
    expect(page.locator("#sent-status")).to_be_focused()  # the status after sending
    expect(page.locator("#reply-status")).to_contain_text("Sendt", timeout=20_000)
    assert _focused(page) == "sent-status"  # still there while the status updates itself


def test_a_documented_key_moves_to_search_and_arrows_walk_the_results(page: Page) -> None:
    sign_in(page, "agent.aarhus")
    page.goto("/console/?kommune=0751&q=hegn&artikel=hegn")
    expect(page.locator("#article")).to_be_focused()
    expect(page.locator("#search-keys")).to_contain_text("Tast / for at gå til søgefeltet")
    assert page.get_by_label("Søgeord").get_attribute("aria-keyshortcuts") == "/"

    page.keyboard.press("/")
    expect(page.get_by_label("Søgeord")).to_be_focused()
    links = page.get_by_role("list", name="Søgeresultater").get_by_role("link")
    count = links.count()
    assert count >= 3
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("Søgeord")).to_be_focused()
    # Typing "/" into a field is just a character.
    page.keyboard.type("a/b")
    expect(page.get_by_label("Søgeord")).to_have_value(re.compile("a/b$"))


def test_the_category_chips_fold_into_one_line(laptop: Page) -> None:
    sign_in(laptop, "agent.aarhus")
    laptop.goto("/console/?kommune=0751&q=hegn")
    # Each chip is a button of a posted form: the search words never stand in a URL.
    chips = laptop.get_by_role("navigation", name="Kategorier").get_by_role("button")
    expect(chips).to_have_count(len(CATEGORIES) + 1)  # "Alle" and one per category
    tops = {round(box["y"]) for box in (chips.nth(i).bounding_box() for i in range(chips.count()))}
    assert len(tops) == 1, f"the chips wrap over {len(tops)} lines"
    chips.last.focus()  # the last chip scrolls into reach by keyboard
    expect(chips.last).to_be_focused()
    strip = laptop.locator("#results .facets").bounding_box()
    last = chips.last.bounding_box()
    assert strip and last and last["x"] + last["width"] <= strip["x"] + strip["width"] + 1
    assert axe_violations(laptop) == []


def test_send_and_the_preview_are_in_view_together_on_a_laptop(laptop: Page) -> None:
    sign_in(laptop, "agent.aarhus")
    laptop.goto("/console/?kommune=0751&q=hegn&artikel=hegn")
    laptop.get_by_role("button", name="Vedlæg artiklen i svaret").click()
    expect(laptop.get_by_role("checkbox", name="Hegn mod naboen")).to_be_checked()
    laptop.get_by_label("Borgerens e-mailadresse").fill("karen@example.dk")
    laptop.get_by_label("Emne").fill("Om dit hegn")
    laptop.get_by_label("Svar", exact=True).fill("Her er reglerne for hegn.")
    frame = laptop.frame_locator("#preview iframe")
    expect(frame.get_by_text("Her er reglerne for hegn.")).to_be_visible()

    send = laptop.get_by_role("button", name="Send svar")
    send.scroll_into_view_if_needed()
    scrolled = laptop.evaluate("() => window.scrollY")
    send_box = send.bounding_box()
    # Each field left fired a preview of its own (``change``): on a loaded machine a late one
    # can be swapping the preview in just as it is measured (its box was None once).
    preview = laptop.locator("#preview iframe")
    expect(preview).to_be_visible()
    preview_box = preview.bounding_box()
    assert send_box and preview_box
    assert scrolled <= 2000, f"scrolled {scrolled} px to reach Send"
    assert send_box["y"] >= 0 and send_box["y"] + send_box["height"] <= 768
    shown = min(preview_box["y"] + preview_box["height"], 768) - max(preview_box["y"], 0)
    assert shown >= 300, f"only {shown} px of the preview is in view beside Send"
    screenshot(laptop, "speed-send-and-preview-1366x768")
    laptop.screenshot(path=ARTIFACTS / "speed-send-and-preview-viewport-1366x768.png")


def test_switching_municipality_with_a_half_written_reply_asks_first(page: Page) -> None:
    sign_in(page, "agent.aarhus")
    page.goto("/console/?kommune=0751")
    switch = page.get_by_role("link", name="Skift kommune")
    switch.click()  # nothing written yet: no question
    expect(page.get_by_role("heading", name="Vælg borgerens kommune")).to_be_visible()

    page.goto("/console/?kommune=0751")
    page.get_by_label("Svar", exact=True).fill("Kære borger, reglerne er")
    page.get_by_role("link", name="Skift kommune").click()
    dialog = page.get_by_role("dialog", name="Du har et svar i gang til Aarhus")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Bliv og skriv færdig")).to_be_focused()
    screenshot(page, "speed-switch-municipality-asks")
    dialog.get_by_role("button", name="Bliv og skriv færdig").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Svar", exact=True)).to_have_value("Kære borger, reglerne er")
    expect(page.get_by_role("link", name="Skift kommune")).to_be_focused()

    page.get_by_role("link", name="Skift kommune").click()
    dialog.get_by_role("link", name="Skift kommune alligevel").click()
    expect(page.get_by_role("heading", name="Vælg borgerens kommune")).to_be_visible()


def test_the_local_rule_is_read_where_it_changes_the_answer(laptop: Page) -> None:
    sign_in(laptop, "agent.aarhus")
    laptop.goto("/console/?kommune=0751&artikel=hegn")
    article = laptop.locator("#article")
    local = article.locator(".local-part")
    expect(local).to_contain_text(HEGN_LOCAL)
    offset = laptop.evaluate(
        """() => {
            const article = document.getElementById("article");
            const local = article.querySelector(".local-part");
            const last = article.querySelector(".article-body > :last-child");
            return {local: local.getBoundingClientRect().top - article.getBoundingClientRect().top,
                    last: last.getBoundingClientRect().top - article.getBoundingClientRect().top};
        }"""
    )
    assert offset["local"] < 300, f"the local rule starts {offset['local']} px into the article"
    assert offset["local"] < offset["last"]  # before the shared details, not after them
    screenshot(laptop, "speed-local-rule-first")


def test_highlighted_facts_do_not_look_like_links(page: Page) -> None:
    sign_in(page, "agent.aarhus")
    page.goto("/console/?kommune=0751&artikel=pas")
    fact = page.locator("#article mark.fact").first
    expect(fact).to_have_text("1.234,50")
    style = fact.evaluate(
        """element => {
            const s = getComputedStyle(element);
            const link = getComputedStyle(document.querySelector("a[href]"));
            const body = getComputedStyle(element.closest("p, td, li"));
            return {colour: s.color, bodyColour: body.color, linkColour: link.color,
                    underline: s.textDecorationLine, border: s.borderBottomWidth,
                    borderColour: s.borderBottomColor, cursor: s.cursor};
        }"""
    )
    assert style["colour"] == style["bodyColour"] != style["linkColour"]
    assert style["underline"] == "none"
    assert style["border"] == "0px"
    assert style["cursor"] != "pointer"


def test_admins_and_editors_pages(page: Page, browser: Browser, live_server: LiveServer) -> None:
    """The admin lands on the to-do list; a local rule is previewed with its start date and
    removed only after a question; the editor confirms who a change reaches and says why."""
    sign_in(page, "editor")
    page.goto("/console/redaktion/artikler/hegn")
    expect(page.locator("#affected")).to_contain_text("Aarhus Kommune har en lokal tilpasning")
    page.locator("#f-body").fill(HEGN_BODY + "Nyt afsnit om levende hegn.")
    page.get_by_label("Begrundelse for ændringen").fill("Ny vejledning om levende hegn.")
    page.get_by_role("button", name="Gem artikel").click()
    expect(page.get_by_role("heading", name="Bekræft, hvem ændringen rammer")).to_be_visible()
    screenshot(page, "editor-confirm-affected-municipalities")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Bekræft og gem").click()
    expect(page.get_by_role("status")).to_have_text("Artiklen er gemt.")
    page.goto("/console/redaktion/huller")
    expect(page.get_by_role("heading", name="Huller i vidensbasen")).to_be_visible()
    screenshot(page, "editor-knowledge-gaps")
    assert axe_violations(page) == []

    admin_context = browser.new_context(base_url=live_server.url)
    admin = admin_context.new_page()
    sign_in(admin, "admin.aarhus")
    assert admin.url.endswith("/console/kommune/0751#todo")
    todo = admin.get_by_role("list", name="Det skal I se på")
    expect(todo.get_by_role("link", name="Hegn mod naboen")).to_be_visible()
    screenshot(admin, "admin-todo-with-titles")
    todo.get_by_role("link", name="Hegn mod naboen").click()
    expect(admin.get_by_text("»Ny vejledning om levende hegn.«")).to_be_visible()
    admin.get_by_label("Lokal tekst").fill(HEGN_LOCAL + " Hegnet koster 900 kr.")
    admin.get_by_role("button", name="Vis forhåndsvisning").click()
    preview = admin.locator("#override-preview")
    expect(preview).to_contain_text("Forhåndsvisning (ikke gemt)")
    expect(preview.locator("#preview-starts")).to_contain_text("Gælder fra")
    expect(preview).to_contain_text("Hegnet koster 900 kr.")
    screenshot(admin, "admin-override-preview")
    assert axe_violations(admin) == []
    admin.get_by_role("button", name="Fjern tilpasningen").click()
    expect(admin.get_by_role("heading", name="Vil du fjerne tilpasningen?")).to_be_visible()
    screenshot(admin, "admin-override-confirm-delete")
    assert axe_violations(admin) == []
    admin.get_by_role("link", name="Nej, behold den").click()
    expect(admin.get_by_role("heading", name="Lokal tilpasning")).to_be_visible()
    admin_context.close()
