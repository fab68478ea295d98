"""Structured JSON logs (structlog), one line per event, for the app, the worker and the CLI.

Every line written while a request is handled carries its ``request_id``; the worker's lines
about a reply carry the id of the request that queued it (stored on the outbox row). Log lines
name ids, counts, kinds and route templates, never personal data: no addresses, names,
subjects, bodies, raw paths or search words (tests/test_observability.py greps a full flow).
"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import structlog
from structlog.contextvars import bound_contextvars, get_contextvars, merge_contextvars

_SHARED_PROCESSORS: list[Any] = [
    merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class _JsonHandler(logging.StreamHandler[TextIO]):
    """The root handler this module installs (and replaces when configured again).

    Without an explicit stream it writes to whatever ``sys.stderr`` is at the time of each
    line (test runners swap it), never to a stream closed since.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._follows_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follows_stderr:
            self.stream = sys.stderr
        super().emit(record)


def configure_logging(
    level: str = "INFO", stream: TextIO | None = None, *, force: bool = False
) -> None:
    """Route structlog and the standard library's loggers (uvicorn, alembic) to JSON lines.

    Once per process: later calls (every ``create_app``) only set the level, unless they name a
    ``stream`` or ``force`` it. Tracebacks are rendered as text without local variables, which
    could hold personal data.
    """
    root = logging.getLogger()
    if stream is None and not force and any(isinstance(h, _JsonHandler) for h in root.handlers):
        _set_levels(level)
        return
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = _JsonHandler(stream)
    handler.setFormatter(formatter)
    for old in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    _set_levels(level)
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _set_levels(level: str) -> None:
    """``level`` for hotline's own loggers and uvicorn's start/stop lines; warnings only from
    other libraries (httpx and uvicorn's access lines quote whole URLs, search words included;
    an SMTP library's chatter names peers)."""
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("hotline", "uvicorn.error"):
        logging.getLogger(name).setLevel(level.upper())


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    value = get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Every line logged inside the block carries ``values`` (None values are left out)."""
    with bound_contextvars(**{key: value for key, value in values.items() if value is not None}):
        yield
