"""Signing in and out of the console: cookie, CSRF, expiry, readable errors."""

from datetime import UTC, datetime, timedelta, tzinfo

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from hotline.console import session as console_session
from hotline.console.session import COOKIE_NAME, ConsoleSession, encode_session
from hotline.demo import DEMO_PASSWORD
from tests.conftest import app_for
from tests.console.conftest import SignIn, csrf_token, post_form


def _cookie_header(response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie")


def test_signing_in_sets_a_signed_httponly_lax_cookie_and_opens_the_console(
    client: TestClient, demo_users
) -> None:
    response = post_form(
        client,
        "/console/login",
        {"email": "agent.aarhus@hotline.example", "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    cookie = _cookie_header(response)
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http in the test settings
    assert "Max-Age=28" in cookie  # an eight-hour shift
    page = client.get("/console/")
    assert page.status_code == 200
    assert "Anna Agent" in page.text


def test_the_cookie_is_secure_when_the_console_is_served_over_https(
    settings: Settings, demo_users
) -> None:
    https = settings.model_copy(update={"public_base_url": "https://hotline.example"})
    with TestClient(app_for(https), base_url="https://testserver") as client:
        response = client.get("/console/login")
    assert "Secure" in _cookie_header(response)


def test_after_sign_in_the_console_returns_to_the_page_asked_for(
    client: TestClient, demo_users
) -> None:
    asked = client.get("/console/svar", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/console/login?next=%2Fconsole%2Fsvar"
    response = post_form(
        client,
        "/console/login",
        {
            "email": "agent.aarhus@hotline.example",
            "password": DEMO_PASSWORD,
            "next": "/console/svar",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/svar"


def test_sign_in_never_redirects_to_another_site(client: TestClient, demo_users) -> None:
    for evil in ("https://evil.example/", "//evil.example/console/", "/api/v1/users"):
        response = post_form(
            client,
            "/console/login",
            {"email": "agent.aarhus@hotline.example", "password": DEMO_PASSWORD, "next": evil},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/console/"


def test_a_wrong_password_is_a_danish_message_on_the_form_not_json(
    client: TestClient, demo_users
) -> None:
    response = post_form(
        client, "/console/login", {"email": "agent.aarhus@hotline.example", "password": "nej"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "E-mailadressen eller adgangskoden er forkert." in response.text
    assert 'value="agent.aarhus@hotline.example"' in response.text  # the email is kept


def test_empty_fields_get_their_error_next_to_them(client: TestClient, demo_users) -> None:
    response = post_form(client, "/console/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert 'id="f-email-error">Skriv din e-mailadresse.' in response.text
    assert 'id="f-password-error">Skriv din adgangskode.' in response.text
    assert 'aria-invalid="true"' in response.text


def test_the_login_throttle_of_the_api_also_guards_the_console(
    client: TestClient, demo_users
) -> None:
    for _ in range(5):
        post_form(client, "/console/login", {"email": "editor@hotline.example", "password": "x"})
    response = post_form(
        client, "/console/login", {"email": "editor@hotline.example", "password": DEMO_PASSWORD}
    )
    assert "For mange mislykkede forsøg" in response.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, demo_users) -> None:
    client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": "agent.aarhus@hotline.example", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 403
    assert "Formularen er udløbet" in response.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_csrf_token_of_another_session_is_refused(
    client: TestClient, settings: Settings, sign_in: SignIn
) -> None:
    with TestClient(create_app(settings)) as other:
        foreign_token = csrf_token(other)
    sign_in("agent.aarhus")
    response = client.post("/console/logout", data={"csrf_token": foreign_token})
    assert response.status_code == 403
    assert client.get("/console/").status_code == 200  # still signed in


def test_htmx_requests_may_send_the_token_as_a_header(client: TestClient, sign_in: SignIn) -> None:
    sign_in("agent.aarhus")
    token = csrf_token(client, "/console/")
    response = client.post(
        "/console/logout", headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert response.status_code == 303


def test_signing_out_ends_the_session_and_its_csrf_token(
    client: TestClient, sign_in: SignIn
) -> None:
    sign_in("agent.aarhus")
    token = csrf_token(client, "/console/")
    response = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/console/login"
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 403


def test_an_expired_session_asks_to_sign_in_again(
    client: TestClient, settings: Settings, demo_users
) -> None:
    old = ConsoleSession(
        csrf="x",
        expires=datetime.now(UTC) - timedelta(minutes=1),
        user_id=demo_users["agent.aarhus"].id,
    )
    client.cookies.set(COOKIE_NAME, encode_session(settings, old), path="/console")
    response = client.get("/console/")
    assert response.url.path == "/console/login"
    assert "Din session er udløbet" in response.text


def test_a_session_in_use_still_expires_on_time(
    client: TestClient, settings: Settings, demo_users, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cookie's signature is checked once per process; its expiry on every request."""
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    agent = demo_users["agent.aarhus"]
    live = ConsoleSession(csrf="x", expires=expires, user_id=agent.id, epoch=agent.session_epoch)
    client.cookies.set(COOKIE_NAME, encode_session(settings, live), path="/console")
    assert client.get("/console/", follow_redirects=False).status_code == 200

    class AfterExpiry(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> "AfterExpiry":
            return cls.fromtimestamp(expires.timestamp() + 1, tz)

    monkeypatch.setattr(console_session, "datetime", AfterExpiry)
    response = client.get("/console/")
    assert response.url.path == "/console/login"
    assert "Din session er udløbet" in response.text


def test_a_forged_cookie_is_an_anonymous_visitor(
    client: TestClient, settings: Settings, demo_users
) -> None:
    forged_settings = Settings(secret_key="another-key-" + "x" * 32)
    forged = ConsoleSession(
        csrf="x", expires=datetime.now(UTC) + timedelta(hours=1), user_id=demo_users["operator"].id
    )
    client.cookies.set(COOKIE_NAME, encode_session(forged_settings, forged), path="/console")
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_htmx_requests_without_a_session_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/console/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.headers["HX-Redirect"].startswith("/console/login")


def test_a_deactivated_account_loses_its_console_session(
    client: TestClient, sign_in: SignIn, session, demo_users
) -> None:
    sign_in("agent.aarhus")
    user = session.get(type(demo_users["agent.aarhus"]), demo_users["agent.aarhus"].id)
    user.active = False
    session.commit()
    assert client.get("/console/", follow_redirects=False).status_code == 303
