"""``kb export``: the database written back in the folder's format (sync -> export -> sync
changes nothing)."""

import csv
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

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
)
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import (
    CSV_COLUMNS,
)

# --- export ----------------------------------------------------------------------------------


def _front_matter(item: Article | LocalArticle) -> dict[str, Any]:
    """Only what differs from the defaults, so exported files read like hand-written ones."""
    front: dict[str, Any] = {"title": item.title, "category": item.category}
    if item.agent_notes:
        front["agent_notes"] = item.agent_notes
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
# Several lines (agent notes) as a literal block, readable and editable as written.
_Dumper.add_representer(
    str,
    lambda dumper, data: dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None
    ),
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


def _fact_definition(fact: Fact) -> dict[str, Any]:
    definition: dict[str, Any] = {"description": fact.description, "type": fact.type}
    if fact.label is not None:
        definition["label"] = fact.label
    if fact.default_value is not None:
        definition["default_value"] = _yaml_value(fact.type, fact.default_value)
    return definition


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
        _dump({f.key: _fact_definition(f) for f in facts}),
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
        if override.agent_notes:
            front["agent_notes"] = override.agent_notes
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
