"""What an article says in one municipality: the one function every reader uses.

Shared text, the municipality's override or local article, and its fact values are combined
here, so the API, search indexing, mail composition and the console can never disagree.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import NotFound, Problem
from hotline.kit.markdown import markdown_to_html
from hotline.kit.time import DANISH_TIME, today
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
    "resolve_draft",
    "resolve_draft_override",
    "resolve_many",
    "today",
]

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
    missing_facts: list[str]
    facts_used: list[str]
    shared_revision: int | None
    override_revision: int | None
    valid_from: date | None
    valid_to: date | None
    review_by: date | None

    @cached_property
    def body_html(self) -> str:
        """Rendered on first use: search snippets read only the Markdown and skip this cost."""
        return _parts_html(self.parts)


# --- facts -----------------------------------------------------------------------------------


def fact_keys_in(markdown: str) -> set[str]:
    """Fact keys a text refers to (lets search re-index the articles using a changed fact)."""
    return set(PLACEHOLDER.findall(markdown))


def missing_marker(key: str) -> str:
    return f"[mangler: {key}]"


def render_facts(markdown: str, values: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """Substitute fact values -> (text, missing keys, used keys); a gap shows, never crashes.

    Nothing in the text is evaluated: only a plain ``{{ key }}`` is replaced, by the value
    verbatim (or the missing marker); attribute access, calls, filters and blocks stay literal
    text. One precompiled regex instead of a Jinja template per text: the texts of all
    municipalities are far too many to keep compiled templates cached.
    """
    used: set[str] = set()

    def value_of(match: re.Match[str]) -> str:
        used.add(match.group(1))
        return values.get(match.group(1), missing_marker(match.group(1)))

    text = PLACEHOLDER.sub(value_of, markdown)
    return text, sorted(used - values.keys()), sorted(used)


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


def _parts_html(parts: list[ResolvedPart]) -> str:
    """Sanitise each part, then wrap local parts in our own markup so the console can mark them."""
    html: list[str] = []
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


def _resolve_visible(
    session: Session,
    municipality_code: str,
    at: date,
    include_drafts: bool,
    slugs: Collection[str] | None,
) -> list[ResolvedArticle]:
    """The visible articles of the municipality (all, or those with the given slugs), in four
    queries whatever the count. Shared and local slugs never collide (the service refuses it)."""
    values = fact_values(session, municipality_code)
    articles_query = select(Article).order_by(Article.slug)
    locals_query = (
        select(LocalArticle)
        .where(LocalArticle.municipality_code == municipality_code)
        .order_by(LocalArticle.slug)
    )
    overrides_query = select(Override).where(Override.municipality_code == municipality_code)
    if slugs is not None:
        articles_query = articles_query.where(Article.slug.in_(slugs))
        locals_query = locals_query.where(LocalArticle.slug.in_(slugs))
    articles = session.scalars(articles_query).all()
    if slugs is not None:  # by (municipality, article): the unique index, not all its overrides
        overrides_query = overrides_query.where(
            Override.article_id.in_([article.id for article in articles])
        )
    overrides = {override.article_id: override for override in session.scalars(overrides_query)}
    resolved = [
        _build(article, municipality_code, overrides.get(article.id), values)
        for article in articles
        if _visible(article, at, include_drafts)
        and getattr(overrides.get(article.id), "mode", None) != OverrideMode.HIDE
    ]
    resolved += [
        _build(local, municipality_code, None, values)
        for local in session.scalars(locals_query)
        if _visible(local, at, include_drafts)
    ]
    return sorted(resolved, key=lambda article: article.slug)


def resolve_all(
    session: Session,
    municipality_code: str,
    *,
    at: date | None = None,
    include_drafts: bool = False,
) -> list[ResolvedArticle]:
    """Every article visible in the municipality, in four queries whatever the count."""
    return _resolve_visible(session, municipality_code, at or today(), include_drafts, None)


def resolve_many(
    session: Session,
    slugs: Collection[str],
    municipality_code: str,
    *,
    at: date | None = None,
    include_drafts: bool = False,
) -> dict[str, ResolvedArticle]:
    """A page of articles (e.g. search hits) as ``resolve`` reads them, by slug, in four
    queries; slugs not visible in the municipality are left out instead of raising."""
    resolved = _resolve_visible(session, municipality_code, at or today(), include_drafts, slugs)
    return {article.slug: article for article in resolved}


def resolve_draft_override(
    session: Session,
    article: Article,
    municipality_code: str,
    mode: OverrideMode,
    title: str | None,
    body: str,
) -> ResolvedArticle:
    """The shared article as it would read with an unsaved override (the admin's preview);
    nothing is written. Hiding shows the shared text: the preview says it does not apply."""
    draft = Override(
        municipality_code=municipality_code,
        article_id=article.id,
        mode=mode.value,
        title=title,
        body=body.strip(),
        based_on_revision=article.revision,
    )
    return resolve_draft(
        session, article, municipality_code, None if mode is OverrideMode.HIDE else draft
    )


def resolve_draft(
    session: Session,
    item: Article | LocalArticle,
    municipality_code: str,
    override: Override | None = None,
) -> ResolvedArticle:
    """An article (and override) not saved, as it would read: what previews show."""
    return _build(item, municipality_code, override, fact_values(session, municipality_code))
