"""Text written by agents, editors and municipalities: sandboxed placeholders, safe Markdown.

Agent text and reply templates are Jinja2 templates run in a ``SandboxedEnvironment`` (no
attribute tricks, no huge strings or ranges), then Markdown rendered by markdown-it-py with raw
HTML off and cleaned by nh3 (``hotline.kit.markdown``, the one Markdown path). Values put into
placeholders are escaped for both HTML and Markdown, so a citizen called
``[klik](https://evil)`` stays a name, not a link.
"""

import html
import operator
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import nh3
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from hotline.errors import InvalidInput
from hotline.kit.markdown import markdown_to_html

MAX_RENDERED_CHARS = 100_000
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=:])")


class TemplateProblem(InvalidInput):
    slug = "template-error"
    title = "The template text cannot be rendered"


class _BoundedSandbox(SandboxedEnvironment):
    """The stock sandbox lets ``'x' * 10**9`` exhaust memory; cap what ``*`` and ``**`` make."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**" and (abs(right) > 64 if isinstance(right, int | float) else True):
            raise TemplateProblem("Exponents above 64 are not allowed in templates.")
        sequence, count = (left, right) if isinstance(left, str | list) else (right, left)
        if (
            op == "*"
            and isinstance(sequence, str | list)
            and (not isinstance(count, int) or len(sequence) * count > MAX_RENDERED_CHARS)
        ):
            raise TemplateProblem("Templates may not build very long texts.")
        return (operator.pow if op == "**" else operator.mul)(left, right)


def _escape_markdown(value: Any) -> Any:
    """Backslash-escape Markdown syntax in placeholder values; HTML is escaped by autoescape."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value) if isinstance(value, str) else value


_MARKDOWN_ENV = _BoundedSandbox(
    autoescape=True, undefined=StrictUndefined, finalize=_escape_markdown
)
# The plain-text twin: same sandbox, no escaping (plain text has no markup to break out of).
_TEXT_ENV = _BoundedSandbox(autoescape=False, undefined=StrictUndefined)


def check_template(source: str) -> None:
    """Refuse template text that does not even parse, when it is saved rather than sent."""
    try:
        _MARKDOWN_ENV.parse(source)
    except TemplateError as exc:
        raise TemplateProblem(f"Template error: {exc.message}") from exc


@lru_cache(maxsize=1024)
def _compiled(env: SandboxedEnvironment, source: str) -> Template:
    """Templates and subjects repeat (macros, "Svar på din henvendelse"): compile each once."""
    return env.from_string(source)


def _render(env: SandboxedEnvironment, source: str, context: Mapping[str, Any]) -> str:
    try:
        text = _compiled(env, source).render(context)
    except TemplateProblem:
        raise
    except TemplateError as exc:  # includes SecurityError and unknown placeholders
        raise TemplateProblem(f"Template error: {exc.message}") from exc
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise TemplateProblem(f"Template error: {exc}") from exc
    if len(text) > MAX_RENDERED_CHARS:
        raise TemplateProblem("The rendered text is too long.")
    return text


def render_markdown_template(source: str, context: Mapping[str, Any]) -> tuple[Markup, str]:
    """(sanitised HTML, plain text) of Markdown with ``{{ placeholders }}``."""
    html = markdown_to_html(_render(_MARKDOWN_ENV, source, context))
    return html, render_text_template(source, context)


def render_text_template(source: str, context: Mapping[str, Any]) -> str:
    """Plain text with ``{{ placeholders }}`` (subject lines, the text twin)."""
    return _render(_TEXT_ENV, source, context).strip()


def visible_text(markup: str) -> str:
    """What a reader sees of sanitised HTML: tags dropped, entities decoded."""
    return html.unescape(nh3.clean(markup, tags=set()))
