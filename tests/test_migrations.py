"""The schema lives in models and migrations; these prove the two agree on both backends."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hotline import migrate
from hotline.config import Settings
from hotline.db import load_models, make_engine
from tests.conftest import create_throwaway_database, drop_throwaway_database, make_settings


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[Settings]:
    url = create_throwaway_database(backend, tmp_path)
    yield make_settings(url, tmp_path / "var")
    drop_throwaway_database(url)


def test_upgrade_to_head_and_back_to_base(empty_database: Settings) -> None:
    engine = make_engine(empty_database.database_url)
    try:
        migrate.upgrade(empty_database, engine=engine)
        tables = set(inspect(engine).get_table_names())
        assert {"municipalities", "postcodes", "users"} <= tables
        assert migrate.is_at_head(empty_database, engine)

        migrate.downgrade(empty_database, "base", engine=engine)
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set(), f"downgrade left tables behind: {remaining}"
        assert not migrate.is_at_head(empty_database, engine)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(empty_database: Settings) -> None:
    engine = make_engine(empty_database.database_url)
    try:
        migrate.upgrade(empty_database, engine=engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": migrate.include_name}
            )
            differences = compare_metadata(context, load_models())
        assert differences == [], "run `alembic revision --autogenerate`: models drifted"
    finally:
        engine.dispose()
