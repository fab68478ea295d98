"""Headers, error pages and stored text in the console: nothing runs that we did not ship."""

import re
from collections.abc import Callable

import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.auth.schemas import UserCreate
from hotline.auth.service import create_user
from hotline.config import Settings
from hotline.demo import DEMO_PASSWORD
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from tests.console.conftest import AARHUS, ADMIN, EDITOR, SignIn, post_form

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'

PAGES = [
    "/console/",
    "/console/?kommune=0751&q=pas",
    "/console/?kommune=0751&artikel=pas",
    "/console/svar",
]


@pytest.mark.parametrize("path", ["/console/login", *PAGES])
def test_every_page_has_the_security_headers(
    client: TestClient, sign_in: SignIn, kb: Session, path: str
) -> None:
    sign_in("agent.aarhus")
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_scripts_or_event_handlers(
    client: TestClient, sign_in: SignIn, kb: Session, path: str
) -> None:
    sign_in("agent.aarhus")
    html = client.get(path).text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_htmx_is_served_from_the_package_with_its_licence(client: TestClient) -> None:
    response = client.get("/console/static/htmx.min.js")
    assert response.status_code == 200
    assert response.text.startswith("/*! htmx.org 2.0.11")
    assert "Zero-Clause BSD" in response.text[:300]
    assert response.headers["Cache-Control"].startswith("public")


def _with_console_page(settings: Settings, path: str, endpoint: Callable[[], object]) -> FastAPI:
    """The app with one more console page, for what no shipped page does."""
    app = create_app(settings)
    console = next(route.app for route in app.routes if getattr(route, "path", "") == "/console")
    assert isinstance(console, FastAPI)
    page = APIRouter()
    page.add_api_route(path, endpoint, methods=["GET"])
    console.include_router(page)
    return app


def test_the_console_sets_its_headers_once_over_those_a_page_set_itself(
    settings: Settings, demo_users
) -> None:
    def own_headers() -> Response:
        return Response(
            "ok",
            headers={"Cache-Control": "public", "X-Frame-Options": "SAMEORIGIN", "ETag": '"1"'},
        )

    app = _with_console_page(settings, "/egne-overskrifter", own_headers)
    with TestClient(app) as client:
        response = client.get("/console/egne-overskrifter")
    raw = response.headers.raw
    for name in (b"cache-control", b"x-frame-options", b"content-security-policy"):
        assert [key for key, _ in raw].count(name) == 1, name
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["ETag"] == '"1"'  # what the console does not set is left alone


def test_an_unknown_console_page_is_a_danish_html_page(client: TestClient) -> None:
    response = client.get("/console/findes-ikke")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Siden eller oplysningen findes ikke." in response.text


def test_an_unexpected_error_is_a_danish_page_without_internals(
    settings: Settings, demo_users
) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app = _with_console_page(settings, "/boom", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/console/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Der skete en fejl hos os" in response.text
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_stored_markup_in_articles_overrides_and_names_renders_inert(
    client: TestClient, session: Session, kb: Session, demo_users
) -> None:
    article = knowledge.create_article(
        session,
        ArticleCreate(slug="ondt", title=f"Titel {PAYLOAD}", category="Test", body=PAYLOAD),
        EDITOR,
    )
    knowledge.put_override(
        session,
        AARHUS,
        article,
        OverrideWrite(mode=OverrideMode.APPEND, body=f"Lokalt {PAYLOAD}"),
        ADMIN,
    )
    create_user(
        session,
        UserCreate(
            email="ond@hotline.example",
            full_name=f"Ond {PAYLOAD}",
            role="agent",
            municipality_code=AARHUS,
            password=DEMO_PASSWORD,
        ),
    )
    session.commit()
    post_form(client, "/console/login", {"email": "ond@hotline.example", "password": DEMO_PASSWORD})
    for path in ("/console/?kommune=0751&artikel=ondt", "/console/?kommune=0751&q=titel"):
        html = client.get(path).text
        assert "Titel" in html and "Ond" in html
        assert "<script>alert" not in html
        assert not re.search(r"<[a-z]+[^>]*\sonerror", html)  # no element got the handler
        assert "&lt;script&gt;" in html  # the title shows the text as typed
