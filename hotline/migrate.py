"""Alembic driven from code, so `hotline db ...` and the app need no alembic.ini."""

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from hotline.config import Settings


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """What autogenerate compares: everything (no structure lives outside the models since
    search left FTS5 and tsvector for its own index)."""
    return True


def alembic_config(settings: Settings, engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(settings: Settings, revision: str = "heads", engine: Engine | None = None) -> None:
    command.upgrade(alembic_config(settings, engine), revision)


def downgrade(settings: Settings, revision: str, engine: Engine | None = None) -> None:
    command.downgrade(alembic_config(settings, engine), revision)


def is_at_head(settings: Settings, engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(settings)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads
