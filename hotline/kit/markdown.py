"""The one Markdown-to-HTML path: the API, the console, the composer and mail all use it.

markdown-it-py with raw HTML off and bare web addresses made links (linkify-it-py), then nh3
with an allow-list: no images at all (a remote image is a tracker), links only to http, https
and mailto, and every link opens without a referrer. ``html_to_text`` reads that HTML as a
person would (inscriptis), for the plain-text part of a mail: no ``**`` or ``##`` left over.
"""

import re

import lxml.html
import nh3
from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"https", "http", "mailto"}

_MARKDOWN = (
    MarkdownIt("commonmark", {"html": False, "linkify": True}).enable("table").enable("linkify")
)
_TEXT_CONFIG = ParserConfig(css=CSS_PROFILES["strict"])
_WEB_ADDRESS = re.compile(r"https?://[^\s<>()\]\[]*[^\s<>()\]\[.,;:!?»«\"']")


def markdown_to_html(markdown: str) -> Markup:
    """Markdown to HTML that nh3 has cleaned against the allow-list above."""
    cleaned = nh3.clean(
        _MARKDOWN.render(markdown),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)  # noqa: S704 (nh3 has just sanitised it)


def first_link(markdown: str) -> str | None:
    """The first web address a text gives (as a link or written out), e.g. its borger.dk page."""
    match = _WEB_ADDRESS.search(markdown)
    return match.group(0) if match else None


def html_to_text(html: str) -> str:
    """Readable plain text of sanitised HTML: headings, paragraphs and lists as a reader sees
    them; a link whose text is not its address keeps the address in brackets after it."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for link in root.iter("a"):
        href = link.get("href", "")
        shown = link.text_content().strip()
        if href and shown.rstrip("/") not in (href.rstrip("/"), href.removeprefix("mailto:")):
            link.tail = f" ({href}){link.tail or ''}"
    text = get_text(lxml.html.tostring(root, encoding="unicode"), _TEXT_CONFIG)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
