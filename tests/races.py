"""Two requests that race for the same rows, interleaved deterministically: no threads, no
sleeps. Both read before either writes, and the competitor commits first.

``competitor_writes_first(engine, competitor)`` arms the engine: the first statement that
writes (INSERT, UPDATE or DELETE), on any connection, first waits for ``competitor``, which
runs its whole transaction on another connection and commits. The racing request has only
read by then, so it holds no lock the competitor could wait for (SQLite begins a transaction
at the first write; PostgreSQL's reads take no row locks), and its own write then meets the
competitor's committed row, as the loser of a double click does.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def competitor_writes_first(engine: Engine, competitor: Callable[[], object]) -> Iterator[None]:
    armed = True

    def before_cursor_execute(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal armed
        if armed and statement.lstrip().upper().startswith(WRITES):
            armed = False  # the competitor's own writes pass
            competitor()

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
    assert not armed, "nothing wrote: the race was never run"


def twice(
    client: TestClient, send: Callable[[], httpx.Response]
) -> tuple[httpx.Response, httpx.Response]:
    """The same request sent twice at once, through the app's own engine: (the one that lost
    the race, the one that wrote first)."""
    won: list[httpx.Response] = []
    with competitor_writes_first(client.app.state.engine, lambda: won.append(send())):
        lost = send()
    return lost, won[0]
