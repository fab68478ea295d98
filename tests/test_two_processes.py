"""Many processes, one truth: a scenario whose steps alternate between two real `hotline serve`
processes on one database answers as one process would. Everything that changes behaviour
lives in the database: login throttle, rate limits, idempotency keys, session revocation and
the search index's freshness."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hotline.auth.models import User
from hotline.config import Settings
from hotline.demo import DEMO_PASSWORD
from hotline.satisfaction.links import survey_token
from tests.contacts.conftest import OpenContact, open_contact
from tests.mail.sink import free_port
from tests.processes import environment, process, wait_until_up

__all__ = ["open_contact"]  # the contacts suite's fixture

pytestmark = pytest.mark.slow

AGENT = "agent.aarhus@hotline.example"
FAILURES_PER_ACCOUNT = 2
SURVEY_SUBMITS_PER_ADDRESS = 3


@pytest.fixture
def two_processes(
    settings: Settings, demo_users: dict[str, User], tmp_path: Path
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of two app processes (own ports, own memory) sharing the test's database."""
    env = environment(
        settings,
        HOTLINE_LOGIN_FAILURES_PER_ACCOUNT=str(FAILURES_PER_ACCOUNT),
        HOTLINE_SURVEY_REQUESTS_PER_ADDRESS=str(SURVEY_SUBMITS_PER_ADDRESS),
    )
    ports = free_port(), free_port()
    with (
        process(["serve", "--port", str(ports[0])], env, tmp_path / "a.log"),
        process(["serve", "--port", str(ports[1])], env, tmp_path / "b.log"),
    ):
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            wait_until_up(url)
        with httpx.Client(base_url=urls[0]) as a, httpx.Client(base_url=urls[1]) as b:
            yield a, b


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_failed_sign_ins_through_either_process_count_toward_one_throttle(
    two_processes: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = two_processes
    assert sign_in(a, AGENT, "guess").status_code == 401
    assert sign_in(b, AGENT, "guess").status_code == 401  # the 2nd failure, counted by b
    for client in (a, b):
        throttled = sign_in(client, AGENT, DEMO_PASSWORD)
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) > 0


def test_survey_submits_through_either_process_count_toward_one_limit(
    settings: Settings,
    two_processes: tuple[httpx.Client, httpx.Client],
    open_contact: OpenContact,
) -> None:
    a, b = two_processes
    contact = open_contact(outcome="answered")
    path = f"/tilfredshed/{survey_token(settings, contact.id, datetime.now(UTC))}"
    form = {"rating": "4", "got_answer": "ja"}
    statuses = [client.post(path, data=form).status_code for client in (a, b, a, b, a)]
    assert statuses == [303] * SURVEY_SUBMITS_PER_ADDRESS + [429, 429]


def test_a_retried_send_through_the_other_process_returns_the_first_reply(
    two_processes: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = two_processes
    headers = {**bearer(sign_in(a, AGENT, DEMO_PASSWORD)), "Idempotency-Key": "retry-7f3a"}
    reply = {
        "municipality": "0751",
        "to": "borger@example.dk",
        "subject": "Svar på dit spørgsmål",
        "body_markdown": "Tak for din henvendelse.",
    }
    first = a.post("/api/v1/replies", json=reply, headers=headers)
    again = b.post("/api/v1/replies", json=reply, headers=headers)
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listed = [r["id"] for r in a.get("/api/v1/replies", headers=headers).json()]
    assert listed == [first.json()["id"]]  # one reply queued, through both processes


def test_signing_out_through_one_process_ends_the_token_in_the_other(
    two_processes: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = two_processes
    token = bearer(sign_in(a, AGENT, DEMO_PASSWORD))
    hot_reads = ("/api/v1/municipalities/0751", "/api/v1/search?q=pas&municipality=0751")
    for client in (a, b):  # twice: a repeated read may answer from what the process keeps
        for path in (*hot_reads, *hot_reads):
            assert client.get(path, headers=token).status_code == 200
    assert b.get("/api/v1/users/me", headers=token).status_code == 200
    assert a.post("/api/v1/auth/logout", headers=token).status_code == 204
    for client in (b, a):
        assert client.get("/api/v1/users/me", headers=token).status_code == 401
        for path in hot_reads:
            assert client.get(path, headers=token).status_code == 401


def found(client: httpx.Client, headers: dict[str, str], query: str) -> list[str]:
    answer = client.get(
        "/api/v1/search", params={"q": query, "municipality": "0751"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return [result["slug"] for result in answer.json()["results"]]


def wait_until_found(client: httpx.Client, headers: dict[str, str], query: str) -> list[str]:
    """The processes apply the search change log at most every 200 ms: soon, not at once."""
    deadline = time.monotonic() + 10
    while not (slugs := found(client, headers, query)):
        assert time.monotonic() < deadline, f"{query!r} never found"
        time.sleep(0.05)
    return slugs


def test_an_edit_through_one_process_is_found_through_the_other(
    two_processes: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = two_processes
    editor = bearer(sign_in(a, "editor@hotline.example", DEMO_PASSWORD))
    agent = bearer(sign_in(b, AGENT, DEMO_PASSWORD))
    created = a.post(
        "/api/v1/articles",
        json={
            "slug": "sneglebekaempelse",
            "title": "Dræbersnegle i haven",
            "category": "Dyr og miljø",
            "body": "Saml sneglene om aftenen.",
        },
        headers=editor,
    )
    assert created.status_code == 201, created.text
    assert wait_until_found(b, agent, "dræbersnegle") == ["sneglebekaempelse"]
    assert found(a, agent, "dræbersnegle") == ["sneglebekaempelse"]

    changed = b.patch(
        "/api/v1/articles/sneglebekaempelse",
        json={"body": "Brug en ølfælde mod sneglene."},
        headers={**editor, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert wait_until_found(a, agent, "ølfælde") == ["sneglebekaempelse"]
    for client in (a, b):
        assert found(client, agent, "ølfælde") == ["sneglebekaempelse"]
        assert found(client, agent, "aftenen") == []  # the old text is gone in both
