"""What every command of ``hotline`` needs: settings, one transaction, and failing cleanly.

Below the domains' command modules (``hotline.knowledge.cli`` and the others import it), so the
top-level ``hotline.cli``, which registers them, is imported by none of them: no cycle.

Light at import time: ``hotline --help`` imports this module, so settings, the database layer
and the errors it translates are imported inside the functions, when a command runs
(tests/test_cli.py checks that ``--help`` loads no database layer).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from hotline.config import Settings

SessionmakerHook = Callable[["sessionmaker[Session]", "Settings"], "sessionmaker[Session]"]

# What the composing front end (``hotline.cli``) adds to every command's sessionmaker, such as
# the search index's change-log listeners. Registered from above rather than imported here: the
# runner sits below the domains, and the domains' own commands import it.
_sessionmaker_hooks: list[SessionmakerHook] = []


def on_new_sessionmaker(hook: SessionmakerHook) -> None:
    """Have ``hook`` prepare the sessionmaker of every command that runs in this process."""
    if hook not in _sessionmaker_hooks:
        _sessionmaker_hooks.append(hook)


def fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def load_settings() -> "Settings":
    from pydantic import ValidationError

    from hotline.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        raise fail(f"Configuration error:\n{exc}") from exc


@contextmanager
def unit_of_work() -> Iterator["Session"]:
    """One transaction for the command; file and input errors are printed, never half-applied."""
    from hotline.db import make_engine, make_sessionmaker, transaction
    from hotline.errors import Problem
    from hotline.sync import SourceErrors

    settings = load_settings()
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    for hook in _sessionmaker_hooks:
        factory = hook(factory, settings)
    try:
        with transaction(factory) as session:
            yield session
    except SourceErrors as exc:
        for error in exc.errors:
            typer.secho(str(error), err=True, fg=typer.colors.RED)
        raise fail(f"{len(exc.errors)} error(s); nothing was changed.") from exc
    except Problem as exc:
        raise fail(f"{exc.title}: {exc.detail}") from exc
    finally:
        engine.dispose()
