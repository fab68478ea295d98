"""The database layer's pieces for work on the event loop: a session that refuses the
database, and one-row reads that never make the loop wait."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.db import LoopReads, NeedsDatabase, make_sessionmaker, session_without_database
from hotline.municipalities.models import Municipality

AGENT = "agent.aarhus@hotline.example"


def test_a_session_without_database_refuses_any_read_or_write_before_taking_a_connection(
    engine: Engine, demo_users: dict[str, User]
) -> None:
    factory = make_sessionmaker(engine)
    factory.configure(info={"kept": "what the process keeps"})
    session = session_without_database(factory)
    assert session.info["kept"] == "what the process keeps"
    with pytest.raises(NeedsDatabase):
        session.execute(select(User.id))
    with pytest.raises(NeedsDatabase):
        session.get(User, demo_users["agent.aarhus"].id)
    session.add(Municipality(code="9999", name="Ingen Kommune", short_name="Ingen"))
    with pytest.raises(NeedsDatabase):
        session.flush()
    session.close()


def test_loop_reads_answer_the_row_the_database_holds(
    database_url: str, demo_users: dict[str, User]
) -> None:
    reads = LoopReads.available_for(database_url)
    assert reads is not None
    statement = select(User.full_name).where(User.email == AGENT)

    async def read_twice() -> list[object]:
        try:
            rows = [await reads.one(statement, {}) for _ in range(2)]
            missing = await reads.one(select(User.id).where(User.email == "nobody@x.dk"), {})
            return [*(row.full_name if row else None for row in rows), missing]
        finally:
            await reads.dispose()

    name = demo_users["agent.aarhus"].full_name
    assert asyncio.run(read_twice()) == [name, name, None]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/test",  # nothing listens: a database down
        "sqlite:///{directory}/not-a-database.db",
        "sqlite:///{directory}/no-such-file.db",  # never created by a read
    ],
)
def test_loop_reads_that_cannot_answer_at_once_send_the_work_to_a_thread(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "not-a-database.db").write_bytes(b"these bytes are no SQLite file" * 100)
    reads = LoopReads.available_for(url.format(directory=tmp_path))
    assert reads is not None

    async def read() -> None:
        try:
            await reads.one(select(User.id), {})
        finally:
            await reads.dispose()

    with pytest.raises(NeedsDatabase):
        asyncio.run(read())
    assert not (tmp_path / "no-such-file.db").exists()


def test_loop_reads_exist_only_where_they_read_the_same_database_without_waiting() -> None:
    assert LoopReads.available_for("sqlite://") is None  # in memory: another engine, another db
    assert LoopReads.available_for("sqlite:///:memory:") is None
    assert LoopReads.available_for("postgresql+psycopg2://postgres@127.0.0.1/test") is None
    assert LoopReads.available_for("sqlite:///var/hotline.db") is not None


def test_a_sqlite_file_being_written_is_still_read_from_the_loop(
    database_url: str, engine: Engine, demo_users: dict[str, User]
) -> None:
    """A writer holding its transaction open does not stop a reader (WAL on SQLite, MVCC on
    PostgreSQL): the loop reads the committed row and never waits for the writer."""
    reads = LoopReads.available_for(database_url)
    assert reads is not None
    with Session(engine) as writer, writer.begin():
        writer.get_one(User, demo_users["agent.aarhus"].id).full_name = "Skrevet Endnu Ikke"
        writer.flush()

        async def read() -> object:
            try:
                row = await reads.one(select(User.full_name).where(User.email == AGENT), {})
                return row.full_name if row else None
            finally:
                await reads.dispose()

        assert asyncio.run(read()) == demo_users["agent.aarhus"].full_name
        writer.rollback()


def test_a_released_savepoint_is_undone_with_the_transaction_around_it(
    engine: Engine, municipalities: None
) -> None:
    """A savepoint is part of the caller's transaction: releasing it commits nothing. On SQLite
    the driver opens no transaction for a SAVEPOINT, so SQLite would open one of its own, and
    RELEASE would commit it (an edit kept although its request was refused)."""
    with Session(engine) as before:
        names = {code: before.get_one(Municipality, code).name for code in ("0751", "0461")}
    with make_sessionmaker(engine)() as session:
        for code in names:
            with session.begin_nested():
                session.get_one(Municipality, code).name = "Ændret"
        session.rollback()
    with Session(engine) as after:
        assert {code: after.get_one(Municipality, code).name for code in names} == names
