"""What an article says in one municipality: the one function every reader uses.

Shared text, the municipality's override or local article, and its fact values are combined
here, so the API, search indexing, mail composition and the console can never disagree.
"""

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from types import MappingProxyType

from babel.numbers import format_decimal
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hotline.errors import NotFound, Problem
from hotline.kit.markdown import markdown_to_html
from hotline.kit.time import DANISH_TIME, today
from hotline.knowledge.gaps import fact_gaps
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
from hotline.municipalities.models import Municipality

__all__ = [
    "ARTICLES_KEEPER",
    "DANISH_TIME",
    "ArticleNotApplicable",
    "ArticleSources",
    "KeptArticle",
    "OverrideMode",
    "Placeholder",
    "ResolvedArticle",
    "ResolvedPart",
    "Source",
    "article_sources",
    "fact_keys_in",
    "fact_values",
    "format_fact",
    "interleaved",
    "markdown_to_html",
    "missing_marker",
    "render_facts",
    "resolve",
    "resolve_all",
    "resolve_draft",
    "resolve_draft_override",
    "resolve_many",
    "shown_with_values",
    "split_at_placeholders",
    "today",
]

FACT_KEY = r"[a-z][a-z0-9_]*"
# The only template syntax shared text may use: a plain lookup of a fact key.
PLACEHOLDER = re.compile(r"\{\{\s*(" + FACT_KEY + r")\s*\}\}")
# A placeholder with the unit written after it: a missing amount takes its "kr." with it.
_PLACEHOLDER_AND_UNIT = re.compile(PLACEHOLDER.pattern + r"( kr\.)?")
# "... 95 kr. Ring ...": the unit's full stop also ended the sentence, and stays.
_SENTENCE_ENDS = re.compile(r"\s*$|\s*\n|\s+[A-ZÆØÅ0-9]")


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
    # Guidance for agents (shared, then local): shown in the console, never in a reply.
    agent_notes: list[ResolvedPart] = field(default_factory=list)

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


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A ``{{ key }}`` in a text, with the unit written after it: what it shows is decided
    here alone, whether the text is filled at once (``render_facts``) or kept apart from its
    values and filled for each municipality (search snippets)."""

    key: str
    unit: str  # " kr." or ""
    ends_sentence: bool  # the unit's full stop also ends the sentence ("95 kr. Ring ...")

    def shown(self, values: Mapping[str, str], gaps: Mapping[str, str] | None = None) -> str:
        """The value and its unit; a missing value as ``gaps[key]`` (the words
        ``hotline.knowledge.gaps`` chooses for the municipality, unit and all), else as the
        missing marker."""
        if self.key in values:
            return values[self.key] + self.unit
        if gaps is not None and self.key in gaps:
            return gaps[self.key] + ("." if self.ends_sentence else "")
        return missing_marker(self.key) + self.unit


def split_at_placeholders(markdown: str) -> tuple[list[str], list[Placeholder]]:
    """The text between the placeholders (one piece more than there are placeholders), and
    the placeholders in text order."""
    pieces, placeholders, at = [], [], 0
    for match in _PLACEHOLDER_AND_UNIT.finditer(markdown):
        unit = match.group(2) or ""
        ends = bool(unit) and _SENTENCE_ENDS.match(markdown, match.end()) is not None
        pieces.append(markdown[at : match.start()])
        placeholders.append(Placeholder(match.group(1), unit, ends))
        at = match.end()
    pieces.append(markdown[at:])
    return pieces, placeholders


def interleaved(pieces: list[str], placeholders: list[Placeholder]) -> list[str | Placeholder]:
    """The text in order: ``split_at_placeholders``'s pieces with the placeholders between."""
    text: list[str | Placeholder] = [pieces[0]]
    for placeholder, piece in zip(placeholders, pieces[1:], strict=True):
        text += (placeholder, piece)
    return text


def shown_with_values(
    text: Iterable[str | Placeholder],
    values: Mapping[str, str],
    gaps: Mapping[str, str] | None = None,
) -> str:
    """A text's pieces joined, each placeholder as it shows (``Placeholder.shown``)."""
    return "".join(piece if isinstance(piece, str) else piece.shown(values, gaps) for piece in text)


def render_facts(
    markdown: str, values: Mapping[str, str], gaps: Mapping[str, str] | None = None
) -> tuple[str, list[str], list[str]]:
    """Substitute fact values -> (text, missing keys, used keys); a gap shows, never crashes
    (``Placeholder.shown``).

    Nothing in the text is evaluated: only a plain ``{{ key }}`` is replaced, by the value
    verbatim (or the missing marker); attribute access, calls, filters and blocks stay literal
    text. One precompiled regex instead of a Jinja template per text: the texts of all
    municipalities are far too many to keep compiled templates cached.
    """
    pieces, placeholders = split_at_placeholders(markdown)
    text = shown_with_values(interleaved(pieces, placeholders), values, gaps)
    used = {placeholder.key for placeholder in placeholders}
    return text, sorted(used - values.keys()), sorted(used)


@lru_cache(maxsize=8192)
def format_fact(fact_type: str, value: str) -> str:
    """Display form of a stored value. Money is a Danish amount; the text supplies "kr.".

    Cached by the stored value itself (Babel's formatting cost ~0.1 ms per amount, on every
    read of every article), so a changed value is a new entry in every process."""
    if fact_type == FactType.MONEY:
        try:
            amount = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return value
        pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
        return format_decimal(amount, format=pattern, locale="da_DK")
    return value


# The statements of a single read, built once: building one and its cache key costs more
# than running it.
_FACT_VALUES = (
    select(FactValue.fact_key, FactValue.value, Fact.type)
    .join(Fact, Fact.key == FactValue.fact_key)
    .where(FactValue.municipality_code == bindparam("code"))
)
_ARTICLE = select(Article).where(Article.slug == bindparam("slug"))
_LOCAL_ARTICLE = select(LocalArticle).where(
    LocalArticle.slug == bindparam("slug"), LocalArticle.municipality_code == bindparam("code")
)
_OVERRIDE = select(Override).where(
    Override.article_id == bindparam("article_id"),
    Override.municipality_code == bindparam("code"),
)


# Facts the municipality register already knows, for municipalities that gave no value.
REGISTER_FACTS = {"kommune_navn": "name", "url_kommune": "website"}


def fact_values(session: Session, municipality_code: str) -> dict[str, str]:
    """The municipality's fact values, formatted for display: its own, else the fact's shared
    default (national numbers such as 1813 and 114), else what the municipality register
    knows (its name and website, so a non-member's texts still name it)."""
    values: dict[str, str] = {}
    municipality = session.get(Municipality, municipality_code)
    if municipality is not None:
        values |= {key: getattr(municipality, field) for key, field in REGISTER_FACTS.items()}
    defaults = session.execute(
        select(Fact.key, Fact.default_value, Fact.type).where(Fact.default_value.is_not(None))
    )
    rows = session.execute(_FACT_VALUES, {"code": municipality_code})
    for key, value, fact_type in [*defaults, *rows]:
        values[key] = format_fact(fact_type, value)
    return values


@dataclass(frozen=True)
class MunicipalityFacts:
    """What a municipality's texts are filled with: its fact values (``fact_values``) and the
    words standing for its missing ones (``hotline.knowledge.gaps``). Read-only: a process may
    keep one and hand it to every request."""

    values: Mapping[str, str]
    gaps: Mapping[str, str]

    @cached_property
    def fingerprint(self) -> str:
        """What the values and the words for missing ones are, in one string for an ETag:
        computed once for a kept instance instead of sorted and hashed on every read."""
        key = (sorted(self.values.items()), sorted(self.gaps.items()))
        return hashlib.sha256(repr(key).encode()).hexdigest()


# In a sessionmaker's ``info``: a function ``(session, code) -> MunicipalityFacts`` that keeps
# them per process and forgets them when the change log names them (the search index does:
# ``hotline.search.indexing.listen``). Without one, every call reads them.
FACTS_KEEPER = "hotline.knowledge.facts_keeper"


def read_municipality_facts(session: Session, municipality_code: str) -> MunicipalityFacts:
    return MunicipalityFacts(
        MappingProxyType(fact_values(session, municipality_code)),
        MappingProxyType(fact_gaps(session, municipality_code).substitutes()),
    )


def municipality_facts(session: Session, municipality_code: str) -> MunicipalityFacts:
    """The municipality's facts as its texts read them now: kept by the session's sessionmaker
    if it keeps them (two queries and formatting saved on every resolved article), else read."""
    keeper = session.info.get(FACTS_KEEPER)
    if keeper is None:
        return read_municipality_facts(session, municipality_code)
    facts: MunicipalityFacts = keeper(session, municipality_code)
    return facts


def _parts_html(parts: list[ResolvedPart]) -> str:
    return "\n".join(_part_html(part) for part in parts)


@lru_cache(maxsize=2048)
def _part_html(part: ResolvedPart) -> str:
    """Sanitise a part, then wrap a local part in our own markup so the console can mark it.

    Cached by the part's text after fact substitution: a new revision or fact value is a new
    text, so every process renders what it reads and nothing needs invalidating (markdown-it
    and nh3 cost ~1.5 ms per article)."""
    rendered = markdown_to_html(part.markdown)
    if part.source is Source.SHARED:
        return str(rendered)
    return f'<div class="kb-local" data-source="{part.source.value}">{rendered}</div>'


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
    facts: MunicipalityFacts,
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
    if isinstance(item, LocalArticle):
        raw_notes = [(Source.LOCAL, item.agent_notes)]
    elif override is None:
        raw_notes = [(Source.SHARED, item.agent_notes)]
    elif mode is OverrideMode.REPLACE:
        raw_notes = [(Source.OVERRIDE, override.agent_notes)]
    else:
        raw_notes = [(Source.SHARED, item.agent_notes), (Source.OVERRIDE, override.agent_notes)]
    notes = [
        ResolvedPart(note_source, render_facts(text, facts.values, facts.gaps)[0])
        for note_source, text in raw_notes
        if text.strip()
    ]
    parts, missing, used = [], set(), set()
    for part_source, text in raw_parts:
        rendered, part_missing, part_used = render_facts(text, facts.values, facts.gaps)
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
        agent_notes=notes,
    )


@dataclass(frozen=True)
class ArticleSources:
    """What one article reads like in a municipality is made of, loaded and checked (visible,
    not hidden, in force) but not yet combined or rendered."""

    item: Article | LocalArticle
    municipality_code: str
    override: Override | None
    facts: MunicipalityFacts

    @property
    def version(self) -> str:
        """An ETag that changes whenever the resolved article can, from what is loaded anyway:
        each row's id, revision and change time (every edit counts the revision up and stamps
        the time; a row deleted and made again has a new time) and the municipality's fact
        values and the words for missing ones. Nothing is rendered, so a client's copy is
        confirmed before any resolving."""
        item, override = self.item, self.override
        key: list[object] = [
            self.municipality_code,
            type(item).__name__,
            item.id,
            item.slug,
            item.revision,
            item.updated_at.isoformat(),
        ]
        if override is not None:
            key += [override.id, override.revision, override.based_on_revision]
            key.append(override.updated_at.isoformat())
        key.append(self.facts.fingerprint)
        return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'

    def resolved(self) -> ResolvedArticle:
        return _build(self.item, self.municipality_code, self.override, self.facts)


@dataclass(frozen=True)
class KeptArticle:
    """A published article as a municipality reads it on a day, combined once and kept by the
    process (``ARTICLES_KEEPER``) with the ETag its sources gave. Shared by every request that
    reads it: nothing may change it."""

    version: str
    article: ResolvedArticle

    def resolved(self) -> ResolvedArticle:
        return self.article


# In a sessionmaker's ``info``: a function ``(session, key, load) -> KeptArticle`` that keeps
# what ``load(session)`` returns per process until the change log names any change (the search
# index does: ``hotline.search.indexing.listen``). Without one, every read loads and combines.
ARTICLES_KEEPER = "hotline.knowledge.articles_keeper"


def article_sources(
    session: Session,
    slug: str,
    municipality_code: str,
    *,
    at: date | None = None,
    include_drafts: bool = False,
) -> ArticleSources | KeptArticle:
    """What ``resolve`` combines, loaded (or the published article kept combined); refuses as
    ``resolve`` does (404, or 404 ``not-applicable-in-municipality`` when the municipality hid
    the article). Either way ``version`` is the ETag and ``resolved()`` the article."""
    at = at or today()
    keeper = session.info.get(ARTICLES_KEEPER)
    if keeper is None or include_drafts:
        return _loaded_sources(session, slug, municipality_code, at, include_drafts)

    def combined(own: Session) -> KeptArticle:
        sources = _loaded_sources(own, slug, municipality_code, at, False)
        return KeptArticle(sources.version, sources.resolved())

    kept: KeptArticle = keeper(session, ("article", municipality_code, slug, at), combined)
    return kept


def _loaded_sources(
    session: Session, slug: str, municipality_code: str, at: date, include_drafts: bool
) -> ArticleSources:
    article = session.scalar(_ARTICLE, {"slug": slug})
    item: Article | LocalArticle | None = article
    override = None
    if article is None:
        item = session.scalar(_LOCAL_ARTICLE, {"slug": slug, "code": municipality_code})
    else:
        override = session.scalar(_OVERRIDE, {"article_id": article.id, "code": municipality_code})
    if item is None or not (include_drafts or item.status == ArticleStatus.PUBLISHED):
        raise NotFound(f"No article '{slug}' for municipality {municipality_code}.")
    if override is not None and override.mode == OverrideMode.HIDE:
        raise ArticleNotApplicable(
            f"The article '{slug}' does not apply in municipality {municipality_code}."
        )
    if not _in_force(item, at):
        raise NotFound(f"The article '{slug}' is not in force on {at.isoformat()}.")
    return ArticleSources(
        item, municipality_code, override, municipality_facts(session, municipality_code)
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
    return article_sources(
        session, slug, municipality_code, at=at, include_drafts=include_drafts
    ).resolved()


def _resolve_visible(
    session: Session,
    municipality_code: str,
    at: date,
    include_drafts: bool,
    slugs: Collection[str] | None,
) -> list[ResolvedArticle]:
    """The visible articles of the municipality (all, or those with the given slugs), in four
    queries whatever the count. Shared and local slugs never collide (the service refuses it)."""
    facts = municipality_facts(session, municipality_code)
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
        _build(article, municipality_code, overrides.get(article.id), facts)
        for article in articles
        if _visible(article, at, include_drafts)
        and getattr(overrides.get(article.id), "mode", None) != OverrideMode.HIDE
    ]
    resolved += [
        _build(local, municipality_code, None, facts)
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
    agent_notes: str = "",
) -> ResolvedArticle:
    """The shared article as it would read with an unsaved override (the admin's preview);
    nothing is written. Hiding shows the shared text: the preview says it does not apply."""
    draft = Override(
        municipality_code=municipality_code,
        article_id=article.id,
        mode=mode.value,
        title=title,
        body=body.strip(),
        agent_notes=agent_notes,
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
    return _build(
        item,
        municipality_code,
        override,
        municipality_facts(session, municipality_code),
    )
