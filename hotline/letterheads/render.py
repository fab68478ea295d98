"""Lay a letter out on a letterhead: HTML (CSS inlined for mail clients) and its text twin."""

import base64
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from hotline.config import Settings
from hotline.letterheads.contrast import BODY_TEXT_COLOR
from hotline.letterheads.resolution import Letterhead

HTML_LAYOUT = "base.html.j2"
TEXT_LAYOUT = "base.txt.j2"
DATE_LOCALE = "da_DK"

_inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def danish_date(day: date) -> str:
    """E.g. "23. november 2026"."""
    return format_date(day, format="long", locale=DATE_LOCALE)


@dataclass(frozen=True)
class Excerpt:
    title: str
    html: Markup  # already sanitised
    text: str


@dataclass(frozen=True)
class LetterContent:
    """The content of one letter; ``body_html`` must already be sanitised."""

    subject: str
    day: date
    greeting: str
    body_html: Markup
    body_text: str
    excerpts: tuple[Excerpt, ...] = ()
    agent_first_name: str | None = None
    survey_link: str | None = None  # hotline/satisfaction: "Hvor tilfreds er du med hjælpen?"
    reference: str | None = None  # the reply's reference ("HL-7K3Q9"), shown in the footer

    @property
    def date_text(self) -> str:
        return danish_date(self.day)


@dataclass(frozen=True)
class Contact:
    label: str
    phone: str
    website: str

    @property
    def website_text(self) -> str:
        return self.website.removeprefix("https://").removeprefix("http://").rstrip("/")


@cache
def layout_environment(directory: Path) -> Environment:
    """The layouts are project files, not tenant text; the tenant's text arrives as escaped data."""
    return Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )


def layouts(settings: Settings) -> tuple[Template, Template]:
    environment = layout_environment(settings.letterheads_dir)
    return environment.get_template(HTML_LAYOUT), environment.get_template(TEXT_LAYOUT)


def on_behalf_line(letterhead: Letterhead) -> str | None:
    if not letterhead.on_behalf:
        return None
    return (
        f"{letterhead.sender_name} svarer på vegne af {letterhead.municipality.name}, "
        f"som ikke er med i den fælles hotline. Kontakt {letterhead.municipality.name} "
        "direkte for at få din sag behandlet."
    )


def layout_context(letterhead: Letterhead, letter: LetterContent, logo_src: str | None) -> dict:
    municipality = letterhead.municipality
    context: dict[str, Any] = {
        "theme": letterhead.theme,
        "sender_name": letterhead.sender_name,
        "letter": letter,
        "logo_src": logo_src if letterhead.logo else None,
        "logo_size": letterhead.logo.display_size if letterhead.logo else None,
        "on_behalf_line": on_behalf_line(letterhead),
        "body_text_color": BODY_TEXT_COLOR,
        "contacts": [Contact(municipality.name, municipality.phone, municipality.website)],
    }
    return context


def logo_data_uri(letterhead: Letterhead) -> str | None:
    """For previews in a browser, which cannot resolve ``cid:`` references."""
    if letterhead.logo is None:
        return None
    encoded = base64.b64encode(letterhead.logo.data).decode("ascii")
    return f"data:{letterhead.logo.content_type};base64,{encoded}"


def render_letter(
    settings: Settings, letterhead: Letterhead, letter: LetterContent, *, logo_src: str | None
) -> tuple[str, str]:
    """(HTML with CSS inlined, plain text). ``logo_src`` is ``cid:...`` in mail."""
    html_layout, text_layout = layouts(settings)
    context = layout_context(letterhead, letter, logo_src)
    html = _inliner.inline(html_layout.render(context))
    return html, text_layout.render(context).strip() + "\n"
