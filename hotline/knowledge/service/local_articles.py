"""A municipality's own articles."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.permissions import (
    Action,
    Author,
    Principal,
    require,
)
from hotline.db import utcnow
from hotline.errors import NotFound
from hotline.kit.versions import check_version, revision_version
from hotline.knowledge.models import (
    ArticleStatus,
    LocalArticle,
)
from hotline.knowledge.resolve import ResolvedArticle, resolve_draft, today
from hotline.knowledge.schemas import (
    ArticleCreate,
)
from hotline.knowledge.service.articles import ARTICLE_FIELDS, _changed_fields, _ensure_slug_free
from hotline.knowledge.service.text import check_text as _check_text
from hotline.knowledge.service.visibility import sees_drafts

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
    _check_text(session, data.agent_notes)
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
    for name in ("body", "agent_notes"):
        if name in changed:
            _check_text(session, changes[name])
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


# --- use cases: the acting subject, authorised; the version the caller read, checked ----------


def add_local_article(
    session: Session, actor: Author, municipality_code: str, data: ArticleCreate
) -> LocalArticle:
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    return create_local_article(session, municipality_code, data, actor.email)


def edit_local_article(
    session: Session,
    actor: Author,
    municipality_code: str,
    slug: str,
    changes: dict[str, Any],
    *,
    expected: str | None,
) -> LocalArticle:
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    local = get_local_article(session, municipality_code, slug)
    check_version(expected, revision_version(local.revision))
    update_local_article(session, local, changes, actor.email)
    return local


def remove_local_article(
    session: Session, actor: Author, municipality_code: str, slug: str, *, expected: str | None
) -> None:
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    local = get_local_article(session, municipality_code, slug)
    check_version(expected, revision_version(local.revision), required=False)
    delete_local_article(session, local)


@dataclass(frozen=True)
class LocalPreview:
    """What agents will read once the local article is saved, and from which day."""

    article: ResolvedArticle
    starts: date  # its own "valid from", or the day it is saved


def preview_local_article(
    session: Session, actor: Author, municipality_code: str, data: ArticleCreate
) -> LocalPreview:
    """The local article as it would read with ``data`` saved (nothing is written)."""
    require(actor, Action.READ_LOCAL_ADMIN, municipality_code)
    _check_text(session, data.body)
    draft = LocalArticle(
        municipality_code=municipality_code,
        **data.model_dump(include={"slug", "body", *ARTICLE_FIELDS}),
    )
    starts = max(data.valid_from or today(), today())
    return LocalPreview(resolve_draft(session, draft, municipality_code), starts)
