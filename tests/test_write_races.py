"""Two identical requests at once (a double click, a retry): the second lands between the
first's read and its write (``tests/races.py``). The loser is a 409 problem+json with nothing
of it saved, or, where writing twice is harmless, both succeed; never a 500."""

from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import Settings
from hotline.contacts.models import ContactPrice
from hotline.deps import DbSession
from hotline.replies.models import Reply
from hotline.satisfaction.models import SurveyInvitation
from tests.console.conftest import SignIn, post_form, sign_in
from tests.contacts.conftest import OpenContact, open_contact
from tests.meetings.conftest import type_data
from tests.meetings.test_console_types import new_type_form
from tests.races import twice

__all__ = ["open_contact", "sign_in"]

Headers = dict[str, dict[str, str]]


def assert_lost_race(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/concurrent-write"


def count(session: Session, statement: Any) -> int:
    session.expire_all()
    return int(session.scalar(statement) or 0)


def test_a_municipality_override_created_twice_at_once_is_a_conflict_for_one(
    client: TestClient, auth_headers: Headers
) -> None:
    body = type_data().model_dump(mode="json")
    editor = auth_headers["editor"]
    type_id = client.post("/api/v1/meetings/types", json=body, headers=editor).json()["id"]
    path = f"/api/v1/meetings/types/{type_id}/municipalities/0101"
    admin = auth_headers["admin.kobenhavn"]
    lost, won = twice(client, lambda: client.put(path, json={"hidden": True}, headers=admin))
    assert won.status_code == 204, won.text
    assert_lost_race(lost)


def test_the_survey_email_sent_twice_at_once_goes_once(
    client: TestClient, auth_headers: Headers, session: Session, open_contact: OpenContact
) -> None:
    agent = auth_headers["agent.aarhus"]
    contact_id = open_contact(channel="phone", outcome="answered").id
    path = f"/api/v1/contacts/{contact_id}/survey-email"
    body = {"citizen_agreed": True, "email": "a@example.com"}
    lost, won = twice(client, lambda: client.post(path, json=body, headers=agent))
    assert won.status_code == 202, won.text
    assert_lost_race(lost)
    assert count(session, select(func.count()).select_from(Reply)) == 1  # nothing half-saved
    assert count(session, select(func.count()).select_from(SurveyInvitation)) == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/articles", {"slug": "ny", "title": "Ny", "category": "Test", "body": "Tekst."}),
        ("/api/v1/meetings/types", type_data().model_dump(mode="json")),
    ],
    ids=["article", "meeting-type"],
)
def test_the_same_thing_created_twice_at_once_is_a_conflict_for_one(
    client: TestClient, auth_headers: Headers, path: str, body: dict[str, Any]
) -> None:
    lost, won = twice(client, lambda: client.post(path, json=body, headers=auth_headers["editor"]))
    assert won.status_code == 201, won.text
    assert_lost_race(lost)


def test_a_race_lost_at_the_commit_is_a_conflict_too(
    settings: Settings, demo_users: object
) -> None:
    """A write the session flushes only when the request's transaction commits (after the
    handler returned) is answered by the same problem, never as a success."""
    app: FastAPI = create_app(settings)

    @app.put("/test/price-at-commit")
    def price_at_commit(session: DbSession) -> dict[str, str]:
        session.add(ContactPrice(valid_from=date(2032, 3, 1), price_per_contact=1, set_by="a"))
        return {"saved": "not yet"}

    with TestClient(app, raise_server_exceptions=False) as client:
        lost, won = twice(client, lambda: client.put("/test/price-at-commit"))
    assert won.status_code == 200, won.text
    assert_lost_race(lost)


def test_the_console_shows_a_lost_race_as_a_danish_page(
    client: TestClient, sign_in: SignIn
) -> None:
    sign_in("editor")
    form = new_type_form(article_slugs="")
    lost, won = twice(
        client,
        lambda: post_form(client, "/console/redaktion/moedetyper/ny", form, follow_redirects=False),
    )
    assert won.status_code == 303, won.text
    assert lost.status_code == 409
    assert "En anden gemte det samme i samme øjeblik" in lost.text
