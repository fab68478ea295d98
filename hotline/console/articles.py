"""An article as the console shows it: local parts labelled, facts and gaps highlighted."""

import html
import re
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.kit.markdown import markdown_to_html
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


def highlight_facts(sanitised_html: str, values: dict[str, str], used: list[str]) -> Markup:
    """Mark fact values and missing-fact gaps in the text (never inside tags or attributes).

    The input is already sanitised HTML; only our own constant markup is added around text
    that is there already, so nothing written by a municipality can become markup.
    """
    replacements: dict[str, str] = {}
    for key in used:
        if key in values and values[key].strip():
            shown = html.escape(values[key], quote=False)
            replacements[shown] = f'<mark class="fact" title="Fakta: {key}">{shown}</mark>'
        gap = html.escape(missing_marker(key), quote=False)
        replacements[gap] = f'<mark class="fact-missing">Mangler fakta: {key}</mark>'
    if not replacements:
        return Markup(sanitised_html)  # noqa: S704 (sanitised by the knowledge package)
    pattern = re.compile("|".join(map(re.escape, sorted(replacements, key=len, reverse=True))))
    pieces = _TAG.split(sanitised_html)
    for index in range(0, len(pieces), 2):  # even pieces are text, odd ones are tags
        pieces[index] = pattern.sub(lambda match: replacements[match.group(0)], pieces[index])
    return Markup("".join(pieces))  # noqa: S704 (sanitised text plus our constant markup)


def _html(markdown: str, values: dict[str, str], used: list[str], *, opening: bool) -> Markup:
    html = markdown_to_html(markdown)
    return highlight_facts(_OPENING_TITLE.sub("", html) if opening else html, values, used)


def show_article(session: Session, article: ResolvedArticle) -> ShownArticle:
    values = fact_values(session, article.municipality_code)
    parts = [
        ShownPart(
            local=part.source is not Source.SHARED,
            html=_html(part.markdown, values, article.facts_used, opening=index == 0),
        )
        for index, part in enumerate(reading_order(article))
    ]
    shared_html = None
    if article.source is Source.OVERRIDE:
        shared = get_article(session, article.slug)
        text, _missing, used = render_facts(shared.body, values)
        shared_html = _html(text, values, used, opening=True)
    return ShownArticle(article=article, parts=parts, shared_html=shared_html)
