"""The ``knowledge_base/`` folder <-> the database.

``sync_folder`` reads and checks the whole folder first and raises every problem as
``file:line: message`` before it changes anything; then it makes the database match the folder,
creating revisions only for real changes, and keeping what was changed in hotline since the last
sync (unless told to overwrite it). ``export_folder`` writes the database back in the same
format, so sync -> export -> sync changes nothing.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput
from hotline.knowledge import service
from hotline.knowledge.models import (
    SYNC_ACTOR,
    Article,
    ArticleStatus,
    Fact,
    FactType,
    FactValue,
    LocalArticle,
    Override,
    OverrideMode,
)
from hotline.knowledge.schemas import (
    ArticleCreate,
    ArticleFields,
    FactFields,
    FactKey,
    OverrideFront,
    Slug,
    normalise_fact_value,
)
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import (
    CSV_COLUMNS,
    read_municipalities_csv,
    sync_municipalities,
)
from hotline.sync import SourceError, SourceErrors, SyncReport

KINDS = ("municipalities", "facts", "fact values", "articles", "overrides", "local articles")
MUNICIPALITY_ENTRIES = {"facts.yaml", "overrides", "articles"}
M = TypeVar("M", bound=BaseModel)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A Markdown file with YAML front matter, with the line of every front matter key."""

    path: Path
    front: dict[str, Any]
    key_lines: dict[str, int]
    body: str
    body_line: int


@dataclass(frozen=True)
class ArticleSource:
    slug: str
    fields: ArticleFields
    body: str


@dataclass(frozen=True)
class OverrideSource:
    front: OverrideFront
    body: str


@dataclass
class Folder:
    """Everything the folder says, validated."""

    municipalities_csv: Path
    facts: dict[str, FactFields] = field(default_factory=dict)
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    articles: dict[str, ArticleSource] = field(default_factory=dict)
    overrides: dict[tuple[str, str], OverrideSource] = field(default_factory=dict)
    local_articles: dict[tuple[str, str], ArticleSource] = field(default_factory=dict)


class _Reader:
    """Collects every error of the folder instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[SourceError] = []
        # Keys facts.yaml declares (valid or not); None when it cannot be read. Texts are only
        # checked against a readable catalogue, so one broken file gives one error, not fifty.
        self.fact_keys: set[str] | None = set()

    def error(self, path: Path, line: int, message: str) -> None:
        self.errors.append(SourceError(path, line, message))

    def yaml_mapping(
        self, path: Path, text: str, first_line: int = 1, *, as_text: bool = False
    ) -> tuple[dict[str, Any], dict[str, int]] | None:
        """Parse YAML that must be ``key: value`` pairs; keys map to their line numbers.

        ``as_text``: unquoted scalars stay the text written (``1.600`` is not the float 1.6,
        ``0125`` not 125), for values whose meaning the fact's type decides."""
        loader = _TextLoader if as_text else yaml.SafeLoader
        try:
            node = yaml.compose(text, Loader=loader)
            data = yaml.load(text, Loader=loader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            self.error(path, first_line + (mark.line if mark else 0), f"invalid YAML: {problem}")
            return None
        if data is None:
            return {}, {}
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            self.error(path, first_line, "expected 'key: value' lines")
            return None
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key = str(key_node.value)
            line = first_line + key_node.start_mark.line
            if key in lines:
                self.error(path, line, f"'{key}' repeats line {lines[key]}")
            lines[key] = line
        return {str(key): value for key, value in data.items()}, lines

    def document(self, path: Path) -> Document | None:
        try:
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            self.error(path, 1, "not UTF-8 text")
            return None
        lines = text.splitlines(keepends=True)
        if not lines or lines[0].strip() != "---":
            self.error(path, 1, "no front matter: the file must start with a line '---'")
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            self.error(path, 1, "the front matter is not closed by a line '---'")
            return None
        parsed = self.yaml_mapping(path, "".join(lines[1:end]), first_line=2)
        if parsed is None:
            return None
        rest = "".join(lines[end + 1 :])
        leading = rest[: len(rest) - len(rest.lstrip())]
        body_line = end + 2 + leading.count("\n")
        return Document(path, parsed[0], parsed[1], rest.strip(), body_line)

    def validated(
        self, model: type[M], data: Any, path: Path, key_lines: dict[str, int], line: int = 1
    ) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else ""
                if error["type"] == "missing":
                    message = f"'{key}' is required"
                elif error["type"] == "extra_forbidden":
                    message = f"unknown key '{key}'"
                else:
                    message = f"{key}: {error['msg']}" if key else error["msg"]
                self.error(path, key_lines.get(key, line), message)
            return None

    def placeholders(self, document: Document) -> None:
        if self.fact_keys is None:
            return
        for line, message in service.placeholder_problems(document.body, self.fact_keys):
            self.error(document.path, document.body_line + line - 1, message)

    def slug(self, path: Path) -> str | None:
        if path.suffix != ".md":
            self.error(path, 1, "expected a Markdown file named <slug>.md")
            return None
        if self.validated(_SlugCheck, {"slug": path.stem}, path, {}) is None:
            return None
        return path.stem

    def article(self, path: Path) -> ArticleSource | None:
        slug, document = self.slug(path), self.document(path)
        if slug is None or document is None:
            return None
        fields = self.validated(ArticleFields, document.front, path, document.key_lines)
        if not document.body:
            self.error(path, document.body_line, "the article has no text after the front matter")
        self.placeholders(document)
        if fields is None or not document.body:
            return None
        return ArticleSource(slug, fields, document.body)

    def override(self, path: Path) -> OverrideSource | None:
        document = self.document(path)
        if document is None:
            return None
        front = self.validated(OverrideFront, document.front, path, document.key_lines)
        self.placeholders(document)
        if front is None:
            return None
        title_line = document.key_lines.get("title", document.key_lines.get("mode", 1))
        if front.mode is OverrideMode.REPLACE and not front.title:
            self.error(path, document.key_lines.get("mode", 1), "'title' is required for replace")
        elif front.mode is not OverrideMode.REPLACE and front.title:
            self.error(path, title_line, f"only a replace override has a title, not {front.mode}")
        elif front.mode is not OverrideMode.HIDE and not document.body:
            self.error(path, document.body_line, f"a {front.mode} override needs text")
        else:
            return OverrideSource(front, document.body)
        return None


class _SlugCheck(BaseModel):
    slug: Slug


class _KeyCheck(BaseModel):
    key: FactKey


def _entries(folder: Path) -> list[Path]:
    """Sorted, without hidden files (.gitkeep, .DS_Store)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def read_folder(root: Path) -> Folder:
    """Parse and check everything; raise SourceErrors listing every problem."""
    if not root.is_dir():
        raise SourceErrors([SourceError(root, 1, "not a folder")])
    reader = _Reader()
    folder = Folder(municipalities_csv=root / "municipalities.csv")
    members: set[str] | None = None
    known: set[str] = set()
    try:
        rows = read_municipalities_csv(folder.municipalities_csv)
        known = {row["code"] for row in rows}
        members = {row["code"] for row in rows if row["member"]}
    except FileNotFoundError:
        reader.error(folder.municipalities_csv, 1, "missing: the list of municipalities")
    except SourceErrors as exc:
        reader.errors.extend(exc.errors)

    _read_facts(reader, root / "facts.yaml", folder)
    article_paths = _entries(root / "articles")
    shared_slugs = {path.stem for path in article_paths}  # also invalid ones: no follow-on errors
    for path in article_paths:
        article = reader.article(path)
        if article is not None:
            folder.articles[article.slug] = article

    for directory in _entries(root / "municipalities"):
        code = directory.name
        if not (directory.is_dir() and code.isdigit() and len(code) == 4):
            reader.error(directory, 1, "expected a folder named by a 4-digit municipality code")
            continue
        if members is not None and code not in known:
            reader.error(directory, 1, f"unknown municipality code {code}")
            continue
        if members is not None and code not in members:
            reader.error(directory, 1, f"municipality {code} is not a member of the hotline")
            continue
        _read_municipality(reader, directory, code, folder, shared_slugs)

    if reader.errors:
        raise SourceErrors(reader.errors)
    return folder


def _read_facts(reader: _Reader, path: Path, folder: Folder) -> None:
    if not path.exists():
        return
    parsed = reader.yaml_mapping(path, path.read_text(encoding="utf-8"))
    if parsed is None:
        reader.fact_keys = None
        return
    data, lines = parsed
    reader.fact_keys = set(data)
    for key, entry in data.items():
        line = lines.get(key, 1)
        if reader.validated(_KeyCheck, {"key": key}, path, {}, line) is None:
            continue
        fields = reader.validated(FactFields, entry, path, {}, line)
        if fields is not None:
            folder.facts[key] = fields


def _read_municipality(
    reader: _Reader, directory: Path, code: str, folder: Folder, shared_slugs: set[str]
) -> None:
    for entry in _entries(directory):
        if entry.name not in MUNICIPALITY_ENTRIES:
            reader.error(entry, 1, "unexpected here: expected facts.yaml, overrides/, articles/")
    values_path = directory / "facts.yaml"
    if values_path.exists():
        parsed = reader.yaml_mapping(
            values_path, values_path.read_text(encoding="utf-8"), as_text=True
        )
        for key, value in (parsed or ({}, {}))[0].items():
            line = parsed[1].get(key, 1) if parsed else 1
            fact = folder.facts.get(key)
            if fact is None:
                if reader.fact_keys is not None and key not in reader.fact_keys:
                    reader.error(values_path, line, f"unknown fact '{key}' (not in facts.yaml)")
                continue
            try:
                folder.values[(code, key)] = normalise_fact_value(fact.type, value)
            except ValueError as exc:
                reader.error(values_path, line, f"{key}: {exc}")
    for path in _entries(directory / "overrides"):
        slug = reader.slug(path)
        override = reader.override(path)
        if slug is None or override is None:
            continue
        if slug not in shared_slugs:
            reader.error(path, 1, f"override of unknown article '{slug}' (no articles/{slug}.md)")
        elif slug in folder.articles:
            folder.overrides[(code, slug)] = override
    for path in _entries(directory / "articles"):
        local = reader.article(path)
        if local is None:
            continue
        if local.slug in shared_slugs:
            reader.error(
                path, 1, f"'{local.slug}' is a shared article; a local article needs its own slug"
            )
            continue
        folder.local_articles[(code, local.slug)] = local


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


Edited = Article | LocalArticle | Override | FactValue


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

    def _create_facts(self) -> dict[str, dict[str, str]]:
        """Create new facts; returns the changes of existing ones, applied after the values."""
        kind = self.report.kind("facts")
        existing = {fact.key: fact for fact in self.session.scalars(select(Fact))}
        changed: dict[str, dict[str, str]] = {}
        for key, fields in self.folder.facts.items():
            fact = existing.get(key)
            wanted = {"description": fields.description, "type": fields.type.value}
            if fact is None:
                self.session.add(Fact(key=key, revision=1, updated_by=SYNC_ACTOR, **wanted))
                kind.created += 1
            elif not _differs(fact, wanted):
                self._unchanged("facts", fact)
            elif self._edited(fact):
                self._keep("facts", None, key, _edited_by(fact))
            else:
                changed[key] = wanted
        self.session.flush()
        return changed

    def _update_facts(self, changed: dict[str, dict[str, str]]) -> None:
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
                self.session.add(
                    FactValue(
                        municipality_code=code,
                        fact_key=key,
                        value=text,
                        revision=1,
                        updated_at=utcnow(),
                        updated_by=SYNC_ACTOR,
                    )
                )
                kind.created += 1
            elif current.value == text:
                self._unchanged("fact values", current)
            elif self._edited(current):
                self._keep("fact values", code, key, _edited_by(current))
            else:
                current.value = text
                current.revision += 1
                current.updated_at = utcnow()
                current.updated_by = SYNC_ACTOR
                kind.updated += 1
        for (code, key), leftover in existing.items():
            if self._edited(leftover):
                self._keep("fact values", code, key, _edited_by(leftover))
            else:
                self.session.delete(leftover)
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
                self.session.delete(override)
                self.report.kind("overrides").removed += 1
        for local in self.session.scalars(select(LocalArticle)):
            if (local.municipality_code, local.slug) in self.folder.local_articles:
                continue
            if self._edited(local):
                self._keep("local articles", local.municipality_code, local.slug, _edited_by(local))
            else:
                self.session.delete(local)
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
            }
            current = existing.get((code, slug))
            if current is None:
                self.session.add(
                    Override(
                        municipality_code=code,
                        article_id=article.id,
                        based_on_revision=pinned,
                        revision=1,
                        updated_at=utcnow(),
                        updated_by=SYNC_ACTOR,
                        **wanted,
                    )
                )
                kind.created += 1
                continue
            changed = _differs(current, wanted)
            if not changed and (claimed is None or pinned == current.based_on_revision):
                self._unchanged("overrides", current)
            elif self._edited(current):
                self._keep("overrides", code, slug, _edited_by(current))
            else:
                for name, value in wanted.items():
                    setattr(current, name, value)
                revision = article.revision if changed else pinned
                service.mark_override_changed(current, revision, SYNC_ACTOR)
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


# --- export ----------------------------------------------------------------------------------


def _front_matter(item: Article | LocalArticle) -> dict[str, Any]:
    """Only what differs from the defaults, so exported files read like hand-written ones."""
    front: dict[str, Any] = {"title": item.title, "category": item.category}
    if item.tags:
        front["tags"] = list(item.tags)
    if item.locale != "da":
        front["locale"] = item.locale
    if item.status != ArticleStatus.PUBLISHED:
        front["status"] = item.status
    for name in ("review_by", "valid_from", "valid_to"):
        if getattr(item, name) is not None:
            front[name] = getattr(item, name)
    return front


class _TextLoader(yaml.SafeLoader):
    """YAML whose plain scalars all stay text (no numbers, booleans or nulls)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}


class _Dumper(yaml.SafeDumper):
    """Block mappings with inline lists: ``tags: [pas, fornyelse]`` as people write it."""


_Dumper.add_representer(
    list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, True)
)


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )


def _write_document(path: Path, front: dict[str, Any], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"---\n{_dump(front)}---\n{body}\n" if body else f"---\n{_dump(front)}---\n"
    path.write_text(text, encoding="utf-8")


def _yaml_value(fact_type: str, value: str) -> str | int:
    """Whole kroner as YAML numbers, as people write them; everything else as text."""
    return int(value) if fact_type == FactType.MONEY and value.isdigit() else value


def export_folder(session: Session, root: Path) -> int:
    """Write the database as a knowledge_base folder into an empty ``root``; returns file count."""
    if root.exists() and any(root.iterdir()):
        raise Conflict(f"{root} is not empty; export into a new or empty folder.")
    root.mkdir(parents=True, exist_ok=True)
    written = 0

    with (root / "municipalities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for municipality in session.scalars(select(Municipality).order_by(Municipality.code)):
            row = {column: getattr(municipality, column) for column in CSV_COLUMNS}
            writer.writerow({**row, "member": "yes" if municipality.member else "no"})
    written += 1

    facts = service.list_facts(session)
    types = {fact.key: fact.type for fact in facts}
    (root / "facts.yaml").write_text(
        _dump({f.key: {"description": f.description, "type": f.type} for f in facts}),
        encoding="utf-8",
    )
    written += 1

    for article in session.scalars(select(Article).order_by(Article.slug)):
        _write_document(
            root / "articles" / f"{article.slug}.md", _front_matter(article), article.body
        )
        written += 1

    values: dict[str, dict[str, str | int]] = {}
    for value in session.scalars(
        select(FactValue).order_by(FactValue.municipality_code, FactValue.fact_key)
    ):
        values.setdefault(value.municipality_code, {})[value.fact_key] = _yaml_value(
            types[value.fact_key], value.value
        )
    for code, mapping in values.items():
        path = root / "municipalities" / code / "facts.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(mapping), encoding="utf-8")
        written += 1

    for override, slug in session.execute(
        select(Override, Article.slug)
        .join(Article, Article.id == Override.article_id)
        .order_by(Override.municipality_code, Article.slug)
    ):
        front: dict[str, Any] = {"mode": override.mode}
        if override.title is not None:
            front["title"] = override.title
        front["based_on_revision"] = override.based_on_revision
        path = root / "municipalities" / override.municipality_code / "overrides" / f"{slug}.md"
        _write_document(path, front, override.body)
        written += 1

    for local in session.scalars(
        select(LocalArticle).order_by(LocalArticle.municipality_code, LocalArticle.slug)
    ):
        path = root / "municipalities" / local.municipality_code / "articles" / f"{local.slug}.md"
        _write_document(path, _front_matter(local), local.body)
        written += 1
    return written
