"""What an article says in one municipality: the one function every reader uses.

Shared text, the municipality's override or local article, and its fact values are combined
here, so the API, search indexing, mail composition and the console can never disagree.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import nh3
from babel.numbers import format_decimal
from jinja2 import nodes
from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import NotFound, Problem
from hotline.knowledge.models import (
    Article,
    ArticleStatus,
    Fact,
    FactType,
    FactValue,
    LocalArticle,
    Override,
    OverrideMode,
    Source,
)

__all__ = [
    "DANISH_TIME",
    "ArticleNotApplicable",
    "OverrideMode",
    "ResolvedArticle",
    "ResolvedPart",
    "Source",
    "fact_keys_in",
    "fact_values",
    "format_fact",
    "markdown_to_html",
    "missing_marker",
    "render_facts",
    "resolve",
    "resolve_all",
    "today",
]

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
FACT_KEY = r"[a-z][a-z0-9_]*"
# The only template syntax shared text may use: a plain lookup of a fact key.
PLACEHOLDER = re.compile(r"\{\{\s*(" + FACT_KEY + r")\s*\}\}")


class ArticleNotApplicable(Problem):
    status, slug, title = 404, "not-applicable-in-municipality", "Not applicable here"


@dataclass(frozen=True)
class ResolvedPart:
    source: Source
    markdown: str


@dataclass(frozen=True)
class ResolvedArticle:
    slug: str
    municipality_code: str
    title: str
    category: str
    tags: list[str]
    locale: str
    status: str
    source: Source
    mode: OverrideMode | None
    stale: bool
    parts: list[ResolvedPart]
    body_markdown: str
    body_html: str
    missing_facts: list[str]
    facts_used: list[str]
    shared_revision: int | None
    override_revision: int | None
    valid_from: date | None
    valid_to: date | None
    review_by: date | None


def today() -> date:
    """Rules change at midnight Danish time, not UTC."""
    return datetime.now(DANISH_TIME).date()


# --- facts -----------------------------------------------------------------------------------

# Autoescape off: the output is Markdown source, sanitised later as HTML by nh3.
_sandbox = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def fact_keys_in(markdown: str) -> set[str]:
    """Fact keys a text refers to (lets search re-index the articles using a changed fact)."""
    return set(PLACEHOLDER.findall(markdown))


@lru_cache(maxsize=2048)
def _compile(markdown: str) -> Template:
    """Build the template tree ourselves: literal text can never become Jinja code.

    Only ``{{ key }}`` turns into a variable lookup; anything else that looks like Jinja
    (attribute access, calls, filters, blocks) stays literal text in the output.
    """
    children: list[nodes.Node] = []
    position = 0
    for match in PLACEHOLDER.finditer(markdown):
        children.append(nodes.TemplateData(markdown[position : match.start()]))
        children.append(nodes.Name(match.group(1), "load"))
        position = match.end()
    children.append(nodes.TemplateData(markdown[position:]))
    tree = nodes.Template([nodes.Output(children)], lineno=1)
    code = _sandbox.compile(tree)
    return _sandbox.template_class.from_code(_sandbox, code, _sandbox.make_globals(None))


def missing_marker(key: str) -> str:
    return f"[mangler: {key}]"


def render_facts(markdown: str, values: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """Substitute fact values -> (text, missing keys, used keys); a gap shows, never crashes."""
    used = sorted(fact_keys_in(markdown))
    missing = [key for key in used if key not in values]
    context = {key: values.get(key, missing_marker(key)) for key in used}
    return _compile(markdown).render(context), missing, used


def format_fact(fact_type: str, value: str) -> str:
    """Display form of a stored value. Money is a Danish amount; the text supplies "kr."."""
    if fact_type == FactType.MONEY:
        try:
            amount = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return value
        pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
        return format_decimal(amount, format=pattern, locale="da_DK")
    return value


def fact_values(session: Session, municipality_code: str) -> dict[str, str]:
    """The municipality's fact values, formatted for display."""
    rows = session.execute(
        select(FactValue.fact_key, FactValue.value, Fact.type)
        .join(Fact, Fact.key == FactValue.fact_key)
        .where(FactValue.municipality_code == municipality_code)
    )
    return {key: format_fact(fact_type, value) for key, value, fact_type in rows}


# --- Markdown -> HTML ------------------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_to_html(markdown: str) -> str:
    return nh3.clean(_markdown.render(markdown))


def _parts_html(parts: list[ResolvedPart]) -> str:
    """Sanitise each part, then wrap local parts in our own markup so the console can mark them."""
    html = []
    for part in parts:
        rendered = markdown_to_html(part.markdown)
        if part.source is Source.SHARED:
            html.append(rendered)
        else:
            html.append(f'<div class="kb-local" data-source="{part.source.value}">{rendered}</div>')
    return "\n".join(html)


# --- resolution ------------------------------------------------------------------------------


def _in_force(item: Article | LocalArticle, at: date) -> bool:
    return (item.valid_from is None or item.valid_from <= at) and (
        item.valid_to is None or at <= item.valid_to
    )


def _visible(item: Article | LocalArticle, at: date, include_drafts: bool) -> bool:
    return (include_drafts or item.status == ArticleStatus.PUBLISHED) and _in_force(item, at)


def _build(
    item: Article | LocalArticle,
    municipality_code: str,
    override: Override | None,
    values: dict[str, str],
) -> ResolvedArticle:
    """Combine one visible article with its (non-hiding) override and the fact values."""
    title = item.title
    mode: OverrideMode | None = None
    if isinstance(item, LocalArticle):
        source, raw_parts = Source.LOCAL, [(Source.LOCAL, item.body)]
    elif override is None:
        source, raw_parts = Source.SHARED, [(Source.SHARED, item.body)]
    else:
        source, mode = Source.OVERRIDE, OverrideMode(override.mode)
        if mode is OverrideMode.REPLACE:
            title = override.title or item.title
            raw_parts = [(Source.OVERRIDE, override.body)]
        else:
            raw_parts = [(Source.SHARED, item.body), (Source.OVERRIDE, override.body)]
    parts, missing, used = [], set(), set()
    for part_source, text in raw_parts:
        rendered, part_missing, part_used = render_facts(text, values)
        parts.append(ResolvedPart(part_source, rendered))
        missing.update(part_missing)
        used.update(part_used)
    shared = isinstance(item, Article)
    return ResolvedArticle(
        slug=item.slug,
        municipality_code=municipality_code,
        title=title,
        category=item.category,
        tags=list(item.tags),
        locale=item.locale,
        status=item.status,
        source=source,
        mode=mode,
        stale=override is not None and override.based_on_revision < item.revision,
        parts=parts,
        body_markdown="\n\n".join(part.markdown for part in parts),
        body_html=_parts_html(parts),
        missing_facts=sorted(missing),
        facts_used=sorted(used),
        shared_revision=item.revision if shared else None,
        override_revision=override.based_on_revision if override is not None else None,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
        review_by=item.review_by,
    )


def resolve(
    session: Session,
    slug: str,
    municipality_code: str,
    *,
    at: date | None = None,
    include_drafts: bool = False,
) -> ResolvedArticle:
    """The article as it reads in the municipality on ``at`` (default: today in Denmark)."""
    at = at or today()
    article = session.scalar(select(Article).where(Article.slug == slug))
    item: Article | LocalArticle | None = article
    override = None
    if article is None:
        item = session.scalar(
            select(LocalArticle).where(
                LocalArticle.slug == slug, LocalArticle.municipality_code == municipality_code
            )
        )
    else:
        override = session.scalar(
            select(Override).where(
                Override.article_id == article.id,
                Override.municipality_code == municipality_code,
            )
        )
    if item is None or not (include_drafts or item.status == ArticleStatus.PUBLISHED):
        raise NotFound(f"No article '{slug}' for municipality {municipality_code}.")
    if override is not None and override.mode == OverrideMode.HIDE:
        raise ArticleNotApplicable(
            f"The article '{slug}' does not apply in municipality {municipality_code}."
        )
    if not _in_force(item, at):
        raise NotFound(f"The article '{slug}' is not in force on {at.isoformat()}.")
    return _build(item, municipality_code, override, fact_values(session, municipality_code))


def resolve_all(
    session: Session,
    municipality_code: str,
    *,
    at: date | None = None,
    include_drafts: bool = False,
) -> list[ResolvedArticle]:
    """Every article visible in the municipality, in four queries whatever the count."""
    at = at or today()
    overrides = {
        override.article_id: override
        for override in session.scalars(
            select(Override).where(Override.municipality_code == municipality_code)
        )
    }
    values = fact_values(session, municipality_code)
    resolved = [
        _build(article, municipality_code, overrides.get(article.id), values)
        for article in session.scalars(select(Article).order_by(Article.slug))
        if _visible(article, at, include_drafts)
        and getattr(overrides.get(article.id), "mode", None) != OverrideMode.HIDE
    ]
    resolved += [
        _build(local, municipality_code, None, values)
        for local in session.scalars(
            select(LocalArticle)
            .where(LocalArticle.municipality_code == municipality_code)
            .order_by(LocalArticle.slug)
        )
        if _visible(local, at, include_drafts)
    ]
    return sorted(resolved, key=lambda article: article.slug)
