"""Password sign-in: tokens, rate limits and no user enumeration."""

import time
from datetime import datetime, tzinfo

import jwt
import pytest
from fastapi.testclient import TestClient

from hotline.auth import service as auth_service
from hotline.auth.service import BAD_CREDENTIALS, verify_password
from hotline.config import Settings
from hotline.demo import DEMO_PASSWORD

AGENT = "agent.aarhus@hotline.example"


def login(client: TestClient, username: str, password: str):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_demo_account_gets_a_short_lived_bearer_token(client: TestClient, demo_users) -> None:
    response = login(client, AGENT, DEMO_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 3600

    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == AGENT
    assert me.json()["municipality_code"] == "0751"


def test_email_is_case_insensitive(client: TestClient, demo_users) -> None:
    assert login(client, AGENT.upper(), DEMO_PASSWORD).status_code == 200


def test_wrong_password_and_unknown_account_answer_alike(client: TestClient, demo_users) -> None:
    wrong = login(client, AGENT, "not-the-password")
    unknown = login(client, "nobody@hotline.example", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"] == BAD_CREDENTIALS


def test_inactive_account_cannot_sign_in(client: TestClient, auth_headers, demo_users) -> None:
    agent_id = demo_users["agent.aarhus"].id
    deactivated = client.patch(
        f"/api/v1/users/{agent_id}", json={"active": False}, headers=auth_headers["operator"]
    )
    assert deactivated.status_code == 200
    assert login(client, AGENT, DEMO_PASSWORD).json()["detail"] == BAD_CREDENTIALS
    # and the token it had is refused from now on
    assert client.get("/api/v1/users/me", headers=auth_headers["agent.aarhus"]).status_code == 401


def test_repeated_failures_lock_the_account_for_a_while(
    client: TestClient, settings: Settings, demo_users
) -> None:
    for _ in range(settings.login_failures_per_account):
        assert login(client, AGENT, "guess").status_code == 401
    locked = login(client, AGENT, DEMO_PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    # another account from the same address is not locked by it
    assert login(client, "agent.odense@hotline.example", DEMO_PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_throttled(client: TestClient, settings) -> None:
    limit = settings.login_failures_per_address
    for attempt in range(limit):
        assert login(client, f"user{attempt}@hotline.example", "guess").status_code == 401
    assert login(client, "another@hotline.example", "guess").status_code == 429


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Basic dXNlcjpwYXNz", ""],
    ids=["garbage", "basic", "missing"],
)
def test_api_refuses_requests_without_a_valid_token(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/municipalities", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_and_foreign_tokens_are_refused(
    client: TestClient, settings: Settings, demo_users
) -> None:
    user_id = str(demo_users["agent.aarhus"].id)
    expired = jwt.encode(
        {"sub": user_id, "exp": int(time.time()) - 10}, settings.signing_key, algorithm="HS256"
    )
    forged = jwt.encode(
        {"sub": user_id, "exp": int(time.time()) + 600}, "another-secret-key-0123456789abcdef"
    )
    for token in (expired, forged):
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_a_token_in_use_still_expires_on_time(
    client: TestClient, settings: Settings, demo_users, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token's signature is checked once per process; its expiry on every request."""
    expires = int(time.time()) + 60
    claims = {"sub": str(demo_users["agent.aarhus"].id), "exp": expires, "ep": 0}
    token = jwt.encode(claims, settings.signing_key, algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"}
    paths = ("/api/v1/users/me", "/api/v1/municipalities/0751")
    assert [client.get(path, headers=headers).status_code for path in paths] == [200, 200]

    class AfterExpiry(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> "AfterExpiry":
            return cls.fromtimestamp(expires + 1, tz)

    monkeypatch.setattr(auth_service, "datetime", AfterExpiry)
    assert [client.get(path, headers=headers).status_code for path in paths] == [401, 401]


def test_passwords_are_stored_as_argon2_hashes(demo_users) -> None:
    stored = demo_users["operator"].password_hash
    assert stored.startswith("$argon2id$")
    assert DEMO_PASSWORD not in stored
    assert verify_password(stored, DEMO_PASSWORD)
