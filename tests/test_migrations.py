"""The schema lives in models and migrations; these prove the two agree on both backends."""

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

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


def test_0014_repairs_stored_texts_to_newlines_and_composed_letters(
    empty_database: Settings,
) -> None:
    """Revisions saved from browser forms kept \\r\\n (issue 14); the migration rewrites them."""
    engine = make_engine(empty_database.database_url)
    try:
        migrate.upgrade(empty_database, "0013_meetings", engine=engine)
        title = unicodedata.normalize("NFD", "Åbningstider")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO kb_articles (id, slug, title, body, category, tags, locale,"
                    " status, revision, updated_at, updated_by) VALUES (1, 'tider', :title,"
                    " :body, 'Test', '[]', 'da', 'published', 1, '2026-01-01', 'x')"
                ),
                {"title": title, "body": "# Tider\r\nEn.\r\n\r\nTo.\rTre."},
            )
        migrate.upgrade(empty_database, engine=engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT title, body, agent_notes FROM kb_articles")).one()
        assert tuple(row) == ("Åbningstider", "# Tider\nEn.\n\nTo.\nTre.", "")
    finally:
        engine.dispose()


def test_0020_keeps_one_shared_template_a_key_and_loses_nothing_written(
    empty_database: Settings,
) -> None:
    """Parallel creates left shared duplicates (NULL municipalities escape UNIQUE): the first
    keeps the key, an identical copy goes, a differing one stays under a key of its own."""
    engine = make_engine(empty_database.database_url)
    insert = text(
        "INSERT INTO reply_templates (id, key, municipality_code, title, body_markdown, version,"
        " created_at, updated_at) VALUES (:id, :key, NULL, :title, 'b', 1, :at, :at)"
    )
    at = "2026-01-01 00:00:00+00"
    try:
        migrate.upgrade(empty_database, "0019_booking_retention", engine=engine)
        with engine.begin() as connection:
            for id_, key, title in [
                (1, "k1", "t"),
                (2, "k1", "t"),  # the double click's copy
                (3, "k1", "ændret"),  # a different text under the same key
                (4, "k2", "t"),
            ]:
                connection.execute(insert, {"id": id_, "key": key, "title": title, "at": at})
        migrate.upgrade(empty_database, engine=engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, key, title FROM reply_templates ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, "k1", "t"),
            (3, "k1-dublet-3", "ændret"),
            (4, "k2", "t"),
        ]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"id": 5, "key": "k2", "title": "t", "at": at})
    finally:
        engine.dispose()
