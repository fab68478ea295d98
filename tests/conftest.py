"""Real components for every test: migrated SQLite and PostgreSQL databases, the real app.

The suite runs in parallel (pytest-xdist): every worker process has its own session fixtures,
so its own throwaway databases (SQLite files under its own temporary directory, PostgreSQL
databases named after the worker and a random suffix, dropped at its end), its own var
directories (``tmp_path``) and loopback ports the kernel hands out (``free_port``).
"""

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, select, text
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.app import create_app
from hotline.auth import service as auth_service
from hotline.auth.models import User
from hotline.auth.service import issue_token
from hotline.config import Settings
from hotline.db import load_models, make_engine, make_sessionmaker, transaction
from hotline.demo import seed_demo_accounts
from hotline.municipalities.service import sync_municipalities
from hotline.search.indexing import listen, new_index

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_BASE = PROJECT_ROOT / "knowledge_base"
POSTNORD_FILE = PROJECT_ROOT.parent / "shared" / "data" / "postnord-postnumre.csv"
POSTGRES_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL")
TEST_SECRET = "test-secret-key-not-for-production-0123456789"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not POSTGRES_URL, reason="HOTLINE_TEST_POSTGRES_URL is not set (CI sets it)"
            ),
        ],
    ),
]


@contextmanager
def serving(app: FastAPI, port: int) -> Iterator[None]:
    """uvicorn serving ``app`` on loopback ``port`` in a thread, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _postgres_admin_engine() -> Engine:
    assert POSTGRES_URL
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def create_throwaway_database(backend: str, directory: Path) -> str:
    """A new, empty database on the backend; PostgreSQL gets a uniquely named one."""
    if backend == "sqlite":
        return f"sqlite:///{directory / f'hotline-{uuid.uuid4().hex[:8]}.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under xdist
    name = f"hotline_test_{worker}_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A commit need not wait for its WAL to reach the disk: no test restarts the server,
        # and a run beside other disk-heavy work spent seconds per commit waiting for fsync.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_throwaway_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    admin = _postgres_admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def make_settings(database_url: str, var_dir: Path, **overrides: object) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=var_dir,
        secret_key=TEST_SECRET,
        smtp_url=None,
        **{"run_worker": False, **overrides},  # the outbox worker runs only where a test asks
    )


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Real Argon2, with cost parameters for tests: production's cost is per login, not per test."""
    production_hasher = auth_service._hasher
    auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    auth_service._hasher = production_hasher


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend for the whole run; tests empty it after use."""
    url = create_throwaway_database(backend, tmp_path_factory.mktemp(backend))
    migrate.upgrade(make_settings(url, tmp_path_factory.mktemp("var")))
    yield url
    drop_throwaway_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    metadata = load_models()
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def settings(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[Settings]:
    yield make_settings(database_url, tmp_path / "var")
    _empty_all_tables(engine)


@pytest.fixture
def session(settings: Settings, engine: Engine) -> Iterator[Session]:
    """A session for arranging and asserting; commit explicitly, as callers of services do.
    Its sessionmaker is the application's: edits reach the search index as the app's do."""
    with listen(make_sessionmaker(engine), new_index(settings))() as session:
        yield session


@pytest.fixture
def municipalities(settings: Settings, engine: Engine) -> None:
    with transaction(make_sessionmaker(engine)) as session:
        sync_municipalities(session, KNOWLEDGE_BASE / "municipalities.csv")


@pytest.fixture
def demo_users(municipalities: None, engine: Engine) -> dict[str, User]:
    """The six demo accounts, keyed by the part of the email before '@'."""
    with transaction(make_sessionmaker(engine)) as session:
        seed_demo_accounts(session)
        users = session.scalars(select(User)).all()
    return {user.email.split("@")[0]: user for user in users}


_BUILT_APPS: dict[str, FastAPI] = {}


def app_for(settings: Settings) -> FastAPI:
    """The app for these settings, built once per test process, as a production process builds
    it once and serves every request with it: building one costs ~0.2 s (FastAPI analyses every
    route's parameters), and the suite asks for it over 2,000 times.

    Each test still gets its own start-up and shut-down (engine, search index, outbox worker)
    from its TestClient, and its own var directory: the cache ignores ``var_dir`` and hands
    the app the test's settings, which every request and start-up reads from
    ``app.state.settings``. Tests that change the app itself (dependency overrides) build
    their own with ``create_app``."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    key = settings.model_dump_json(exclude={"var_dir"}) + secret
    app = _BUILT_APPS.get(key)
    if app is None:
        app = _BUILT_APPS[key] = create_app(settings)
    app.state.settings = settings
    return app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = app_for(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    assert not app.dependency_overrides, "a test changed the shared app: use create_app"


@pytest.fixture
def auth_headers(settings: Settings, demo_users: dict[str, User]) -> dict[str, dict[str, str]]:
    """Bearer headers per demo account, minted directly (password logins are tested apart)."""
    return {
        key: {"Authorization": f"Bearer {issue_token(settings, user).token}"}
        for key, user in demo_users.items()
    }
