"""Text written by agents, editors and municipalities: sandboxed placeholders, safe Markdown.

Agent text and reply templates are Jinja2 templates run in a bounded ``SandboxedEnvironment``
(no attribute tricks; loops, macro nesting, texts and render time bounded; only the filters,
globals and methods templates need), then Markdown rendered by markdown-it-py with raw HTML off
and cleaned by nh3 (``hotline.kit.markdown``, the one Markdown path). Values put into
placeholders are escaped for both HTML and Markdown, so a citizen called
``[klik](https://evil)`` stays a name, not a link.
"""

import functools
import html
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import nh3
from jinja2 import (
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    meta,
    nodes,
    pass_eval_context,
)
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from hotline.errors import InvalidInput
from hotline.kit.markdown import html_to_text, markdown_to_html

MAX_RENDERED_CHARS = 100_000
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=:])")


class TemplateProblem(InvalidInput):
    slug = "template-error"
    title = "The template text cannot be rendered"


MAX_LOOP_ITERATIONS = 10_000  # all loops of one rendering together
MAX_RANGE = 1_000
MAX_RENDER_SECONDS = 0.5
# Macros calling macros (and ``caller()``): reply templates nest two or three deep. Python's
# own limit (about 150 levels of macro here) would otherwise end a runaway recursion as a
# RecursionError anywhere in the worker's stack, e.g. inside a database call of ``article()``.
MAX_CALL_DEPTH = 20
# Nesting Python itself refuses when compiling or parsing a template ("too many statically
# nested blocks", a RecursionError in Jinja's recursive parser on ``((((...))))``).
_TOO_DEEP = (RecursionError, SyntaxError)
# What reply templates need (placeholders, conditions, a short list); nothing that pads,
# repeats, formats or prints objects. Values that are methods are refused unless listed.
_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int",
    "join", "last", "length", "list", "lower", "reverse", "round", "sort", "string",
    "striptags", "title", "trim", "truncate", "unique", "upper", "wordcount",
)  # fmt: skip
_METHODS = frozenset(
    {"upper", "lower", "strip", "title", "capitalize", "startswith", "endswith", "split"}
    | {"items", "keys", "values", "get"}
)


class _Budget:
    """Loop iterations, call depth and the deadline of the rendering under way (one per
    thread)."""

    local = threading.local()

    @classmethod
    def start(cls) -> None:
        cls.local.iterations = 0
        cls.local.depth = 0
        cls.local.deadline = time.monotonic() + MAX_RENDER_SECONDS

    @classmethod
    @contextmanager
    def nested_call(cls) -> Iterator[None]:
        """One call deeper for as long as the call runs (a macro renders within its call)."""
        depth = getattr(cls.local, "depth", 0)
        if depth >= MAX_CALL_DEPTH:
            raise TemplateProblem(
                f"Macros may call macros at most {MAX_CALL_DEPTH} deep; does one call itself?"
            )
        cls.local.depth = depth + 1
        try:
            yield
        finally:
            cls.local.depth = depth

    @classmethod
    def spend(cls, iterations: int = 1) -> None:
        cls.local.iterations = getattr(cls.local, "iterations", 0) + iterations
        if cls.local.iterations > MAX_LOOP_ITERATIONS:
            raise TemplateProblem(f"Templates may loop at most {MAX_LOOP_ITERATIONS} times in all.")
        if time.monotonic() > getattr(cls.local, "deadline", float("inf")):
            raise TemplateProblem("The template takes too long to render.")


def _too_long(length: int) -> None:
    if length > MAX_RENDERED_CHARS:
        raise TemplateProblem("Templates may not build very long texts.")


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateProblem(f"range() in templates is limited to {MAX_RANGE} numbers.")
    return numbers


@pass_eval_context
def _bounded_join(eval_ctx: Any, value: Any, separator: str = "", attribute: Any = None) -> Any:
    """``join`` that measures what it would build before building it."""
    items = list(value)
    _too_long(sum(len(str(item)) for item in items) + len(str(separator)) * len(items))
    return _JOIN(eval_ctx, items, separator, attribute)


def _bounded_filter(name: str) -> Any:
    """A stock filter whose string result is checked for length."""
    original = DEFAULT_FILTERS[name]

    @functools.wraps(original)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if isinstance(result, str):
            _too_long(len(result))
        return result

    return bounded


_JOIN = DEFAULT_FILTERS["join"]


def _refuse_recursive_macros(template: nodes.Template) -> None:
    """A macro that calls itself, directly or through the template's other macros, is refused
    when the text is parsed, so an editor saving such a template learns it then, not an agent
    when sending. (What this cannot see, a macro handed to itself as an argument, stops at
    ``MAX_CALL_DEPTH`` when rendered.)"""
    calls: dict[str, set[str]] = {}
    for macro in template.find_all(nodes.Macro):
        called = (call.node for call in macro.find_all(nodes.Call))
        calls.setdefault(macro.name, set()).update(
            node.name for node in called if isinstance(node, nodes.Name)
        )
    for macro in template.find_all(nodes.Macro):
        reached: set[str] = set()
        waiting = list(calls[macro.name])
        while waiting:
            name = waiting.pop()
            if name == macro.name:
                raise TemplateSyntaxError(
                    f"The macro '{macro.name}' calls itself; macros may not.", macro.lineno
                )
            if name in calls and name not in reached:
                reached.add(name)
                waiting += calls[name]


class _BoundLoopsAndJoins(NodeTransformer):
    """Route every ``for`` through the iteration budget and every ``~`` through a length
    check. ``EnvironmentAttribute`` nodes cannot be written in template text, so no template
    can shadow or skip them."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 (Jinja2 visitor name)
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("bounded_iter"), [node.iter], [], None, None
        )
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return nodes.Call(
            nodes.EnvironmentAttribute("bounded_concat"), [nodes.List(node.nodes)], [], None, None
        )


class _BoundedSandbox(SandboxedEnvironment):
    """The stock sandbox still lets ``'x' * 10**9``, ``'x'|center(10**8)``, nested loops and
    ``lipsum(3000)`` eat memory and CPU, and ``{{ {}.update }}`` print a memory address. This
    one bounds loops (count and time), every text a template builds, and offers only the
    filters, globals and methods templates need."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(name) for name in _FILTERS}
        self.filters["join"] = _bounded_join
        self.globals = {"range": _bounded_range}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        template = super()._parse(source, name, filename)
        _refuse_recursive_macros(template)
        return _BoundLoopsAndJoins().visit(template)

    def bounded_iter(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            _Budget.spend()
            yield item

    def bounded_concat(self, values: list[Any]) -> str:
        _too_long(sum(len(str(value)) for value in values))
        return (markup_join if self.autoescape else str_join)(values)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in ("format", "format_map"):  # the stock sandbox hands these out wrapped
            return self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if callable(value) and attr not in _METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if any(
            isinstance(a, int) and abs(a) > MAX_RENDERED_CHARS for a in (*args, *kwargs.values())
        ):
            raise TemplateProblem("Templates may not use numbers that large in calls.")
        _Budget.spend(0)
        with _Budget.nested_call():
            return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**" and (abs(right) > 64 if isinstance(right, int | float) else True):
            raise TemplateProblem("Exponents above 64 are not allowed in templates.")
        if op == "%" and isinstance(left, str):
            raise TemplateProblem("Use placeholders instead of % formatting in templates.")
        if op == "+" and isinstance(left, str | list) and isinstance(right, str | list):
            _too_long(len(left) + len(right))
        sequence, count = (left, right) if isinstance(left, str | list) else (right, left)
        if op == "*" and isinstance(sequence, str | list):
            if not isinstance(count, int):
                raise TemplateProblem("Templates may not build very long texts.")
            item_length = (
                max((len(str(item)) for item in sequence), default=1)
                if isinstance(sequence, list)
                else 1
            )
            _too_long(len(sequence) * max(count, 0) * item_length)
        return super().call_binop(context, op, left, right)


_PRINTABLE = (str, int, float, Decimal, date)


def _printable(value: Any) -> Any:
    """Only text, numbers and dates are printed: never an object's repr (memory addresses)."""
    if isinstance(value, Undefined):
        return value  # StrictUndefined then names the unknown placeholder
    if not isinstance(value, _PRINTABLE) or callable(value):
        raise TemplateProblem("Templates can only print text, numbers and dates.")
    return value


def _escape_markdown(value: Any) -> Any:
    """Backslash-escape Markdown syntax in placeholder values; HTML is escaped by autoescape."""
    value = _printable(value)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value) if isinstance(value, str) else value


_MARKDOWN_ENV = _BoundedSandbox(
    autoescape=True, undefined=StrictUndefined, finalize=_escape_markdown
)
# The plain-text twin: same sandbox, no escaping (plain text has no markup to break out of).
_TEXT_ENV = _BoundedSandbox(autoescape=False, undefined=StrictUndefined, finalize=_printable)


def check_template(*sources: str | None) -> None:
    """Refuse template texts (a subject, a body; None where not given) that do not compile
    (syntax, nesting, a macro calling itself) when they are saved rather than sent.

    It is not rendered here: its placeholders (the municipality's facts, ``article()``, the
    citizen's name) have values only when an agent answers, and stand-ins would refuse sound
    templates (``{% if gebyr > 100 %}``) or take other branches than the real values will.
    Every rendering is bounded (loops, call depth, text length, time) and says what stopped it.
    """
    for source in filter(None, sources):
        for env in (_MARKDOWN_ENV, _TEXT_ENV):
            _compiled_or_problem(env, source)


@lru_cache(maxsize=1024)
def _compiled(env: SandboxedEnvironment, source: str) -> Template:
    """Templates and subjects repeat (macros, "Svar på din henvendelse"): compile each once."""
    return env.from_string(source)


def _compiled_or_problem(env: SandboxedEnvironment, source: str) -> Template:
    try:
        return _compiled(env, source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Template error: {exc.message}", line=exc.lineno) from exc
    except TemplateError as exc:
        raise TemplateProblem(f"Template error: {exc.message}") from exc
    except _TOO_DEEP as exc:
        raise TemplateProblem("The template nests too deeply.") from exc


def _unknown_placeholders(
    env: SandboxedEnvironment, source: str, context: Mapping[str, Any]
) -> list[str]:
    """The names a template uses that neither its context nor the sandbox gives (``{{ gebyr }}``
    where no fact is called so): what a writer must correct, named in the problem."""
    used = meta.find_undeclared_variables(env.parse(source))
    return sorted(used - context.keys() - env.globals.keys())


def _render(env: SandboxedEnvironment, source: str, context: Mapping[str, Any]) -> str:
    """Render chunk by chunk, so a long or slow output stops at the limit, not after it."""
    _Budget.start()
    chunks: list[str] = []
    length = 0
    template = _compiled_or_problem(env, source)
    try:
        for chunk in template.generate(context):
            chunks.append(chunk)
            length += len(chunk)
            if length > MAX_RENDERED_CHARS:
                raise TemplateProblem("The rendered text is too long.")
            _Budget.spend(0)
        text = "".join(chunks)
    except TemplateProblem:
        raise
    except UndefinedError as exc:
        unknown = _unknown_placeholders(env, source, context)
        raise TemplateProblem(f"Template error: {exc.message}", placeholders=unknown) from exc
    except TemplateError as exc:  # includes SecurityError
        raise TemplateProblem(f"Template error: {exc.message}") from exc
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise TemplateProblem(f"Template error: {exc}") from exc
    except RecursionError as exc:  # what MAX_CALL_DEPTH does not count (filters on filters)
        raise TemplateProblem("The template nests too deeply.") from exc
    return text


def render_markdown_template(source: str, context: Mapping[str, Any]) -> tuple[Markup, str]:
    """(sanitised HTML, plain text) of Markdown with ``{{ placeholders }}``; the plain text is
    read from that HTML, so it says the same without Markdown's ``**`` and ``##``."""
    html = markdown_to_html(_render(_MARKDOWN_ENV, source, context))
    # Jinja escapes a constant (``{{ [1, 2] }}``) before the markdown env's finalize sees it;
    # the unescaped twin refuses what may not be printed, as it did when it made the text.
    render_text_template(source, context)
    return html, html_to_text(html)


def render_text_template(source: str, context: Mapping[str, Any]) -> str:
    """Plain text with ``{{ placeholders }}`` (subject lines, the text twin)."""
    return _render(_TEXT_ENV, source, context).strip()


def visible_text(markup: str) -> str:
    """What a reader sees of sanitised HTML: tags dropped, entities decoded."""
    return html.unescape(nh3.clean(markup, tags=set()))
