"""The shipped shared reply templates (``hotline reply-templates seed``): missing ones are
added, editors' changes kept."""

from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.composer.models import ReplyTemplate
from hotline.composer.rendering import (
    check_template,
)
from hotline.composer.schemas import (
    ReplyTemplateCreate,
)
from hotline.config import PROJECT_ROOT
from hotline.errors import InvalidInput
from hotline.sync import KindReport, SourceError, SourceErrors

SHARED_TEMPLATES_FILE = PROJECT_ROOT / "templates" / "reply_templates" / "shared.yaml"


def read_template_file(path: Path) -> list[ReplyTemplateCreate]:
    """Parse and check every template in the file; report all errors with their line."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceErrors([SourceError(path, mark.line + 1 if mark else 1, str(exc))]) from exc
    lines = text.splitlines()
    templates, errors = [], []
    for entry in raw if isinstance(raw, list) else [raw]:
        key = entry.get("key") if isinstance(entry, dict) else None
        line = next((n for n, row in enumerate(lines, 1) if key and f"key: {key}" in row), 1)
        try:
            template = ReplyTemplateCreate.model_validate(entry)
            check_template(template.subject, template.body_markdown)
        except ValidationError as exc:
            errors += [
                SourceError(path, line, f"{key}: {e['loc']}: {e['msg']}") for e in exc.errors()
            ]
            continue
        except InvalidInput as exc:
            errors.append(SourceError(path, line, f"{key}: {exc.detail}"))
            continue
        templates.append(template)
    if errors:
        raise SourceErrors(errors)
    return templates


def seed_shared_templates(session: Session, path: Path = SHARED_TEMPLATES_FILE) -> KindReport:
    """Add the shipped shared templates that are missing; editors' changes are kept."""
    report = KindReport()
    existing = set(
        session.scalars(select(ReplyTemplate.key).where(ReplyTemplate.municipality_code.is_(None)))
    )
    for template in read_template_file(path):
        if template.key in existing:
            report.unchanged += 1
            continue
        session.add(ReplyTemplate(**template.model_dump()))
        report.created += 1
    session.flush()
    return report
