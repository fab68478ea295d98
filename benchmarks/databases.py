"""A throwaway PostgreSQL database for one benchmark run: created, and dropped however it ends."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def throwaway_database(server_url: str, name: str) -> Iterator[str]:
    """Create ``name`` on the server of ``server_url`` (its maintenance database, e.g.
    ``postgres``); yield the new database's URL; drop it (closing its connections) at the end."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def local_throwaway_database(server_url: str, prefix: str) -> Iterator[str]:
    """``throwaway_database`` named ``<prefix>_<pid>``, on a server on this machine only: the
    load and fault benchmarks drive processes against it and must stay on loopback."""
    if make_url(server_url).host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only: --postgres-url must name a local server")
    with throwaway_database(server_url, f"{prefix}_{os.getpid()}") as url:
        yield url
