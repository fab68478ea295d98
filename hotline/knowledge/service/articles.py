"""Changing the knowledge base: every write goes through here, flushes, and never commits."""

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from hotline.auth.permissions import (
    Action,
    Author,
    Principal,
    can,
    require,
    scope_to_municipalities,
)
from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from hotline.kit.versions import check_version
from hotline.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    Fact,
    FactValue,
    LocalArticle,
    Override,
    OverrideMode,
)
from hotline.knowledge.resolve import (
    PLACEHOLDER,
    fact_keys_in,
    format_fact,
    resolve_all,
    today,
)
from hotline.knowledge.schemas import (
    ArticleCreate,
    ArticleDue,
    CoverageReport,
    FactCreate,
    FactValueRead,
    MissingFact,
    OverrideRead,
    OverrideWrite,
    StaleOverride,
    normalise_fact_value,
)
from hotline.municipalities.models import Municipality

ARTICLE_FIELDS = (
    "title",
    "body",
    "category",
    "tags",
    "locale",
    "status",
    "review_by",
    "valid_from",
    "valid_to",
)
NULLABLE_FIELDS = frozenset({"review_by", "valid_from", "valid_to"})
TEXT_FIELDS = frozenset({"title", "body"})
TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


# --- fact placeholders in text ---------------------------------------------------------------


def placeholder_problems(markdown: str, known_keys: Iterable[str]) -> list[tuple[int, str]]:
    """(line, message) for template syntax that is not a ``{{ key }}`` of a known fact."""
    known = set(known_keys)
    problems = []
    for match in TEMPLATE_SYNTAX.finditer(markdown):
        line = markdown.count("\n", 0, match.start()) + 1
        plain = PLACEHOLDER.fullmatch(match.group(0))
        if plain is None:
            problems.append(
                (line, f"only {{{{ fact_key }}}} placeholders are allowed, not {match.group(0)!r}")
            )
        elif plain.group(1) not in known:
            problems.append((line, f"unknown fact '{plain.group(1)}' (not in the fact catalogue)"))
    return problems


def _check_text(session: Session, markdown: str) -> None:
    problems = placeholder_problems(markdown, session.scalars(select(Fact.key)))
    if problems:
        raise InvalidInput(
            "The text uses placeholders that are not known facts.",
            errors=[{"line": line, "message": message} for line, message in problems],
        )


# --- who sees drafts ------------------------------------------------------------------------


def sees_drafts(actor: Principal, municipality_code: str | None = None) -> bool:
    """The one rule for drafts: editors see shared ones, a municipality's own editors its own."""
    return can(actor, Action.EDIT_SHARED_KNOWLEDGE) or (
        municipality_code is not None and can(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    )


def drafts_wanted(actor: Principal, municipality_code: str, wanted: bool) -> bool:
    """Asking for a municipality's drafts is itself refused (403) to those who may not see them."""
    if wanted and not sees_drafts(actor, municipality_code):
        require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    return wanted


def readable_article(session: Session, actor: Principal, slug: str) -> Article:
    """A shared article as ``actor`` may read it: a draft is "not found" to agents."""
    require(actor, Action.READ_KNOWLEDGE)
    article = get_article(session, slug)
    if article.status != ArticleStatus.PUBLISHED and not sees_drafts(actor):
        raise NotFound(f"No shared article has the slug '{slug}'.")
    return article


def articles_for(
    session: Session,
    actor: Principal,
    *,
    category: str | None = None,
    tag: str | None = None,
    status: str | None = None,
) -> list[Article]:
    """The shared articles ``actor`` may see: published ones only, unless they see drafts."""
    require(actor, Action.READ_KNOWLEDGE)
    if not sees_drafts(actor):
        if status == ArticleStatus.DRAFT:
            return []
        status = ArticleStatus.PUBLISHED
    return list_articles(session, category=category, tag=tag, status=status)


def readable_local_article(
    session: Session, actor: Principal, municipality_code: str, slug: str
) -> LocalArticle:
    require(actor, Action.READ_KNOWLEDGE)
    local = get_local_article(session, municipality_code, slug)
    if local.status != ArticleStatus.PUBLISHED and not sees_drafts(actor, municipality_code):
        raise NotFound(f"Municipality {municipality_code} has no local article '{slug}'.")
    return local


def local_articles_for(
    session: Session, actor: Principal, municipality_code: str
) -> list[LocalArticle]:
    require(actor, Action.READ_KNOWLEDGE)
    stmt = select(LocalArticle).where(LocalArticle.municipality_code == municipality_code)
    if not sees_drafts(actor, municipality_code):
        stmt = stmt.where(LocalArticle.status == ArticleStatus.PUBLISHED)
    return list(session.scalars(stmt.order_by(LocalArticle.slug)))


# --- shared articles -------------------------------------------------------------------------


def get_article(session: Session, slug: str) -> Article:
    article = session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise NotFound(f"No shared article has the slug '{slug}'.")
    return article


def list_articles(
    session: Session,
    *,
    category: str | None = None,
    tag: str | None = None,
    status: str | None = None,
) -> list[Article]:
    stmt = select(Article).order_by(Article.slug)
    if category:
        stmt = stmt.where(Article.category == category)
    if status:
        stmt = stmt.where(Article.status == status)
    # Tags are a short JSON list; filtering here keeps the query portable across backends.
    return [a for a in session.scalars(stmt) if tag is None or tag in a.tags]


def _record_revision(session: Session, article: Article, changed: list[str], actor: str) -> None:
    session.add(
        ArticleRevision(
            article_id=article.id,
            revision=article.revision,
            changed_fields=changed,
            changed_by=actor,
            changed_at=article.updated_at,
            **{name: getattr(article, name) for name in ARTICLE_FIELDS},
        )
    )


def _ensure_slug_free(session: Session, slug: str, municipality_code: str | None = None) -> None:
    """A slug names one article per municipality view: shared and local ones may not collide."""
    if session.scalar(select(Article.id).where(Article.slug == slug)) is not None:
        raise Conflict(f"A shared article already has the slug '{slug}'.")
    local = select(LocalArticle.municipality_code).where(LocalArticle.slug == slug)
    if municipality_code is not None:
        local = local.where(LocalArticle.municipality_code == municipality_code)
    owners = sorted(session.scalars(local))
    if owners:
        raise Conflict(f"A local article of {', '.join(owners)} already has the slug '{slug}'.")


def create_article(session: Session, data: ArticleCreate, actor: str) -> Article:
    _ensure_slug_free(session, data.slug)
    _check_text(session, data.body)
    article = Article(
        slug=data.slug,
        revision=1,
        updated_by=actor,
        updated_at=utcnow(),
        **data.model_dump(include=set(ARTICLE_FIELDS)),
    )
    session.add(article)
    session.flush()
    _record_revision(session, article, list(ARTICLE_FIELDS), actor)
    session.flush()
    return article


def _changed_fields(item: Article | LocalArticle, changes: dict[str, Any]) -> list[str]:
    for name, value in changes.items():
        if value is None and name not in NULLABLE_FIELDS:
            raise InvalidInput(f"'{name}' cannot be empty.")
    changed = [
        name for name in ARTICLE_FIELDS if name in changes and getattr(item, name) != changes[name]
    ]
    valid_from = changes.get("valid_from", item.valid_from)
    valid_to = changes.get("valid_to", item.valid_to)
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInput("valid_to is before valid_from.")
    return changed


def update_article(
    session: Session, article: Article, changes: dict[str, Any], actor: str
) -> list[str]:
    """Apply changes; a new revision only when something really changed. Returns the fields.

    A change of metadata only (tags, dates) leaves up-to-date overrides up to date: there is no
    new shared text for a municipality to check.
    """
    changed = _changed_fields(article, changes)
    if not changed:
        return []
    if "body" in changed:
        _check_text(session, changes["body"])
    previous = article.revision
    for name in changed:
        setattr(article, name, changes[name])
    article.revision = previous + 1
    article.updated_at = utcnow()
    article.updated_by = actor
    _record_revision(session, article, changed, actor)
    if not TEXT_FIELDS & set(changed):
        for override in session.scalars(
            select(Override).where(
                Override.article_id == article.id, Override.based_on_revision == previous
            )
        ):
            override.based_on_revision = article.revision
    session.flush()
    return changed


@dataclass(frozen=True)
class ChangeImpact:
    """What saving a new text does to the municipalities: "overridden in N; M become stale"."""

    overridden_in: int
    becoming_stale: int


def change_impact(session: Session, article: Article) -> ChangeImpact:
    """Overrides written against the current revision go stale when the text changes."""
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(Override.based_on_revision == article.revision),
        ).where(Override.article_id == article.id)
    ).one()
    return ChangeImpact(overridden_in=counts[0], becoming_stale=counts[1])


def delete_article(session: Session, article: Article) -> None:
    """Refuse while municipalities override it: their local text would be lost silently."""
    owners = sorted(
        session.scalars(select(Override.municipality_code).where(Override.article_id == article.id))
    )
    if owners:
        raise Conflict(
            f"Municipalities {', '.join(owners)} override '{article.slug}'; "
            "they must remove their overrides first (or set the article to draft)."
        )
    session.delete(article)
    session.flush()


def list_revisions(session: Session, article: Article) -> Sequence[ArticleRevision]:
    return session.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.revision)
    ).all()


def get_revision(session: Session, article: Article, revision: int) -> ArticleRevision:
    found = session.get(ArticleRevision, (article.id, revision))
    if found is None:
        raise NotFound(f"'{article.slug}' has no revision {revision}.")
    return found


def revision_diff(session: Session, article: Article, old: int, new: int) -> str:
    """Unified diff of title and body between two revisions of a shared article."""
    before, after = get_revision(session, article, old), get_revision(session, article, new)

    def lines(revision: ArticleRevision) -> list[str]:
        return f"# {revision.title}\n\n{revision.body}\n".splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(
            lines(before),
            lines(after),
            fromfile=f"{article.slug}@{old}",
            tofile=f"{article.slug}@{new}",
        )
    )


# --- fact catalogue and values ---------------------------------------------------------------


def get_fact(session: Session, key: str) -> Fact:
    fact = session.get(Fact, key)
    if fact is None:
        raise NotFound(f"No fact has the key '{key}'.")
    return fact


def list_facts(session: Session) -> Sequence[Fact]:
    return session.scalars(select(Fact).order_by(Fact.key)).all()


def value_counts(session: Session) -> dict[str, int]:
    """How many municipalities have given each fact a value (facts nobody gave are absent)."""
    rows = session.execute(
        select(FactValue.fact_key, func.count()).group_by(FactValue.fact_key)
    ).tuples()
    return dict(rows.all())


def create_fact(session: Session, data: FactCreate, actor: str) -> Fact:
    if session.get(Fact, data.key) is not None:
        raise Conflict(f"The fact '{data.key}' already exists.")
    fact = Fact(
        key=data.key,
        description=data.description,
        type=data.type.value,
        revision=1,
        updated_by=actor,
    )
    session.add(fact)
    session.flush()
    return fact


def update_fact(session: Session, fact: Fact, changes: dict[str, Any], actor: str) -> bool:
    """A new type must fit every value municipalities already gave."""
    changed = {k: v for k, v in changes.items() if v is not None and getattr(fact, k) != v}
    if not changed:
        return False
    if "type" in changed and (unfit := values_not_fitting(session, fact.key, changed["type"])):
        raise InvalidInput(f"The values of {', '.join(unfit)} are not a valid {changed['type']}.")
    for name, value in changed.items():
        setattr(fact, name, value)
    fact.revision += 1
    fact.updated_by = actor
    session.flush()
    return True


def values_not_fitting(session: Session, key: str, fact_type: str) -> list[str]:
    """The municipalities whose value of the fact would not be valid as ``fact_type``."""
    values = session.scalars(select(FactValue).where(FactValue.fact_key == key))
    return sorted(value.municipality_code for value in values if not _fits(fact_type, value.value))


def _fits(fact_type: str, value: str) -> bool:
    try:
        normalise_fact_value(fact_type, value)
    except ValueError:
        return False
    return True


def texts_using_fact(session: Session, key: str) -> list[str]:
    """Where a fact is used: shared slugs, and ``code/slug`` of overrides and local articles."""
    needle = f"%{key}%"
    found = [
        a.slug
        for a in session.scalars(select(Article).where(Article.body.like(needle)))
        if key in fact_keys_in(a.body)
    ]
    found += [
        f"{o.municipality_code}/{o.article.slug}"
        for o in session.scalars(
            select(Override)
            .join(Override.article)
            .options(contains_eager(Override.article))
            .where(Override.body.like(needle))
        )
        if key in fact_keys_in(o.body)
    ]
    found += [
        f"{la.municipality_code}/{la.slug}"
        for la in session.scalars(select(LocalArticle).where(LocalArticle.body.like(needle)))
        if key in fact_keys_in(la.body)
    ]
    return found


def delete_fact(session: Session, fact: Fact) -> None:
    users = texts_using_fact(session, fact.key)
    if users:
        raise Conflict(f"The fact '{fact.key}' is still used by {', '.join(users)}.")
    session.delete(fact)
    session.flush()


def municipality_facts(session: Session, municipality_code: str) -> list[FactValueRead]:
    """The whole catalogue with this municipality's values; gaps show as None."""
    values = {
        value.fact_key: value
        for value in session.scalars(
            select(FactValue).where(FactValue.municipality_code == municipality_code)
        )
    }
    return [
        FactValueRead(
            key=fact.key,
            description=fact.description,
            type=fact.type,
            value=values[fact.key].value if fact.key in values else None,
            display=format_fact(fact.type, values[fact.key].value) if fact.key in values else None,
            revision=values[fact.key].revision if fact.key in values else None,
        )
        for fact in list_facts(session)
    ]


def get_fact_value(session: Session, municipality_code: str, key: str) -> FactValue | None:
    return session.get(FactValue, (municipality_code, key))


def set_fact_value(
    session: Session, municipality_code: str, key: str, raw: object, actor: str
) -> tuple[FactValue, bool]:
    """Create or change one value -> (value, created). Unchanged input keeps the revision."""
    fact = get_fact(session, key)
    try:
        text = normalise_fact_value(fact.type, raw)
    except ValueError as exc:
        raise InvalidInput(f"{key}: {exc}") from exc
    current = get_fact_value(session, municipality_code, key)
    if current is None:
        current = FactValue(
            municipality_code=municipality_code,
            fact_key=key,
            value=text,
            revision=1,
            updated_at=utcnow(),
            updated_by=actor,
        )
        session.add(current)
        session.flush()
        return current, True
    if current.value != text:
        current.value = text
        current.revision += 1
        current.updated_at = utcnow()
        current.updated_by = actor
        session.flush()
    return current, False


def delete_fact_value(session: Session, value: FactValue) -> None:
    session.delete(value)
    session.flush()


# --- overrides -------------------------------------------------------------------------------


def _overrides(municipality_code: str) -> Any:
    return (
        select(Override)
        .join(Override.article)
        .options(contains_eager(Override.article))
        .where(Override.municipality_code == municipality_code)
    )


def list_overrides(session: Session, municipality_code: str) -> Sequence[Override]:
    return session.scalars(_overrides(municipality_code).order_by(Article.slug)).all()


def find_override(session: Session, municipality_code: str, slug: str) -> Override | None:
    return session.scalar(_overrides(municipality_code).where(Article.slug == slug))


def get_override(session: Session, municipality_code: str, slug: str) -> Override:
    override = find_override(session, municipality_code, slug)
    if override is None:
        raise NotFound(f"Municipality {municipality_code} has no override of '{slug}'.")
    return override


def put_override(
    session: Session,
    municipality_code: str,
    article: Article,
    data: OverrideWrite,
    actor: str,
    *,
    based_on_revision: int | None = None,
) -> tuple[Override, bool]:
    """Create or replace -> (override, created). Writing it confirms the current shared text,
    or ``based_on_revision`` when given (``kb sync`` of a folder exported with an older one)."""
    _check_text(session, data.body)
    fields = {"mode": data.mode.value, "title": data.title, "body": data.body.strip()}
    based_on = article.revision if based_on_revision is None else based_on_revision
    current = find_override(session, municipality_code, article.slug)
    if current is None:
        current = Override(
            municipality_code=municipality_code,
            article=article,
            based_on_revision=based_on,
            revision=1,
            updated_at=utcnow(),
            updated_by=actor,
            **fields,
        )
        session.add(current)
        session.flush()
        return current, True
    changed = any(getattr(current, name) != value for name, value in fields.items())
    if changed or current.based_on_revision != based_on:
        for name, value in fields.items():
            setattr(current, name, value)
        mark_override_changed(current, based_on, actor)
        session.flush()
    return current, False


def mark_override_changed(override: Override, based_on_revision: int, actor: str) -> None:
    """A new revision of the override, written against ``based_on_revision`` of the article."""
    override.based_on_revision = based_on_revision
    override.revision += 1
    override.updated_at = utcnow()
    override.updated_by = actor


def confirm_override(session: Session, override: Override, actor: str) -> Override:
    """The municipality has read the new shared text and its override still holds."""
    if override.based_on_revision != override.article.revision:
        mark_override_changed(override, override.article.revision, actor)
        session.flush()
    return override


def delete_override(session: Session, override: Override) -> None:
    session.delete(override)
    session.flush()


def override_version(override: Override) -> str:
    """The version a reader of an override saw: its own revision and the shared article's.

    Both move it, so confirming (or replacing) binds the very shared text that was on screen.
    The API sends it as the ETag, the console as a hidden field.
    """
    return f'"{override.revision}.{override.article.revision}"'


def _editable_override(
    session: Session, actor: Author, municipality_code: str, slug: str, expected: str | None
) -> Override:
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    override = get_override(session, municipality_code, slug)
    what = f"the override of '{slug}' in {municipality_code}"
    check_version(expected, override_version(override), what=what)
    return override


def save_override(
    session: Session,
    actor: Author,
    municipality_code: str,
    slug: str,
    data: OverrideWrite,
    *,
    expected: str | None,
) -> tuple[Override, bool]:
    """Create (no version to give) or replace (the version read) -> (override, created)."""
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    article = get_article(session, slug)
    current = find_override(session, municipality_code, slug)
    if current is not None:
        check_version(
            expected,
            override_version(current),
            what=f"the override of '{slug}' in {municipality_code}",
        )
    elif expected is not None:
        raise PreconditionFailed("There is no override to match; someone may have deleted it.")
    return put_override(session, municipality_code, article, data, actor.email)


def reconfirm_override(
    session: Session, actor: Author, municipality_code: str, slug: str, *, expected: str | None
) -> Override:
    """The admin read the shared text of ``expected`` and the override still holds for it."""
    override = _editable_override(session, actor, municipality_code, slug, expected)
    return confirm_override(session, override, actor.email)


def remove_override(
    session: Session, actor: Author, municipality_code: str, slug: str, *, expected: str | None
) -> None:
    """The shared text applies again. The version is checked when given."""
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    override = get_override(session, municipality_code, slug)
    if expected is not None:
        check_version(expected, override_version(override), what=f"the override of '{slug}'")
    delete_override(session, override)


def override_read(session: Session, override: Override) -> OverrideRead:
    article = override.article
    stale = override.based_on_revision < article.revision
    return OverrideRead(
        municipality_code=override.municipality_code,
        slug=article.slug,
        mode=OverrideMode(override.mode),
        title=override.title,
        body=override.body,
        based_on_revision=override.based_on_revision,
        shared_revision=article.revision,
        stale=stale,
        revision=override.revision,
        updated_at=override.updated_at,
        updated_by=override.updated_by,
        shared_diff=(
            revision_diff(session, article, override.based_on_revision, article.revision)
            if stale
            else None
        ),
    )


# --- local articles --------------------------------------------------------------------------


def list_local_articles(session: Session, municipality_code: str) -> Sequence[LocalArticle]:
    return session.scalars(
        select(LocalArticle)
        .where(LocalArticle.municipality_code == municipality_code)
        .order_by(LocalArticle.slug)
    ).all()


def get_local_article(session: Session, municipality_code: str, slug: str) -> LocalArticle:
    local = session.scalar(
        select(LocalArticle).where(
            LocalArticle.municipality_code == municipality_code, LocalArticle.slug == slug
        )
    )
    if local is None:
        raise NotFound(f"Municipality {municipality_code} has no local article '{slug}'.")
    return local


def create_local_article(
    session: Session, municipality_code: str, data: ArticleCreate, actor: str
) -> LocalArticle:
    _ensure_slug_free(session, data.slug, municipality_code)
    _check_text(session, data.body)
    local = LocalArticle(
        municipality_code=municipality_code,
        slug=data.slug,
        revision=1,
        updated_at=utcnow(),
        updated_by=actor,
        **data.model_dump(include=set(ARTICLE_FIELDS)),
    )
    session.add(local)
    session.flush()
    return local


def update_local_article(
    session: Session, local: LocalArticle, changes: dict[str, Any], actor: str
) -> list[str]:
    changed = _changed_fields(local, changes)
    if not changed:
        return []
    if "body" in changed:
        _check_text(session, changes["body"])
    for name in changed:
        setattr(local, name, changes[name])
    local.revision += 1
    local.updated_at = utcnow()
    local.updated_by = actor
    session.flush()
    return changed


def delete_local_article(session: Session, local: LocalArticle) -> None:
    session.delete(local)
    session.flush()


# --- coverage --------------------------------------------------------------------------------


def administered_codes(session: Session, user: Principal) -> Sequence[str]:
    """Member municipalities whose local knowledge the user administers."""
    stmt = select(Municipality.code).where(Municipality.member.is_(True))
    stmt = scope_to_municipalities(stmt, user, Action.READ_LOCAL_ADMIN, Municipality.code)
    return session.scalars(stmt.order_by(Municipality.code)).all()


def coverage(session: Session, municipality_code: str) -> CoverageReport:
    """What a municipality should look at: gaps, outdated overrides, overdue reviews."""
    resolved = resolve_all(session, municipality_code)
    missing: dict[str, list[str]] = defaultdict(list)
    for article in resolved:
        for key in article.missing_facts:
            missing[key].append(article.slug)
    overrides = list_overrides(session, municipality_code)
    now = today()
    return CoverageReport(
        municipality_code=municipality_code,
        missing_facts=[MissingFact(key=k, articles=v) for k, v in sorted(missing.items())],
        stale_overrides=[
            StaleOverride(
                slug=o.article.slug,
                based_on_revision=o.based_on_revision,
                shared_revision=o.article.revision,
            )
            for o in overrides
            if o.based_on_revision < o.article.revision
        ],
        past_review_by=[
            ArticleDue(slug=a.slug, source=a.source, review_by=a.review_by)
            for a in resolved
            if a.review_by is not None and a.review_by < now
        ],
        overrides_of_unpublished=[
            o.article.slug for o in overrides if o.article.status != ArticleStatus.PUBLISHED
        ],
    )
