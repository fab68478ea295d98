"""An overloaded process (every database connection busy past the pool's timeout) answers
503 with Retry-After, in problem+json on the API and a Danish page in the console: never a 500.

The load benchmark found 196 such waits answered as 500 with the old pool (10 + 10 connections
under 40 threads)."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotline.app import create_app
from hotline.auth.models import User
from hotline.config import Settings
from hotline.demo import DEMO_PASSWORD
from hotline.errors import OVERLOAD_RETRY_AFTER
from tests.conftest import make_settings
from tests.console.conftest import post_form


@pytest.fixture
def one_connection(
    database_url: str, engine: Engine, tmp_path: Path, demo_users: dict[str, User]
) -> Settings:
    """An app whose pool holds one connection and waits a tenth of a second for it."""
    return make_settings(
        database_url,
        tmp_path / "var",
        database_pool_size=1,
        database_max_overflow=0,
        database_pool_timeout_seconds=0.1,
    )


@pytest.fixture
def client_of_one(one_connection: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(one_connection), raise_server_exceptions=False) as client:
        yield client


def all_connections_busy(client: TestClient) -> AbstractContextManager[object]:
    """Check out the app's only connection, as a long request would hold it."""
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return app_engine.connect()


def test_the_api_answers_503_with_retry_after_when_no_connection_is_free(
    client_of_one: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    with all_connections_busy(client_of_one):
        response = client_of_one.get(
            "/api/v1/municipalities/0751", headers=auth_headers["agent.aarhus"]
        )

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == OVERLOAD_RETRY_AFTER
    assert response.json()["type"].endswith("/overloaded")


def test_the_console_answers_a_danish_503_page_when_no_connection_is_free(
    client_of_one: TestClient,
) -> None:
    signed_in = post_form(
        client_of_one,
        "/console/login",
        {"email": "agent.aarhus@hotline.example", "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    with all_connections_busy(client_of_one):
        response = client_of_one.get("/console/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == OVERLOAD_RETRY_AFTER
    assert "Systemet har travlt lige nu, og intet er ændret" in response.text


def test_the_pool_follows_the_settings(one_connection: Settings) -> None:
    with TestClient(create_app(one_connection)) as client:
        pool = client.app.state.engine.pool  # type: ignore[attr-defined]
        assert (pool.size(), pool._max_overflow, pool._timeout) == (1, 0, 0.1)


def test_a_search_holding_the_only_request_connection_still_builds_the_index(
    client_of_one: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    """The first search holds its request's connection (the account row) while the index is
    built; the build reads through the index's own pool, so it never waits for that one.
    (Through the request pool, a burst of first searches holding every connection left the
    build without one: 503s after the pool's timeout, in the load benchmark's warm-up.)"""
    found = client_of_one.get(
        "/api/v1/search",
        params={"q": "pas", "municipality": "0751"},
        headers=auth_headers["agent.aarhus"],
    )

    assert found.status_code == 200, found.text
    assert client_of_one.app.state.search_index.built  # type: ignore[attr-defined]
