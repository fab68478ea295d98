"""Every text/background pair the letter layout draws is checked for WCAG AA contrast."""

from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup

from hotline.config import Settings
from hotline.letterheads.contrast import LAYOUT_TEXT_PAIRS, contrast_problems
from hotline.letterheads.render import Excerpt, LetterContent, render_letter
from hotline.letterheads.resolution import Letterhead
from hotline.letterheads.schemas import Colors, Theme
from hotline.municipalities.models import Municipality

AARHUS = "/api/v1/letterheads/0751"
VOID = {"br", "img", "meta", "link", "input", "hr", "col", "area", "base", "source", "wbr"}


class _TextColours(HTMLParser):
    """(text colour, background colour) under every piece of visible text, following the
    inherited inline styles and ``bgcolor`` attributes (the mail layout inlines its CSS)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str, str]] = [("html", "#000000", "#ffffff")]
        self.pairs: set[tuple[str, str]] = set()
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        _, colour, background = self.stack[-1]
        values = dict(attrs)
        background = values.get("bgcolor") or background
        for declaration in (values.get("style") or "").split(";"):
            name, _, value = declaration.partition(":")
            value = value.replace("!important", "").strip().lower()
            if name.strip() == "color":
                colour = value
            elif name.strip() in ("background-color", "background"):
                background = value
        self.hidden += tag in ("head", "style", "title")
        self.stack.append((tag, colour, background))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack and self.stack[-1][0] != tag:
            self.stack.pop()
        if len(self.stack) > 1:
            self.stack.pop()
        self.hidden -= tag in ("head", "style", "title")

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.hidden:
            _, colour, background = self.stack[-1]
            self.pairs.add((colour.lower(), background.lower()))


def _letter(settings: Settings, *, member: bool, theme: Theme) -> str:
    municipality = Municipality(
        code="0751", name="Aarhus Kommune", phone="+45 89 40 20 00", website="https://aarhus.dk"
    )
    letterhead = Letterhead(municipality, theme, None, "files" if member else "hotline", 0)
    letter = LetterContent(
        subject="Svar",
        day=date(2026, 11, 23),
        greeting="Kære borger,",
        body_html=Markup('<h2>Overskrift</h2><p>Tekst med <a href="https://x.dk">link</a>.</p>'),
        body_text="Tekst",
        excerpts=(Excerpt("Pas", Markup("<p>Uddrag.</p>"), "Uddrag."),),
        agent_first_name="Anna",
        survey_link="https://hotline.example/tilfredshed/x",
    )
    html, _text = render_letter(settings, letterhead, letter, logo_src=None)
    return html


def test_every_pair_the_mail_layout_draws_is_one_the_contrast_check_knows(
    settings: Settings,
) -> None:
    # Colours no fixed colour of the layout uses, so each pair is told apart.
    theme = Theme(
        colors=Colors(primary="#123456", on_primary="#fedcba", accent="#0a5b2c"),
        department="Borgerservice",
        address_lines=["Rådhuspladsen 2"],
        footer="Fodtekst",
    )
    checked = {pair.colours(theme) for pair in LAYOUT_TEXT_PAIRS}
    drawn: set[tuple[str, str]] = set()
    for member in (True, False):
        parser = _TextColours()
        parser.feed(_letter(settings, member=member, theme=theme))
        drawn |= parser.pairs
    assert ("#fedcba", "#123456") in drawn and ("#0a5b2c", "#ffffff") in drawn
    assert drawn - checked == set(), "add these pairs to LAYOUT_TEXT_PAIRS"


def test_the_layouts_own_colours_meet_wcag_aa() -> None:
    passing = Theme(colors=Colors(primary="#000000", on_primary="#ffffff", accent="#000000"))
    assert contrast_problems(passing) == []


def test_body_text_on_a_dark_background_is_refused_naming_the_background(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    response = client.patch(AARHUS, headers=admin, json={"colors": {"background": "#333333"}})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["fields"] == ["colors.background"]
    [pair] = problem["problems"]
    assert (pair["foreground"], pair["background"]) == ("#1f2328", "#333333")
    assert pair["ratio"] == pytest.approx(1.25, abs=0.01)
    assert client.get(AARHUS, headers=admin).json()["source"] == "files"
