"""Reading the ``knowledge_base/`` folder: every file checked, every problem located.

``read_folder`` raises every problem of every file at once as ``file:line: message`` (a
``SourceErrors``) before anything is changed; it returns the folder as plain values.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hotline.kit.text import normalise_text
from hotline.knowledge import service
from hotline.knowledge.schemas import (
    ArticleFields,
    FactFields,
    FactKey,
    OverrideFront,
    Slug,
    normalise_fact_value,
    override_shape_problem,
)
from hotline.municipalities.service import (
    read_municipalities_csv,
)
from hotline.sync import SourceError, SourceErrors

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
            text = normalise_text(path.read_text(encoding="utf-8"))
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
        for problem in service.placeholder_problems(document.body, self.fact_keys):
            self.error(document.path, document.body_line + problem.line - 1, problem.message)

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
        problem = override_shape_problem(front.mode, front.title, document.body)
        if problem is None:
            return OverrideSource(front, document.body)
        mode_line = document.key_lines.get("mode", 1)
        line = {
            "override_title_required": mode_line,
            "override_title_not_allowed": document.key_lines.get("title", mode_line),
        }.get(problem.code, document.body_line)
        self.error(path, line, problem.message)
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


class _TextLoader(yaml.SafeLoader):
    """YAML whose plain scalars all stay text (no numbers, booleans or nulls)."""


# PyYAML keeps its implicit resolvers per loader class; an empty registry resolves nothing.
_TextLoader.yaml_implicit_resolvers = {}
