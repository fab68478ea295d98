"""Engine, session and the declarative base shared by every domain package.

No web framework here: the request-scoped session lives with the web layer (``hotline.deps``).
"""

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hotline.kit.time import utcnow as utcnow  # where models and services stamp rows

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MODEL_MODULES = (
    "hotline.municipalities.models",
    "hotline.auth.models",
    "hotline.knowledge.models",
    "hotline.search.models",
    "hotline.letterheads.models",
    "hotline.composer.models",
    "hotline.replies.models",
    "hotline.contacts.models",
    "hotline.ratelimit.models",
    "hotline.satisfaction.models",
    "hotline.meetings.models",
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on SQLite (which drops the zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def load_models() -> MetaData:
    """Import every domain's models so the metadata (and Alembic) sees all tables."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


SQLITE_MMAP_BYTES = 256 * 1024 * 1024


# Database errors name the statement, never its values (addresses, names) in logs.
HIDE_PARAMETERS = True


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 30, pool_timeout: float = 10.0
) -> Engine:
    """The engine for a database URL; the pool bounds are ``Settings.database_pool_*``."""
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=HIDE_PARAMETERS,
            **(pool if database and database != ":memory:" else {}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Reads straight from the OS page cache: a common word's matches touch thousands of
            # pages, more than SQLite's own 2 MB cache holds.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        return engine
    return create_engine(
        url,
        hide_parameters=HIDE_PARAMETERS,
        pool_pre_ping=True,
        **pool,
        # No JIT: a search over a common word is estimated dear enough to be compiled, which
        # took 570 ms of a 690 ms query; JIT pays off for analytics, not for these.
        connect_args={"options": "-c jit=off"},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
