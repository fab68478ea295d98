"""A signed-in console (real app, real cookies, real CSRF tokens) and a small knowledge base."""

import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.demo import DEMO_PASSWORD
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import FactType, OverrideMode
from hotline.knowledge.schemas import ArticleCreate, FactCreate, OverrideWrite
from hotline.municipalities.service import import_postcodes
from tests.fixtures import POSTCODE_SAMPLE

AARHUS, ODENSE, FREDERIKSBERG = "0751", "0461", "0147"
EDITOR = "editor@hotline.example"
ADMIN = "admin.aarhus@hotline.example"
PAS_BODY = "Et pas koster {{ gebyr_pas }} kr. Ring til Borgerservice på {{ telefon }}."
LOCAL_PART = "Mød op i Dokk1 ved havnefronten."

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

SignIn = Callable[[str], None]


def csrf_token(client: TestClient, path: str = "/console/login") -> str:
    """The CSRF token the console puts in its forms for the client's current session."""
    match = _CSRF.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def post_form(client: TestClient, path: str, data: dict, **kwargs: object) -> Response:
    """Submit a console form as a browser would: with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client), **data}, **kwargs)


@pytest.fixture
def sign_in(client: TestClient, demo_users: dict[str, User]) -> SignIn:
    """Sign a demo account (by the part before '@') in through the real sign-in form."""

    def _sign_in(account: str) -> None:
        response = post_form(
            client,
            "/console/login",
            {"email": f"{account}@hotline.example", "password": DEMO_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    return _sign_in


@pytest.fixture
def kb(session: Session, demo_users: dict[str, User]) -> Session:
    """Postcodes, two facts (Odense lacks the phone), a shared article that Aarhus extends
    with a local part, and a local article of Aarhus."""
    import_postcodes(session, POSTCODE_SAMPLE)
    knowledge.create_fact(
        session, FactCreate(key="gebyr_pas", description="Pasgebyr", type=FactType.MONEY), EDITOR
    )
    knowledge.create_fact(
        session, FactCreate(key="telefon", description="Telefon", type=FactType.PHONE), EDITOR
    )
    knowledge.set_fact_value(session, AARHUS, "gebyr_pas", "1234.5", ADMIN)
    knowledge.set_fact_value(session, AARHUS, "telefon", "+45 89 40 20 00", ADMIN)
    knowledge.set_fact_value(session, ODENSE, "gebyr_pas", "893", ADMIN)
    pas = knowledge.create_article(
        session,
        ArticleCreate(
            slug="pas",
            title="Pas til voksne",
            category="Borgerservice",
            body=PAS_BODY,
            valid_from=date(2020, 1, 1),
        ),
        EDITOR,
    )
    knowledge.put_override(
        session, AARHUS, pas, OverrideWrite(mode=OverrideMode.APPEND, body=LOCAL_PART), ADMIN
    )
    knowledge.create_local_article(
        session,
        AARHUS,
        ArticleCreate(
            slug="dokk1", title="Dokk1 og Borgerservice", category="Borgerservice", body="Dokk1."
        ),
        ADMIN,
    )
    session.commit()
    return session
