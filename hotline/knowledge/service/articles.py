"""Shared articles: create, change (a revision per real change), delete, their history."""

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.permissions import (
    Action,
    Author,
    Principal,
    require,
)
from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.kit.versions import check_version, revision_version
from hotline.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    LocalArticle,
    Override,
)
from hotline.knowledge.schemas import (
    ArticleCreate,
)
from hotline.knowledge.service.text import check_text as _check_text
from hotline.knowledge.service.visibility import sees_drafts

ARTICLE_FIELDS = (
    "title",
    "body",
    "agent_notes",
    "category",
    "tags",
    "locale",
    "status",
    "review_by",
    "valid_from",
    "valid_to",
)
AGENT_NOTES_HEADING = "== Kun for medarbejdere (sendes aldrig til borgeren) =="
NULLABLE_FIELDS = frozenset({"review_by", "valid_from", "valid_to"})
TEXT_FIELDS = frozenset({"title", "body"})

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
    _check_text(session, data.agent_notes)
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
    for name in ("body", "agent_notes"):
        if name in changed:
            _check_text(session, changes[name])
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
        notes = (
            f"\n{AGENT_NOTES_HEADING}\n\n{revision.agent_notes}\n" if revision.agent_notes else ""
        )
        return f"# {revision.title}\n\n{revision.body}\n{notes}".splitlines(keepends=True)

    return "".join(
        difflib.unified_diff(
            lines(before),
            lines(after),
            fromfile=f"{article.slug}@{old}",
            tofile=f"{article.slug}@{new}",
        )
    )


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


# --- use cases: the acting subject, authorised; the version the caller read, checked ----------


def add_article(session: Session, actor: Author, data: ArticleCreate) -> Article:
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    return create_article(session, data, actor.email)


def edit_article(
    session: Session, actor: Author, slug: str, changes: dict[str, Any], *, expected: str | None
) -> Article:
    """A new revision when something changed; overrides of it become stale if the text did."""
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    article = get_article(session, slug)
    check_version(expected, revision_version(article.revision))
    update_article(session, article, changes, actor.email)
    return article


def remove_article(session: Session, actor: Author, slug: str, *, expected: str | None) -> None:
    """Refused (409) while municipalities override it; the version is checked when given."""
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    article = get_article(session, slug)
    check_version(expected, revision_version(article.revision), required=False)
    delete_article(session, article)
