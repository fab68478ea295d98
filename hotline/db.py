"""Engine, session and the declarative base shared by every domain package.

No web framework here: the request-scoped session lives with the web layer (``hotline.deps``).
"""

import importlib
import logging
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    MetaData,
    Select,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hotline.errors import PreconditionFailed
from hotline.kit.time import utcnow as utcnow  # where models and services stamp rows
from hotline.kit.versions import check_version, revision_version

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

Item = TypeVar("Item")

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


# Asking PostgreSQL for a statement's plan never pays here; see ``make_engine``.
_POSTGRES_CONNECT_ARGS = {"options": "-c jit=off"}


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

        event.listen(engine, "savepoint", _sqlite_savepoint_inside_a_transaction)
        return engine
    return create_engine(
        url,
        hide_parameters=HIDE_PARAMETERS,
        pool_pre_ping=True,
        **pool,
        # No JIT: a search over a common word is estimated dear enough to be compiled, which
        # took 570 ms of a 690 ms query; JIT pays off for analytics, not for these.
        connect_args=_POSTGRES_CONNECT_ARGS,
    )


def _sqlite_savepoint_inside_a_transaction(connection: Connection, _name: str | None) -> None:
    """Open the transaction before a savepoint where SQLite's driver has not opened it yet.

    The driver (pysqlite, in its legacy transaction control) sends BEGIN only before an INSERT,
    UPDATE or DELETE, not before a SAVEPOINT. A SAVEPOINT outside a transaction makes SQLite
    start one of its own, which RELEASE then commits: a ``begin_nested`` block written before
    anything else in its transaction was committed at once, whatever the caller's transaction
    did after (a form refused with 422 kept half its fields). Inside a BEGIN of ours, the
    savepoint belongs to the caller's transaction, which the driver's commit or rollback ends.

    BEGIN IMMEDIATE takes the write lock now, waiting up to the busy timeout as the driver's
    first write does: a savepoint is opened to write, and a deferred BEGIN whose reads came
    before another connection's commit could not write at all (SQLite answers "database is
    locked" at once, without waiting). For that reason the engine keeps the driver's
    transaction control otherwise, rather than SQLAlchemy's documented recipe (the driver's
    isolation_level None, BEGIN before every transaction): with a worker thread writing beside
    the requests, a request that reads and then writes would fail where it now waits.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


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


def dialect_insert(session: Session) -> Callable[..., Any]:
    """The INSERT of the session's database that takes ON CONFLICT (SQLite's and PostgreSQL's
    spell it alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


Versioned = TypeVar("Versioned", bound=Base)


def upsert_versioned(
    session: Session,
    model: type[Versioned],
    values: dict[str, Any],
    *,
    expected_version: str | None,
    what: str,
) -> Versioned:
    """Insert the row ``values`` describe (its primary key included), or overwrite the row
    holding that key and count its ``version`` up, in one statement (INSERT .. ON CONFLICT DO
    UPDATE): two writers of the same key at the same moment (a double click, a retry) both
    succeed, the later one winning. Reading first and then inserting or updating let one of
    them lose the race instead (a duplicate key, or a version that moved meanwhile).

    ``expected_version`` (``revision_version`` of the version the writer read) overwrites only
    that version, checked when read and again by the write itself: a change made in between
    is a 412 (``PreconditionFailed``), never lost. Returns the stored row, read afresh."""
    table = model.__table__
    key = [column.name for column in table.primary_key]
    version = table.c.version
    read_version = None  # a new row, or no version sent: any row is overwritten
    current = session.get(model, tuple(values[name] for name in key))
    if current is not None and expected_version is not None:
        read_version = current.version  # type: ignore[attr-defined]
        check_version(expected_version, revision_version(read_version), what=what)
    changes = {name: value for name, value in values.items() if name not in key}
    statement = (
        dialect_insert(session)(table)
        .values(values)
        .on_conflict_do_update(
            index_elements=key,
            set_={**changes, version.name: version + 1},
            where=None if read_version is None else version == read_version,
        )
        .returning(*table.primary_key)
    )
    stored = session.execute(statement).first()
    if stored is None:
        raise PreconditionFailed(f"Someone changed {what} while you were saving it.")
    return session.get_one(model, tuple(stored), populate_existing=True)


def each_on_its_own(
    session: Session,
    items: Iterable[Item],
    write: Callable[[Item], object],
    *,
    describe: Callable[[Item], str],
) -> int:
    """``write`` each item in a savepoint of its own; returns for how many it succeeded.

    For the worker's periodic jobs, which write for many items in one transaction: an item that
    raises (a letter the CPR guard refuses, an address that cannot be mailed) is rolled back
    alone and logged as ``describe`` names it, and stays due for the job's next run, while the
    others are written and committed with the transaction. ``describe`` is asked before the
    write, so naming the item never reads from a session that has just failed.
    """
    written = 0
    for item in items:
        name = describe(item)
        try:
            with session.begin_nested():
                write(item)
        except Exception:  # one bad item must not keep the others waiting; it is logged
            log.exception("%s failed; it is tried again at the job's next run", name)
            continue
        written += 1
    return written


class NeedsDatabase(Exception):
    """Work tried where it may not wait (on the event loop) would have had to ask the
    database: run it again where waiting is allowed (a worker thread)."""


class NoDatabaseSession(Session):
    """A session for work tried on the event loop: anything it would read or write through
    the database raises ``NeedsDatabase`` before a connection is taken. What the process keeps
    (the search index, kept register entries and articles, found through ``info``) answers as
    in any session, so a hot read needs no thread at all."""

    def get_bind(self, *_args: Any, **_kwargs: Any) -> Engine:
        raise NeedsDatabase


def may_wait(session: Session) -> bool:
    """Whether work in ``session`` may wait for the database (not on the event loop)."""
    return not isinstance(session, NoDatabaseSession)


def session_without_database(factory: sessionmaker[Session]) -> Session:
    """A ``NoDatabaseSession`` knowing what ``factory``'s sessions keep (their ``info``)."""
    return NoDatabaseSession(info=dict(factory.kw.get("info", {})))


_SQLITE_DIALECT = sqlite_dialect()

# Connections for ``LoopReads``: each read holds one for a single short query.
LOOP_READ_CONNECTIONS = 4


@dataclass(frozen=True)
class _CompiledRead:
    """A statement as SQLite's driver takes it, compiled once by SQLAlchemy."""

    statement: Select[Any]  # held, so that its id is not reused
    sql: str
    order: tuple[str, ...]  # the parameters' names in the order of the SQL's placeholders
    defaults: dict[str, Any]  # values bound in the statement itself (a LIMIT)
    row: Callable[..., Any]  # the columns by name

    @classmethod
    def of(cls, statement: Select[Any]) -> "_CompiledRead":
        compiled = statement.compile(dialect=_SQLITE_DIALECT)
        names = tuple(statement.selected_columns.keys())
        row = namedtuple("LoopRow", names, rename=True)  # type: ignore[misc]
        return cls(
            statement, str(compiled), tuple(compiled.positiontup or ()), compiled.params, row
        )


class LoopReads:
    """One-row reads from the event loop, without a thread-pool hop (which costs more than the
    read: benchmarks/README.md, "Requests"). PostgreSQL is asked through psycopg's asyncio
    connections, so the loop serves others while the answer travels. A SQLite file is read in
    place (a row by its key, microseconds) through one connection of the loop's own, in
    autocommit (each read sees the last commit) and never waiting for a lock, straight through
    the driver with the statement compiled once by SQLAlchemy: half the cost of the read was
    SQLAlchemy's connection and result machinery. Rows come as the driver returns the columns
    (no type conversion: on SQLite a boolean is 0 or 1), so read plain columns only.

    Whatever cannot be answered at once (a locked file, a full pool, a database that is down)
    raises ``NeedsDatabase``: the caller asks again from a worker thread, as before."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self._sqlite_file: str | None = None
        self._sqlite: sqlite3.Connection | None = None  # opened by the first read
        self._compiled: dict[int, _CompiledRead] = {}
        self._postgres: AsyncEngine | None = None
        if parsed.get_backend_name() == "sqlite":
            self._sqlite_file = parsed.database
        else:
            from sqlalchemy.ext.asyncio import create_async_engine  # only where it is used

            # No pre-ping: a connection found dead fails the read, which then runs in a thread.
            # Autocommit: one statement is one round trip (no BEGIN before it, no ROLLBACK
            # when the connection goes back), and it reads the last commit, as on SQLite.
            self._postgres = create_async_engine(
                url,
                isolation_level="AUTOCOMMIT",
                hide_parameters=HIDE_PARAMETERS,
                pool_size=LOOP_READ_CONNECTIONS,
                max_overflow=0,
                pool_timeout=0.05,
                connect_args=_POSTGRES_CONNECT_ARGS,
            )

    @classmethod
    def available_for(cls, url: str) -> "LoopReads | None":
        """Reads for ``url``, or None where a second connection would not see the same
        database (SQLite in memory) or the driver has no asyncio mode."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return cls(url) if parsed.database not in (None, "", ":memory:") else None
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
            return cls(url)
        return None

    async def one(self, statement: Select[Any], parameters: dict[str, Any]) -> Any:
        """The statement's one row (its columns by name) or None; ``NeedsDatabase`` if it
        cannot be read at once."""
        if self._sqlite_file is not None:
            return self._sqlite_row(statement, parameters)
        assert self._postgres is not None
        try:
            async with self._postgres.connect() as connection:
                return (await connection.execute(statement, parameters)).one_or_none()
        except (DBAPIError, PoolTimeout) as exc:
            raise NeedsDatabase from exc

    def _sqlite_row(self, statement: Select[Any], parameters: dict[str, Any]) -> Any:
        read = self._compiled.get(id(statement))
        if read is None:
            read = self._compiled[id(statement)] = _CompiledRead.of(statement)
        values = {**read.defaults, **parameters}
        try:
            if self._sqlite is None:
                # mode=rw: a read never creates the file (the app's engine and migrations do)
                self._sqlite = sqlite3.connect(
                    Path(self._sqlite_file or "").absolute().as_uri() + "?mode=rw",
                    uri=True,
                    timeout=0,
                    isolation_level=None,
                    check_same_thread=False,
                )
            found = self._sqlite.execute(read.sql, [values[name] for name in read.order]).fetchone()
        except sqlite3.Error as exc:
            raise NeedsDatabase from exc
        return read.row(*found) if found is not None else None

    async def dispose(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._postgres is not None:
            await self._postgres.dispose()
