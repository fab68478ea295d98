"""A municipality's overrides of shared articles: use cases with the acting subject."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from hotline.auth.permissions import (
    Action,
    Author,
    require,
)
from hotline.db import utcnow
from hotline.errors import NotFound, PreconditionFailed
from hotline.kit.versions import check_version
from hotline.knowledge.models import (
    Article,
    Override,
    OverrideMode,
)
from hotline.knowledge.resolve import ResolvedArticle, resolve_draft_override, today
from hotline.knowledge.schemas import (
    OverrideRead,
    OverrideWrite,
    RevisionRead,
)
from hotline.knowledge.service.articles import get_article, list_revisions, revision_diff
from hotline.knowledge.service.text import check_text as _check_text

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
    _check_text(session, data.agent_notes)
    fields = {
        "mode": data.mode.value,
        "title": data.title,
        "body": data.body.strip(),
        "agent_notes": data.agent_notes.strip(),
    }
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
        agent_notes=override.agent_notes,
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
        shared_changes=[
            RevisionRead.model_validate(revision)
            for revision in (list_revisions(session, article) if stale else [])
            if revision.revision > override.based_on_revision
        ],
    )


@dataclass(frozen=True)
class OverridePreview:
    """What agents will read once the override is saved, and from which day."""

    article: ResolvedArticle
    starts: date  # saving applies at once; not before the shared article itself is valid
    hidden: bool


def preview_override(
    session: Session, actor: Author, municipality_code: str, slug: str, data: OverrideWrite
) -> OverridePreview:
    """The article as it would read with ``data`` saved (nothing is written)."""
    require(actor, Action.READ_LOCAL_ADMIN, municipality_code)
    article = get_article(session, slug)
    _check_text(session, data.body)
    resolved = resolve_draft_override(
        session, article, municipality_code, data.mode, data.title, data.body, data.agent_notes
    )
    starts = max(article.valid_from or today(), today())
    return OverridePreview(resolved, starts, data.mode is OverrideMode.HIDE)
