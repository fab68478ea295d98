"""What every command of ``hotline`` needs: settings, one transaction, and failing cleanly.

Below the domains' command modules (``hotline.knowledge.cli`` and the others import it), so the
top-level ``hotline.cli``, which registers them, is imported by none of them: no cycle.

Light at import time: ``hotline --help`` imports this module, so settings, the database layer
and the errors it translates are imported inside the functions, when a command runs
(tests/test_cli.py checks that ``--help`` loads no database layer).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hotline.config import Settings


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
    from hotline.search.indexing import listen, new_index
    from hotline.sync import SourceErrors

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        # Edits made by a command (``kb sync``) reach every process's search index through the
        # change log that the listeners write in this same transaction.
        with transaction(listen(make_sessionmaker(engine), new_index(settings))) as session:
            yield session
    except SourceErrors as exc:
        for error in exc.errors:
            typer.secho(str(error), err=True, fg=typer.colors.RED)
        raise fail(f"{len(exc.errors)} error(s); nothing was changed.") from exc
    except Problem as exc:
        raise fail(f"{exc.title}: {exc.detail}") from exc
    finally:
        engine.dispose()
