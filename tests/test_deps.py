"""The signed-in hot reads: answered on the event loop from what the process keeps, in a
worker thread where the database must be asked, and the same either way."""

from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import hotline.deps
import hotline.search.index
from tests.contacts.conftest import add_article

MUNICIPALITY = "/api/v1/municipalities/0751"
SEARCH = {"q": "pas", "municipality": "0751"}


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hot reads that went to a worker thread, in order (other requests' hops, such as
    ending an edit's transaction, are not counted)."""
    hops: list[str] = []
    run_in_threadpool = hotline.deps.run_in_threadpool

    async def counted(function: Callable[..., Any], *args: Any) -> Any:
        if getattr(function, "__qualname__", "").startswith("SignedInCall."):
            hops.append(function.__name__)
        return await run_in_threadpool(function, *args)

    monkeypatch.setattr(hotline.deps, "run_in_threadpool", counted)
    return hops


def test_a_read_of_what_the_process_keeps_takes_no_thread_and_an_edit_shows_at_once(
    client: TestClient,
    auth_headers: dict[str, dict[str, str]],
    thread_hops: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The index looks at the change log every 0.2 s, through a thread: not within this test
    # (a loaded machine may take longer between two requests), except after its own edit.
    monkeypatch.setattr(hotline.search.index, "REFRESH_SECONDS", 60.0)
    agent, admin = auth_headers["agent.aarhus"], auth_headers["admin.aarhus"]
    assert client.get("/api/v1/search", params=SEARCH, headers=agent).is_success  # builds
    first = client.get(MUNICIPALITY, headers=agent).json()  # reads and keeps the entry
    thread_hops.clear()
    assert client.get(MUNICIPALITY, headers=agent).json() == first
    assert thread_hops == []

    edited = client.patch(MUNICIPALITY, json={"phone": "+45 89 40 20 09"}, headers=admin)
    assert edited.is_success
    assert client.get(MUNICIPALITY, headers=agent).json()["phone"] == "+45 89 40 20 09"
    assert thread_hops == ["_run"]  # this process's edit: the index looks before the next read
    assert client.get(MUNICIPALITY, headers=agent).json()["phone"] == "+45 89 40 20 09"
    assert thread_hops == ["_run"]


def test_what_the_process_does_not_keep_is_read_in_a_thread_with_the_same_answer(
    client: TestClient, auth_headers: dict[str, dict[str, str]], thread_hops: list[str]
) -> None:
    agent = auth_headers["agent.aarhus"]
    unknown = client.get("/api/v1/municipalities/9999", headers=agent)  # nothing kept of it
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/not-found"
    assert thread_hops == ["_run"]


@pytest.mark.parametrize("path", [MUNICIPALITY, "/api/v1/search?q=pas&municipality=0751"])
def test_a_hot_read_stops_at_once_when_the_account_is_signed_out_or_blocked(
    client: TestClient,
    auth_headers: dict[str, dict[str, str]],
    thread_hops: list[str],
    path: str,
) -> None:
    agent, operator = auth_headers["agent.aarhus"], auth_headers["operator"]
    agent_two = auth_headers["agent.odense"]
    for _ in range(2):
        assert client.get(path, headers=agent).is_success
        assert client.get(path, headers=agent_two).is_success
    assert client.post("/api/v1/auth/logout", headers=agent).status_code == 204
    refused = client.get(path, headers=agent)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"

    me = client.get("/api/v1/users/me", headers=agent_two).json()
    blocked = client.patch(f"/api/v1/users/{me['id']}", json={"active": False}, headers=operator)
    assert blocked.is_success
    assert client.get(path, headers=agent_two).status_code == 401


@pytest.fixture
def every_thread_hop(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every function any request handed to a worker thread (FastAPI's own hops included)."""
    hops: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        called = getattr(function, "func", function)  # Starlette hands over a partial
        hops.append(getattr(called, "__qualname__", repr(called)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return hops


def test_the_writes_of_a_shift_take_one_thread_hop_each(
    client: TestClient,
    auth_headers: dict[str, dict[str, str]],
    session: Session,
    every_thread_hop: list[str],
) -> None:
    """Open a contact, record an article on it and close it: the account, the use case, the
    answer and the commit together, once per request."""
    add_article(session, "pas")
    agent = auth_headers["agent.aarhus"]
    opened = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent)
    assert opened.status_code == 201
    path = opened.headers["Location"]
    touched = client.post(f"{path}/articles", json={"slug": "pas", "use": "opened"}, headers=agent)
    assert touched.status_code == 200, touched.text
    closed = client.post(
        f"{path}/close",
        json={"outcome": "answered"},
        headers={**agent, "If-Match": touched.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["outcome"] == "answered"
    assert closed.headers["ETag"] == f'"contact-v{closed.json()["version"]}"'
    assert every_thread_hop == ["SignedInCall._act"] * 3


@pytest.mark.parametrize("token", ["none", "forged", "signed out"])
def test_a_stranger_is_asked_to_sign_in_before_anything_else(
    client: TestClient, auth_headers: dict[str, dict[str, str]], token: str
) -> None:
    """No token or a forged one: 401 whatever else the request lacks (the If-Match a close
    needs, a valid body). A token whose session ended: 401 before the If-Match is looked at
    (the account is read with the work, after the request's own validation)."""
    headers = {
        "none": {},
        "forged": {"Authorization": "Bearer not-a-token"},
        "signed out": auth_headers["agent.aarhus"],
    }[token]
    if token == "signed out":
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    bodies = [{"outcome": "answered"}]
    if token != "signed out":
        bodies.append({"outcome": "no such outcome"})
    for body in bodies:
        refused = client.post("/api/v1/contacts/1/close", json=body, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_query_read_by_its_model_is_documented_and_refused_as_fastapi_would(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    """``GET /search`` reads its query string into ``SearchQuery`` itself (``QueryModel``):
    the OpenAPI document still lists each parameter, a bad value is a 422 naming its place
    under ``query``, and no token is still a 401 first."""
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert list(parameters) == ["q", "municipality", "category", "limit", "offset"]
    assert all(p["in"] == "query" for p in parameters.values())
    assert [name for name, p in parameters.items() if p["required"]] == ["q", "municipality"]
    assert parameters["limit"]["schema"] | {"title": None} == {
        "type": "integer", "minimum": 1, "maximum": 50, "default": 10, "title": None
    }  # fmt: skip
    assert parameters["municipality"]["description"] == "Kommunekode of the citizen"
    assert "422" in operation["responses"]

    agent = auth_headers["agent.aarhus"]
    refused = client.get("/api/v1/search", params={**SEARCH, "limit": "51", "q": ""}, headers=agent)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("query.limit", "less_than_equal"),
        ("query.q", "string_too_short"),
    }
    missing = client.get("/api/v1/search", params={"q": "pas"}, headers=agent)
    assert [e["field"] for e in missing.json()["errors"]] == ["query.municipality"]
    assert client.get("/api/v1/search", params={"limit": "x"}).status_code == 401
    repeated = client.get("/api/v1/search?q=x&q=pas&municipality=0751&limit=1", headers=agent)
    assert repeated.json()["query"] == "pas"  # the last value, as FastAPI read a repeated one
