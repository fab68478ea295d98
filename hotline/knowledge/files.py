"""The ``knowledge_base/`` folder <-> the database.

``sync_folder`` reads and checks the whole folder first and raises every problem as
``file:line: message`` before it changes anything; then it makes the database match the folder,
creating revisions only for real changes. ``export_folder`` writes the database back in the same
format, so sync -> export -> sync changes nothing.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import Conflict
from hotline.knowledge import service
from hotline.knowledge.models import (
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

ACTOR = "kb sync"
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
        self, path: Path, text: str, first_line: int = 1
    ) -> tuple[dict[str, Any], dict[str, int]] | None:
        """Parse YAML that must be ``key: value`` pairs; keys map to their line numbers."""
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
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
        parsed = reader.yaml_mapping(values_path, values_path.read_text(encoding="utf-8"))
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


def sync_folder(session: Session, root: Path) -> SyncReport:
    """Make the database match the folder; nothing is changed when any file is invalid."""
    folder = read_folder(root)
    report = SyncReport()
    for kind in KINDS:
        report.kind(kind)
    report.kinds["municipalities"] = sync_municipalities(session, folder.municipalities_csv)
    _upsert_facts(session, folder, report)
    _sync_values(session, folder, report)
    _remove_overrides_and_locals(session, folder, report)
    articles = _upsert_articles(session, folder, report)
    for slug in set(articles) - set(folder.articles):
        service.delete_article(session, articles.pop(slug))  # its overrides went first
        report.kind("articles").removed += 1
    _upsert_overrides(session, folder, articles, report)
    _upsert_local_articles(session, folder, report)
    for fact in session.scalars(select(Fact)):
        if fact.key not in folder.facts:
            session.delete(fact)
            report.kind("facts").removed += 1
    session.flush()
    return report


def _upsert_facts(session: Session, folder: Folder, report: SyncReport) -> None:
    kind = report.kind("facts")
    existing = {fact.key: fact for fact in session.scalars(select(Fact))}
    for key, fields in folder.facts.items():
        fact = existing.get(key)
        wanted = {"description": fields.description, "type": fields.type.value}
        if fact is None:
            session.add(Fact(key=key, revision=1, **wanted))
            kind.created += 1
        elif any(getattr(fact, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(fact, name, value)
            fact.revision += 1
            kind.updated += 1
        else:
            kind.unchanged += 1
    session.flush()


def _sync_values(session: Session, folder: Folder, report: SyncReport) -> None:
    kind = report.kind("fact values")
    existing = {(v.municipality_code, v.fact_key): v for v in session.scalars(select(FactValue))}
    for (code, key), text in folder.values.items():
        current = existing.pop((code, key), None)
        if current is None:
            session.add(
                FactValue(
                    municipality_code=code,
                    fact_key=key,
                    value=text,
                    revision=1,
                    updated_at=utcnow(),
                    updated_by=ACTOR,
                )
            )
            kind.created += 1
        elif current.value != text:
            current.value = text
            current.revision += 1
            current.updated_at = utcnow()
            current.updated_by = ACTOR
            kind.updated += 1
        else:
            kind.unchanged += 1
    for leftover in existing.values():
        session.delete(leftover)
        kind.removed += 1
    session.flush()


def _remove_overrides_and_locals(session: Session, folder: Folder, report: SyncReport) -> None:
    """First, so a slug or article freed by this sync can be reused by it."""
    for override, slug in session.execute(
        select(Override, Article.slug).join(Article, Article.id == Override.article_id)
    ):
        if (override.municipality_code, slug) not in folder.overrides:
            session.delete(override)
            report.kind("overrides").removed += 1
    for local in session.scalars(select(LocalArticle)):
        if (local.municipality_code, local.slug) not in folder.local_articles:
            session.delete(local)
            report.kind("local articles").removed += 1
    session.flush()


def _article_changes(source: ArticleSource) -> dict[str, Any]:
    return {**source.fields.model_dump(), "body": source.body}


def _upsert_articles(session: Session, folder: Folder, report: SyncReport) -> dict[str, Article]:
    kind = report.kind("articles")
    articles = {article.slug: article for article in session.scalars(select(Article))}
    for slug, source in folder.articles.items():
        article = articles.get(slug)
        if article is None:
            data = ArticleCreate(slug=slug, body=source.body, **source.fields.model_dump())
            articles[slug] = service.create_article(session, data, ACTOR)
            kind.created += 1
        elif service.update_article(session, article, _article_changes(source), ACTOR):
            kind.updated += 1
        else:
            kind.unchanged += 1
    return articles


def _upsert_overrides(
    session: Session, folder: Folder, articles: dict[str, Article], report: SyncReport
) -> None:
    """Keep an unchanged override pinned to its revision: a newer shared text makes it stale.

    A changed override file counts as re-confirmation against the current shared revision; an
    explicit ``based_on_revision`` (written by export) is kept, capped at the current revision.
    """
    kind = report.kind("overrides")
    existing = {
        (override.municipality_code, slug): override
        for override, slug in session.execute(
            select(Override, Article.slug).join(Article, Article.id == Override.article_id)
        )
    }
    for (code, slug), source in folder.overrides.items():
        article = articles[slug]
        claimed = source.front.based_on_revision
        pinned = article.revision if claimed is None else min(claimed, article.revision)
        wanted = {"mode": source.front.mode.value, "title": source.front.title, "body": source.body}
        current = existing.get((code, slug))
        if current is None:
            session.add(
                Override(
                    municipality_code=code,
                    article_id=article.id,
                    based_on_revision=pinned,
                    revision=1,
                    updated_at=utcnow(),
                    updated_by=ACTOR,
                    **wanted,
                )
            )
            kind.created += 1
        elif any(getattr(current, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(current, name, value)
            service.mark_override_changed(current, article.revision, ACTOR)
            kind.updated += 1
        elif claimed is not None and pinned != current.based_on_revision:
            service.mark_override_changed(current, pinned, ACTOR)
            kind.updated += 1
        else:
            kind.unchanged += 1
    session.flush()


def _upsert_local_articles(session: Session, folder: Folder, report: SyncReport) -> None:
    kind = report.kind("local articles")
    existing = {(la.municipality_code, la.slug): la for la in session.scalars(select(LocalArticle))}
    for (code, slug), source in folder.local_articles.items():
        local = existing.get((code, slug))
        if local is None:
            data = ArticleCreate(slug=slug, body=source.body, **source.fields.model_dump())
            service.create_local_article(session, code, data, ACTOR)
            kind.created += 1
        elif service.update_local_article(session, local, _article_changes(source), ACTOR):
            kind.updated += 1
        else:
            kind.unchanged += 1


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
