"""An article as the console shows it: local parts labelled, facts and gaps highlighted."""

import html
import re
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.kit.markdown import markdown_to_html
from hotline.knowledge.gaps import FactGaps, fact_gaps
from hotline.knowledge.reading import reading_order
from hotline.knowledge.resolve import (
    ResolvedArticle,
    Source,
    fact_values,
    missing_marker,
    render_facts,
)
from hotline.knowledge.service import get_article

# A tag, with quoted attribute values that may themselves contain ">".
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
# Articles open with their title as a heading; the console shows the title itself.
_OPENING_TITLE = re.compile(r"\A\s*<h1>.*?</h1>\s*", re.DOTALL)


@dataclass(frozen=True)
class ShownPart:
    local: bool
    html: Markup


@dataclass(frozen=True)
class ShownArticle:
    article: ResolvedArticle
    parts: list[ShownPart]
    shared_html: Markup | None  # the shared text beside an override, for comparison
    agent_notes: list[ShownPart]  # guidance for the agent; never part of a reply
    gap_notice: str | None  # what is missing, in words, and where to send the citizen


def highlight_facts(
    sanitised_html: str, values: dict[str, str], used: list[str], gaps: FactGaps
) -> Markup:
    """Mark fact values and missing-fact gaps in the text (never inside tags or attributes).

    The input is already sanitised HTML; only our own constant markup is added around text
    that is there already, so nothing written by a municipality can become markup. A gap
    names the fact by its label: its key is for editors only.
    """
    replacements: dict[str, str] = {}
    linked_gaps: dict[str, str] = {}
    for key in used:
        label = html.escape(gaps.label(key), quote=True)
        if key in values and values[key].strip():
            shown = html.escape(values[key], quote=False)
            replacements[shown] = (
                f'<mark class="fact" title="Kommunens fakta: {label}">{shown}</mark>'
            )
        for gap in (gaps.substitute(key), missing_marker(key)):
            shown_gap = _inline_html(gap)
            marked = f'<mark class="fact-missing" title="Mangler: {label}">{shown_gap}</mark>'
            if "<" in shown_gap:  # the pointer's web address became a link
                linked_gaps[shown_gap] = marked
            else:
                replacements[shown_gap] = marked
    shown_html = sanitised_html
    if replacements:
        pattern = re.compile("|".join(map(re.escape, sorted(replacements, key=len, reverse=True))))
        pieces = _TAG.split(shown_html)
        for index in range(0, len(pieces), 2):  # even pieces are text, odd ones are tags
            pieces[index] = pattern.sub(lambda match: replacements[match.group(0)], pieces[index])
        shown_html = "".join(pieces)
    # A linked gap spans tags, so it is found in the whole text: it holds a tag of our own
    # renderer, which no attribute value can contain (attribute values are escaped).
    for shown_gap, marked in linked_gaps.items():
        shown_html = shown_html.replace(shown_gap, marked)
    return Markup(shown_html)  # noqa: S704 (sanitised text plus our constant markup)


def _inline_html(text: str) -> str:
    """``text`` as the article's Markdown renders it inside a paragraph (links and all)."""
    rendered = str(markdown_to_html(text)).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>"):
        return rendered[3:-4]
    return html.escape(text, quote=False)


def _html(
    markdown: str, values: dict[str, str], used: list[str], gaps: FactGaps, *, opening: bool
) -> Markup:
    html = markdown_to_html(markdown)
    return highlight_facts(_OPENING_TITLE.sub("", html) if opening else html, values, used, gaps)


def show_article(session: Session, article: ResolvedArticle) -> ShownArticle:
    values = fact_values(session, article.municipality_code)
    gaps = fact_gaps(session, article.municipality_code)
    parts = [
        ShownPart(
            local=part.source is not Source.SHARED,
            html=_html(part.markdown, values, article.facts_used, gaps, opening=index == 0),
        )
        for index, part in enumerate(reading_order(article))
    ]
    shared_html = None
    if article.source is Source.OVERRIDE:
        shared = get_article(session, article.slug)
        text, _missing, used = render_facts(shared.body, values, gaps.substitutes())
        shared_html = _html(text, values, used, gaps, opening=True)
    notes = [
        ShownPart(
            local=note.source is not Source.SHARED,
            html=_html(note.markdown, values, article.facts_used, gaps, opening=False),
        )
        for note in article.agent_notes
    ]
    return ShownArticle(
        article=article,
        parts=parts,
        shared_html=shared_html,
        agent_notes=notes,
        gap_notice=gaps.notice(article.missing_facts),
    )
