"""Shared articles: create, change (a revision per real change), delete, their history."""

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
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
from hotline.errors import Conflict, InvalidInput, NotFound, PreconditionRequired
from hotline.kit.versions import check_version, revision_version
from hotline.knowledge.models import (
    MAX_REASON_CHARS,
    Article,
    ArticleRevision,
    ArticleStatus,
    FactValue,
    LocalArticle,
    Override,
    OverrideMode,
)
from hotline.knowledge.resolve import fact_keys_in
from hotline.knowledge.schemas import (
    ArticleCreate,
)
from hotline.knowledge.service.text import check_text as _check_text
from hotline.knowledge.service.visibility import sees_drafts
from hotline.municipalities.models import Municipality

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


def _record_revision(
    session: Session, article: Article, changed: list[str], actor: str, reason: str | None = None
) -> None:
    session.add(
        ArticleRevision(
            article_id=article.id,
            revision=article.revision,
            changed_fields=changed,
            changed_by=actor,
            changed_at=article.updated_at,
            reason=reason,
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
    session: Session,
    article: Article,
    changes: dict[str, Any],
    actor: str,
    *,
    reason: str | None = None,
) -> list[str]:
    """Apply changes; a new revision only when something really changed. Returns the fields.

    A change of metadata only (tags, dates) leaves up-to-date overrides up to date: there is no
    new shared text for a municipality to check. ``reason`` (the editor's words) is kept with
    the revision, for the admins who have to read the change.
    """
    changed = _changed_fields(article, changes)
    if not changed:
        return []
    reason = _clean_reason(reason)
    for name in ("body", "agent_notes"):
        if name in changed:
            _check_text(session, changes[name])
    previous = article.revision
    for name in changed:
        setattr(article, name, changes[name])
    article.revision = previous + 1
    article.updated_at = utcnow()
    article.updated_by = actor
    _record_revision(session, article, changed, actor, reason)
    if not TEXT_FIELDS & set(changed):
        for override in session.scalars(
            select(Override).where(
                Override.article_id == article.id, Override.based_on_revision == previous
            )
        ):
            override.based_on_revision = article.revision
    session.flush()
    return changed


class Effect(StrEnum):
    """How a change of a shared article's text reaches one municipality."""

    OVERRIDE_STALE = "override_stale"  # its override was written for the text being replaced
    OVERRIDE_ALREADY_STALE = "override_already_stale"  # it has not confirmed an earlier change
    HIDDEN = "hidden"  # the article does not apply there: nothing to read
    MISSING_FACTS = "missing_facts"  # the new text uses facts it has not filled in


@dataclass(frozen=True)
class AffectedMunicipality:
    code: str
    name: str
    effect: Effect
    facts: tuple[str, ...] = ()  # for MISSING_FACTS: the fact keys it lacks


@dataclass(frozen=True)
class ChangeImpact:
    """What saving a new text does to the municipalities: "overridden in N; M become stale",
    which ones by name, and how many members read the new shared text as it is."""

    overridden_in: int
    becoming_stale: int
    affected: tuple[AffectedMunicipality, ...] = ()
    reading_as_is: int = 0
    text_changed: bool = True

    @property
    def needs_confirmation(self) -> bool:
        """A change of title or text that leaves some municipality with work to do is saved
        only after the editor has seen which ones (see ``edit_article``'s ``confirmed``)."""
        return self.text_changed and any(a.effect is not Effect.HIDDEN for a in self.affected)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(a.code for a in self.affected if a.effect is not Effect.HIDDEN)


def change_impact(
    session: Session, article: Article, changes: dict[str, Any] | None = None
) -> ChangeImpact:
    """Which municipalities a change of ``article`` reaches, and how.

    Overrides written against the current revision go stale when the title or text changes;
    members without a value for a fact the new text starts using would show a gap. Without
    ``changes``, the impact of changing the text at all.
    """
    changes = changes or {}
    text_changed = not changes or any(
        name in changes and changes[name] != getattr(article, name) for name in TEXT_FIELDS
    )
    names = {
        code: name for code, name in session.execute(select(Municipality.code, Municipality.name))
    }
    overrides = session.execute(
        select(Override.municipality_code, Override.mode, Override.based_on_revision)
        .where(Override.article_id == article.id)
        .order_by(Override.municipality_code)
    ).all()
    affected: list[AffectedMunicipality] = []
    for code, mode, based_on in overrides:
        if mode == OverrideMode.HIDE:
            effect = Effect.HIDDEN
        elif based_on == article.revision:
            effect = Effect.OVERRIDE_STALE
        else:
            effect = Effect.OVERRIDE_ALREADY_STALE
        affected.append(AffectedMunicipality(code, names.get(code, code), effect))
    overridden = {code for code, _mode, _based in overrides}
    new_keys = fact_keys_in(str(changes.get("body", article.body))) - fact_keys_in(article.body)
    members = session.scalars(
        select(Municipality.code).where(Municipality.member.is_(True)).order_by(Municipality.code)
    ).all()
    if new_keys:
        given: dict[str, set[str]] = {}
        for code, key in session.execute(
            select(FactValue.municipality_code, FactValue.fact_key).where(
                FactValue.fact_key.in_(new_keys)
            )
        ):
            given.setdefault(code, set()).add(key)
        for code in members:
            lacking = tuple(sorted(new_keys - given.get(code, set())))
            if lacking and code not in overridden:
                affected.append(
                    AffectedMunicipality(code, names[code], Effect.MISSING_FACTS, lacking)
                )
    lacking_codes = {a.code for a in affected}
    return ChangeImpact(
        overridden_in=len(overrides),
        becoming_stale=sum(a.effect is Effect.OVERRIDE_STALE for a in affected),
        affected=tuple(affected),
        reading_as_is=sum(code not in lacking_codes for code in members),
        text_changed=text_changed,
    )


class ChangeNotConfirmed(PreconditionRequired):
    """The change reaches municipalities the editor has not confirmed (428)."""

    slug = "change-not-confirmed"
    title = "Confirm the municipalities this change affects"


class ReasonTooLong(InvalidInput):
    slug = "reason-too-long"


def _clean_reason(reason: str | None) -> str | None:
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON_CHARS:
        raise ReasonTooLong(f"The reason is longer than {MAX_REASON_CHARS} characters.")
    return reason or None


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
    session: Session,
    actor: Author,
    slug: str,
    changes: dict[str, Any],
    *,
    expected: str | None,
    reason: str | None = None,
    confirmed: frozenset[str] | None = None,
) -> Article:
    """A new revision when something changed; overrides of it become stale if the text did.

    ``confirmed``: the municipality codes the editor was shown and confirmed (the console's
    confirmation step). When given, a text change reaching any other municipality is refused
    (``ChangeNotConfirmed``), so a confirmation never covers a municipality that was not on
    screen. ``reason`` is kept with the revision; the admins read it beside the diff.
    """
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    article = get_article(session, slug)
    check_version(expected, revision_version(article.revision))
    if confirmed is not None:
        impact = change_impact(session, article, changes)
        if impact.needs_confirmation and not impact.codes <= confirmed:
            raise ChangeNotConfirmed(
                "The change affects municipalities that were not confirmed.",
                affected=sorted(impact.codes - confirmed),
            )
    update_article(session, article, changes, actor.email, reason=reason)
    return article


def remove_article(session: Session, actor: Author, slug: str, *, expected: str | None) -> None:
    """Refused (409) while municipalities override it; the version is checked when given."""
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    article = get_article(session, slug)
    check_version(expected, revision_version(article.revision), required=False)
    delete_article(session, article)
