"""Fact placeholders in texts: only ``{{ key }}`` of a known fact may appear."""

import re
from collections.abc import Iterable
from typing import NamedTuple

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


class PlaceholderProblem(NamedTuple):
    """Template syntax a text may not hold, where it is, and as written (front ends name it)."""

    line: int
    message: str
    placeholder: str  # as written, e.g. "{{ ukendt }}" or "{% if %}"
    fact: str | None  # the unknown fact's key; None where it is no plain placeholder at all


def placeholder_problems(markdown: str, known_keys: Iterable[str]) -> list[PlaceholderProblem]:
    """Template syntax that is not a ``{{ key }}`` of a known fact."""
    known = set(known_keys)
    problems = []
    for match in TEMPLATE_SYNTAX.finditer(markdown):
        line = markdown.count("\n", 0, match.start()) + 1
        written = match.group(0)
        plain = PLACEHOLDER.fullmatch(written)
        if plain is None:
            message = f"only {{{{ fact_key }}}} placeholders are allowed, not {written!r}"
            problems.append(PlaceholderProblem(line, message, written, None))
        elif plain.group(1) not in known:
            message = f"unknown fact '{plain.group(1)}' (not in the fact catalogue)"
            problems.append(PlaceholderProblem(line, message, written, plain.group(1)))
    return problems


def check_text(session: Session, markdown: str) -> None:
    problems = placeholder_problems(markdown, session.scalars(select(Fact.key)))
    if problems:
        raise InvalidInput(
            "The text uses placeholders that are not known facts.",
            errors=[problem._asdict() for problem in problems],
        )
