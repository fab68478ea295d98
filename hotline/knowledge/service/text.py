"""Fact placeholders in texts: only ``{{ key }}`` of a known fact may appear."""

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import InvalidInput
from hotline.knowledge.models import (
    Fact,
)
from hotline.knowledge.resolve import (
    PLACEHOLDER,
)

TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


# --- fact placeholders in text ---------------------------------------------------------------


def placeholder_problems(markdown: str, known_keys: Iterable[str]) -> list[tuple[int, str]]:
    """(line, message) for template syntax that is not a ``{{ key }}`` of a known fact."""
    known = set(known_keys)
    problems = []
    for match in TEMPLATE_SYNTAX.finditer(markdown):
        line = markdown.count("\n", 0, match.start()) + 1
        plain = PLACEHOLDER.fullmatch(match.group(0))
        if plain is None:
            problems.append(
                (line, f"only {{{{ fact_key }}}} placeholders are allowed, not {match.group(0)!r}")
            )
        elif plain.group(1) not in known:
            problems.append((line, f"unknown fact '{plain.group(1)}' (not in the fact catalogue)"))
    return problems


def check_text(session: Session, markdown: str) -> None:
    problems = placeholder_problems(markdown, session.scalars(select(Fact.key)))
    if problems:
        raise InvalidInput(
            "The text uses placeholders that are not known facts.",
            errors=[{"line": line, "message": message} for line, message in problems],
        )
