"""``kb sync``: make the database match the folder, through the knowledge service.

The folder is read and checked whole first (``reader``); then rows are created, changed and
removed with the service's own functions, creating revisions only for real changes and keeping
what was changed in hotline since the last sync (unless told to overwrite it).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import Conflict, InvalidInput
from hotline.knowledge import service
from hotline.knowledge.files.reader import KINDS, ArticleSource, Folder, read_folder
from hotline.knowledge.models import (
    SYNC_ACTOR,
    Article,
    Fact,
    FactValue,
    LocalArticle,
    Override,
)
from hotline.knowledge.schemas import (
    ArticleCreate,
    FactCreate,
    OverrideWrite,
)
from hotline.municipalities.service import (
    sync_municipalities,
)
from hotline.sync import SyncReport

# --- applying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """A row this sync would have changed or removed but left as it is, and why."""

    kind: str
    municipality_code: str | None
    name: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.municipality_code}/" if self.municipality_code else ""
        return f"{self.kind} {where}{self.name}: {self.reason}"


@dataclass
class FolderReport(SyncReport):
    kept: list[Kept] = field(default_factory=list)


Edited = Article | LocalArticle | Override | Fact | FactValue


def _differs(row: object, wanted: dict[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in wanted.items())


def _edited_by(row: Edited) -> str:
    return f"edited in hotline by {row.updated_by}"


def _article_changes(source: ArticleSource) -> dict[str, Any]:
    return {**source.fields.model_dump(), "body": source.body}


def sync_folder(session: Session, root: Path, *, overwrite_edits: bool = False) -> FolderReport:
    """Make the database match the folder; nothing is changed when any file is invalid.

    Rows changed in hotline since sync last wrote them (``updated_by`` is not ``SYNC_ACTOR``) are
    kept, not updated or removed, unless ``overwrite_edits``: the files must not silently undo
    the work of editors and municipalities.
    """
    folder = read_folder(root)
    try:
        return _Sync(session, folder, protect=not overwrite_edits).run()
    except Conflict as exc:
        if overwrite_edits:
            raise
        # The folder is consistent in itself, so what is in its way was kept from hotline.
        raise Conflict(
            f"{exc.detail} What is in the way was changed in hotline since the last sync: "
            "change it there, or sync with --overwrite-edits."
        ) from exc


class _Sync:
    """One run of ``sync_folder``; ``protect`` keeps rows changed in hotline since the last sync."""

    def __init__(self, session: Session, folder: Folder, *, protect: bool) -> None:
        self.session = session
        self.folder = folder
        self.protect = protect
        self.report = FolderReport()
        for kind in KINDS:
            self.report.kind(kind)

    def run(self) -> FolderReport:
        self.report.kinds["municipalities"] = sync_municipalities(
            self.session, self.folder.municipalities_csv
        )
        changed_facts = self._create_facts()
        self._sync_values()
        self._update_facts(changed_facts)  # after the values: a new type must fit the kept ones
        kept_articles = self._articles_to_keep()
        self._remove_overrides_and_locals(kept_articles)
        articles = self._upsert_articles()
        for slug in set(articles) - set(self.folder.articles):
            article = articles.pop(slug)
            if slug in kept_articles:
                self._keep("articles", None, slug, kept_articles[slug])
            else:
                service.delete_article(self.session, article)  # its overrides went first
                self.report.kind("articles").removed += 1
        self._upsert_overrides(articles)
        self._upsert_local_articles()
        self._remove_facts()  # last: kept texts and values may still need a fact
        self.session.flush()
        self.report.kept.sort(
            key=lambda k: (KINDS.index(k.kind), k.municipality_code or "", k.name)
        )
        return self.report

    def _edited(self, row: Edited) -> bool:
        return self.protect and row.updated_by != SYNC_ACTOR

    def _keep(self, kind: str, code: str | None, name: str, reason: str) -> None:
        self.report.kind(kind).kept += 1
        self.report.kept.append(Kept(kind, code, name, reason))

    def _unchanged(self, kind: str, row: Edited) -> None:
        """The folder now says what hotline says (e.g. after an export), so the row is the
        folder's again (``updated_by`` = SYNC_ACTOR, no new revision): later file edits apply."""
        if row.updated_by != SYNC_ACTOR:
            row.updated_by = SYNC_ACTOR
        self.report.kind(kind).unchanged += 1

    def _overrides(self) -> list[tuple[Override, str]]:
        rows = self.session.execute(
            select(Override, Article.slug)
            .join(Article, Article.id == Override.article_id)
            .order_by(Override.municipality_code)
        )
        return [(override, slug) for override, slug in rows]

    def _create_facts(self) -> dict[str, dict[str, str | None]]:
        """Create new facts; returns the changes of existing ones, applied after the values."""
        kind = self.report.kind("facts")
        existing = {fact.key: fact for fact in self.session.scalars(select(Fact))}
        changed: dict[str, dict[str, str | None]] = {}
        for key, fields in self.folder.facts.items():
            fact = existing.get(key)
            wanted = {
                "description": fields.description,
                "type": fields.type.value,
                "label": fields.label,
                "default_value": None
                if fields.default_value is None
                else str(fields.default_value),
            }
            if fact is None:
                service.create_fact(
                    self.session, FactCreate(key=key, **fields.model_dump()), SYNC_ACTOR
                )
                kind.created += 1
            elif not _differs(fact, wanted):
                self._unchanged("facts", fact)
            elif self._edited(fact):
                self._keep("facts", None, key, _edited_by(fact))
            else:
                changed[key] = wanted
        self.session.flush()
        return changed

    def _update_facts(self, changed: dict[str, dict[str, str | None]]) -> None:
        for key, wanted in changed.items():
            try:
                fact = self.session.get_one(Fact, key)
                service.update_fact(self.session, fact, wanted, SYNC_ACTOR)
            except InvalidInput as exc:
                raise Conflict(f"facts.yaml changes the type of '{key}': {exc.detail}") from exc
            self.report.kind("facts").updated += 1

    def _sync_values(self) -> None:
        kind = self.report.kind("fact values")
        existing = {
            (v.municipality_code, v.fact_key): v for v in self.session.scalars(select(FactValue))
        }
        for (code, key), text in self.folder.values.items():
            current = existing.pop((code, key), None)
            if current is None:
                service.set_fact_value(self.session, code, key, text, SYNC_ACTOR)
                kind.created += 1
            elif current.value == text:
                self._unchanged("fact values", current)
            elif self._edited(current):
                self._keep("fact values", code, key, _edited_by(current))
            else:
                service.set_fact_value(self.session, code, key, text, SYNC_ACTOR)
                kind.updated += 1
        for (code, key), leftover in existing.items():
            if self._edited(leftover):
                self._keep("fact values", code, key, _edited_by(leftover))
            else:
                service.delete_fact_value(self.session, leftover)
                kind.removed += 1
        self.session.flush()

    def _articles_to_keep(self) -> dict[str, str]:
        """Shared articles gone from the folder that stay (slug -> why): edited in hotline, or
        overridden in hotline since the last sync (an override needs its article)."""
        kept = {
            article.slug: _edited_by(article)
            for article in self.session.scalars(select(Article))
            if article.slug not in self.folder.articles and self._edited(article)
        }
        for override, slug in self._overrides():
            if slug not in self.folder.articles and slug not in kept and self._edited(override):
                code = override.municipality_code
                kept[slug] = f"overridden by {code}, {_edited_by(override)}"
        return kept

    def _remove_overrides_and_locals(self, kept_articles: dict[str, str]) -> None:
        """First, so a slug or article freed by this sync can be reused by it."""
        for override, slug in self._overrides():
            code = override.municipality_code
            if (code, slug) in self.folder.overrides:
                continue
            if self._edited(override):
                self._keep("overrides", code, slug, _edited_by(override))
            elif slug in kept_articles:
                self._keep("overrides", code, slug, f"its shared article '{slug}' is kept")
            else:
                service.delete_override(self.session, override)
                self.report.kind("overrides").removed += 1
        for local in self.session.scalars(select(LocalArticle)):
            if (local.municipality_code, local.slug) in self.folder.local_articles:
                continue
            if self._edited(local):
                self._keep("local articles", local.municipality_code, local.slug, _edited_by(local))
            else:
                service.delete_local_article(self.session, local)
                self.report.kind("local articles").removed += 1
        self.session.flush()

    def _upsert_articles(self) -> dict[str, Article]:
        kind = self.report.kind("articles")
        articles = {article.slug: article for article in self.session.scalars(select(Article))}
        for slug, source in self.folder.articles.items():
            article = articles.get(slug)
            wanted = _article_changes(source)
            if article is None:
                data = ArticleCreate(slug=slug, body=source.body, **source.fields.model_dump())
                articles[slug] = service.create_article(self.session, data, SYNC_ACTOR)
                kind.created += 1
            elif not _differs(article, wanted):
                self._unchanged("articles", article)
            elif self._edited(article):
                self._keep("articles", None, slug, _edited_by(article))
            else:
                service.update_article(self.session, article, wanted, SYNC_ACTOR)
                kind.updated += 1
        return articles

    def _upsert_overrides(self, articles: dict[str, Article]) -> None:
        """Keep an unchanged override pinned to its revision: a newer shared text makes it stale.

        A changed override file counts as re-confirmation against the current shared revision;
        an explicit ``based_on_revision`` (written by export) is kept, capped at the current
        revision.
        """
        kind = self.report.kind("overrides")
        existing = {
            (override.municipality_code, slug): override for override, slug in self._overrides()
        }
        for (code, slug), source in self.folder.overrides.items():
            article = articles[slug]
            claimed = source.front.based_on_revision
            pinned = article.revision if claimed is None else min(claimed, article.revision)
            wanted = {
                "mode": source.front.mode.value,
                "title": source.front.title,
                "body": source.body,
                "agent_notes": source.front.agent_notes,
            }
            current = existing.get((code, slug))
            data = OverrideWrite(
                mode=source.front.mode,
                title=source.front.title,
                body=source.body,
                agent_notes=source.front.agent_notes,
            )
            if current is None:
                service.put_override(
                    self.session, code, article, data, SYNC_ACTOR, based_on_revision=pinned
                )
                kind.created += 1
                continue
            changed = _differs(current, wanted)
            if not changed and (claimed is None or pinned == current.based_on_revision):
                self._unchanged("overrides", current)
            elif self._edited(current):
                self._keep("overrides", code, slug, _edited_by(current))
            else:
                revision = article.revision if changed else pinned
                service.put_override(
                    self.session, code, article, data, SYNC_ACTOR, based_on_revision=revision
                )
                kind.updated += 1
        self.session.flush()

    def _upsert_local_articles(self) -> None:
        kind = self.report.kind("local articles")
        existing = {
            (la.municipality_code, la.slug): la for la in self.session.scalars(select(LocalArticle))
        }
        for (code, slug), source in self.folder.local_articles.items():
            local = existing.get((code, slug))
            wanted = _article_changes(source)
            if local is None:
                data = ArticleCreate(slug=slug, body=source.body, **source.fields.model_dump())
                service.create_local_article(self.session, code, data, SYNC_ACTOR)
                kind.created += 1
            elif not _differs(local, wanted):
                self._unchanged("local articles", local)
            elif self._edited(local):
                self._keep("local articles", code, slug, _edited_by(local))
            else:
                service.update_local_article(self.session, local, wanted, SYNC_ACTOR)
                kind.updated += 1

    def _remove_facts(self) -> None:
        """A fact that kept texts or kept values still use stays: no dangling placeholder."""
        for fact in self.session.scalars(select(Fact)):
            if fact.key in self.folder.facts:
                continue
            if self._edited(fact):
                self._keep("facts", None, fact.key, _edited_by(fact))
                continue
            users = service.texts_using_fact(self.session, fact.key)
            users += [
                f"the value of {code}"
                for code in self.session.scalars(
                    select(FactValue.municipality_code)
                    .where(FactValue.fact_key == fact.key)
                    .order_by(FactValue.municipality_code)
                )
            ]
            if users:
                self._keep("facts", None, fact.key, f"still used by {', '.join(users)}")
            else:
                self.session.delete(fact)
                self.report.kind("facts").removed += 1
