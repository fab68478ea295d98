"""Ending sessions and throttling sign-in: signing out, a new password and deactivation end
every cookie and token at once; a guesser slows only themself; every process counts the same."""

from collections.abc import Iterator

import jwt
import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from hotline.console.session import COOKIE_NAME
from hotline.demo import DEMO_PASSWORD
from tests.conftest import make_settings
from tests.console.conftest import csrf_token, post_form

AGENT = "agent.aarhus@hotline.example"
ATTACKER = ("203.0.113.7", 40000)
CITIZEN_OFFICE = ("198.51.100.20", 40000)


def token_login(client: TestClient, password: str, **headers: str):
    return client.post(
        "/api/v1/auth/token", data={"username": AGENT, "password": password}, headers=headers
    )


def bearer(client: TestClient) -> dict[str, str]:
    response = token_login(client, DEMO_PASSWORD)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def console_sign_in(client: TestClient) -> str:
    response = post_form(
        client,
        "/console/login",
        {"email": AGENT, "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client.cookies[COOKIE_NAME]


@pytest.fixture
def app_client(settings: Settings) -> Iterator[callable]:
    """A client of a fresh app process, connecting from a given address."""
    opened: list[TestClient] = []

    def _open(address: tuple[str, int] = ("testclient", 50000), **overrides) -> TestClient:
        app_settings = make_settings(settings.database_url, settings.var_dir, **overrides)
        client = TestClient(create_app(app_settings), client=address).__enter__()
        opened.append(client)
        return client

    yield _open
    for client in opened:
        client.__exit__(None, None, None)


def still_signed_in(app_client, cookie: str) -> bool:
    """Whether a copy of the cookie still opens the console: a page (the account loaded as an
    object) and the search box's fragment (as a plain row) must agree."""
    thief = app_client()
    thief.cookies.set(COOKIE_NAME, cookie, path="/console")
    page = thief.get("/console/", follow_redirects=False).status_code == 200
    csrf = jwt.decode(cookie, options={"verify_signature": False})["csrf"]
    typing = {"HX-Request": "true", "HX-Target": "results", "HX-Trigger-Name": "q"}
    search = thief.post(
        "/console/soeg",
        data={"csrf_token": csrf, "kommune": "0751", "q": "pas"},
        headers={**typing, "X-CSRF-Token": csrf},
        follow_redirects=False,
    )
    assert search.status_code == (200 if page else 204), search.text
    assert page or search.headers["HX-Redirect"].startswith("/console/login")
    return page


def test_signing_out_of_the_console_ends_copied_cookies_and_the_accounts_tokens(
    client: TestClient, app_client, demo_users
) -> None:
    token = bearer(client)
    cookie = console_sign_in(client)
    assert still_signed_in(app_client, cookie)
    token_before = client.get("/api/v1/users/me", headers=token)
    assert token_before.status_code == 200
    response = client.post(
        "/console/logout",
        data={"csrf_token": csrf_token(client, "/console/")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert not still_signed_in(app_client, cookie)
    assert client.get("/api/v1/users/me", headers=token).status_code == 401
    console_sign_in(client)  # signing in again works at once
    assert client.get("/console/", follow_redirects=False).status_code == 200


def test_signing_out_through_the_api_ends_every_token_and_console_session(
    client: TestClient, app_client, demo_users
) -> None:
    first, second = bearer(client), bearer(client)
    cookie = console_sign_in(client)
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 204
    assert client.get("/api/v1/users/me", headers=second).status_code == 401
    assert client.get("/api/v1/users/me", headers=first).json()["detail"].startswith("The token")
    assert not still_signed_in(app_client, cookie)


def test_a_password_change_ends_the_accounts_sessions_and_tokens(
    client: TestClient, app_client, auth_headers, demo_users
) -> None:
    token = bearer(client)
    cookie = console_sign_in(client)
    changed = client.patch(
        f"/api/v1/users/{demo_users['agent.aarhus'].id}",
        json={"password": "a-new-long-password-2027"},
        headers=auth_headers["operator"],
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/users/me", headers=token).status_code == 401
    assert not still_signed_in(app_client, cookie)
    assert token_login(client, "a-new-long-password-2027").status_code == 200


def test_deactivation_ends_sessions_for_good_even_after_reactivation(
    client: TestClient, app_client, auth_headers, demo_users
) -> None:
    token = bearer(client)
    cookie = console_sign_in(client)
    path = f"/api/v1/users/{demo_users['agent.aarhus'].id}"
    operator = auth_headers["operator"]
    assert client.patch(path, json={"active": False}, headers=operator).status_code == 200
    assert client.patch(path, json={"active": True}, headers=operator).status_code == 200
    assert client.get("/api/v1/users/me", headers=token).status_code == 401
    assert not still_signed_in(app_client, cookie)


@pytest.mark.parametrize("field", ["full_name", "active", "password"])
def test_null_cannot_clear_an_account_field(
    client: TestClient, auth_headers, demo_users, field: str
) -> None:
    response = client.patch(
        f"/api/v1/users/{demo_users['agent.aarhus'].id}",
        json={field: None},
        headers=auth_headers["operator"],
    )
    assert response.status_code == 422


def test_a_guesser_cannot_lock_the_real_user_out(
    app_client, settings: Settings, demo_users
) -> None:
    attacker = app_client(ATTACKER)
    for _ in range(settings.login_failures_per_account):
        assert token_login(attacker, "guess").status_code == 401
    blocked = token_login(attacker, DEMO_PASSWORD)
    assert blocked.status_code == 429
    assert token_login(app_client(CITIZEN_OFFICE), DEMO_PASSWORD).status_code == 200


def test_each_further_failure_doubles_the_wait(app_client, demo_users) -> None:
    attacker = app_client(ATTACKER, login_delay_seconds=0)
    for _ in range(5):
        token_login(attacker, "guess")
    slow = app_client(ATTACKER, login_delay_seconds=30, login_failure_window_seconds=3600)
    # Five failures waited 30 * 2**0 s (0 here); the sixth waits 30 * 2**1 s.
    assert token_login(slow, "guess").status_code == 401
    wait = int(token_login(slow, "guess").headers["Retry-After"])
    assert 58 <= wait <= 60


def test_counters_live_in_the_database_so_every_process_counts_the_same(
    app_client, settings: Settings, demo_users
) -> None:
    processes = [app_client(ATTACKER) for _ in range(settings.login_failures_per_account)]
    for process in processes:
        assert token_login(process, "guess").status_code == 401
    assert token_login(app_client(ATTACKER), DEMO_PASSWORD).status_code == 429


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(app_client, demo_users) -> None:
    loopback = app_client(("127.0.0.1", 40000), login_failures_per_address=3)
    for attempt in range(3):
        response = token_login(loopback, "guess", **{"X-Forwarded-For": f"10.9.9.{attempt}"})
        assert response.status_code == 401
    assert token_login(loopback, "x", **{"X-Forwarded-For": "10.9.9.99"}).status_code == 429


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(app_client, demo_users) -> None:
    proxy = app_client(
        ("10.0.0.5", 40000), login_failures_per_address=3, trusted_proxies="10.0.0.0/24"
    )
    for _ in range(3):
        assert token_login(proxy, "guess", **{"X-Forwarded-For": "203.0.113.7"}).status_code == 401
    assert token_login(proxy, "x", **{"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    # A spoofed first entry does not help: the proxy appends the address it really saw.
    spoofed = {"X-Forwarded-For": "1.2.3.4, 203.0.113.7"}
    assert token_login(proxy, "x", **spoofed).status_code == 429
    assert (
        token_login(proxy, DEMO_PASSWORD, **{"X-Forwarded-For": "198.51.100.20"}).status_code == 200
    )


def test_a_bad_trusted_proxies_setting_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not-an-ip"):
        Settings(trusted_proxies="10.0.0.0/8, not-an-ip")


HOT_READS = (
    "/api/v1/municipalities/0751",
    "/api/v1/search?q=pas&municipality=0751",
    "/api/v1/municipalities/0751/articles/pas",  # no such article: 404 once signed in
)


def answers_token(client: TestClient, token: dict[str, str]) -> list[int]:
    return [client.get(path, headers=token).status_code for path in HOT_READS]


def test_the_hot_reads_check_the_account_in_the_database_on_every_request(
    client: TestClient, app_client, auth_headers, demo_users
) -> None:
    """A municipality and a resolved article read the account as a plain row instead of the
    ORM object (search as every other route does): an ended session still stops at once, in
    every process."""
    other_process = app_client()
    token = bearer(client)
    assert answers_token(other_process, token) == [200, 200, 404]
    assert client.post("/api/v1/auth/logout", headers=token).status_code == 204
    assert answers_token(other_process, token) == [401, 401, 401]

    token = bearer(client)
    assert answers_token(other_process, token) == [200, 200, 404]
    path = f"/api/v1/users/{demo_users['agent.aarhus'].id}"
    blocked = client.patch(path, json={"active": False}, headers=auth_headers["operator"])
    assert blocked.status_code == 200
    assert answers_token(other_process, token) == [401, 401, 401]
    detail = other_process.get(HOT_READS[0], headers=token).json()["detail"]
    assert detail == "The account is not active."
