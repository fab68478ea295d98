"""What every command of ``hotline`` needs: settings, one transaction, and failing cleanly.

Below the domains' command modules (``hotline.knowledge.cli`` and the others import it), so the
top-level ``hotline.cli``, which registers them, is imported by none of them: no cycle.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.errors import Problem
from hotline.sync import SourceErrors


def fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise fail(f"Configuration error:\n{exc}") from exc


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for the command; file and input errors are printed, never half-applied."""
    from hotline.search.indexing import listen, new_index

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
