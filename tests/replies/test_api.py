"""POST /api/v1/replies queues, GET reports; idempotency; the CPR guard stores nothing."""

import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.replies.audit import recipient_hash
from hotline.replies.models import IdempotencyKey, Reply, SendAudit
from tests.replies.conftest import reply_request

Headers = dict[str, dict[str, str]]


def body(**changes: object) -> dict[str, object]:
    return reply_request(**changes).model_dump(mode="json")


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_reply_is_accepted_queued_and_readable_by_its_sender(
    client: TestClient, auth_headers: Headers
) -> None:
    response = client.post("/api/v1/replies", json=body(), headers=auth_headers["agent.odense"])
    assert response.status_code == 202, response.text
    reply = response.json()
    assert reply["status"] == "queued"
    assert reply["municipality_code"] == "0751"
    assert reply["message_id"].endswith("@aarhus.dk>")
    assert response.headers["Location"] == f"/api/v1/replies/{reply['id']}"

    status = client.get(response.headers["Location"], headers=auth_headers["agent.odense"])
    assert status.status_code == 200
    assert status.json()["status"] == "queued"
    assert status.json()["next_attempt_at"] is not None


def test_another_agent_cannot_see_the_reply_but_an_operator_can(
    client: TestClient, auth_headers: Headers
) -> None:
    location = client.post(
        "/api/v1/replies", json=body(), headers=auth_headers["agent.odense"]
    ).headers["Location"]
    assert client.get(location, headers=auth_headers["agent.aarhus"]).status_code == 404
    assert client.get(location, headers=auth_headers["admin.aarhus"]).status_code == 404
    assert client.get(location, headers=auth_headers["operator"]).status_code == 200


def test_the_list_shows_an_agent_their_own_replies_and_an_operator_all(
    client: TestClient, auth_headers: Headers
) -> None:
    for agent in ("agent.odense", "agent.aarhus", "agent.odense"):
        client.post("/api/v1/replies", json=body(), headers=auth_headers[agent])
    own = client.get("/api/v1/replies", headers=auth_headers["agent.odense"]).json()
    everyone = client.get("/api/v1/replies", headers=auth_headers["operator"]).json()
    assert len(own) == 2
    assert len(everyone) == 3
    assert {reply["status"] for reply in own} == {"queued"}


def test_reply_and_outbox_entry_and_audit_are_stored_together(
    client: TestClient, auth_headers: Headers, session: Session, settings: Settings
) -> None:
    client.post(
        "/api/v1/replies",
        json=body(to="Karen@Example.dk"),
        headers=auth_headers["agent.odense"],
    )
    reply = session.scalars(select(Reply)).one()
    (entry,) = session.scalars(select(SendAudit)).all()
    assert (reply.status, reply.attempts, reply.to) == ("queued", 0, "Karen@example.dk")
    assert reply.mime is not None  # the message as it will go out, Aarhus' logo inline
    assert b"Content-ID: <logo-0751" in reply.mime
    assert reply.message_id.encode() in reply.mime
    assert entry.event == "queued"
    assert (entry.agent_municipality_code, entry.municipality_code) == ("0461", "0751")
    assert entry.recipient_hash == recipient_hash(settings, "karen@example.dk")
    assert "karen" not in entry.recipient_hash.lower()


def test_a_retry_with_the_same_idempotency_key_returns_the_first_reply(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    headers = {**auth_headers["agent.odense"], "Idempotency-Key": "3f1c-retry"}
    first = client.post("/api/v1/replies", json=body(), headers=headers)
    again = client.post("/api/v1/replies", json=body(), headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(session, Reply) == 1
    assert count(session, IdempotencyKey) == 1


def test_the_same_key_for_a_different_reply_is_refused(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    headers = {**auth_headers["agent.odense"], "Idempotency-Key": "3f1c-retry"}
    client.post("/api/v1/replies", json=body(), headers=headers)
    other = client.post("/api/v1/replies", json=body(subject="Noget andet"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert count(session, Reply) == 1


def test_keys_are_per_agent(client: TestClient, auth_headers: Headers, session: Session) -> None:
    for agent in ("agent.odense", "agent.aarhus"):
        headers = {**auth_headers[agent], "Idempotency-Key": "same-key"}
        assert client.post("/api/v1/replies", json=body(), headers=headers).status_code == 202
    assert count(session, Reply) == 2


@pytest.mark.parametrize(
    "field",
    [
        {"body_markdown": "Dit CPR-nummer 070761-4285 er registreret."},
        {"subject": "Vedr. 0707614285"},
    ],
)
def test_a_cpr_number_is_refused_and_nothing_is_stored_or_logged(
    field: dict[str, str],
    client: TestClient,
    auth_headers: Headers,
    session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {**auth_headers["agent.odense"], "Idempotency-Key": "cpr-attempt"}
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/v1/replies", json=body(**field), headers=headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/cpr-number-in-reply"
    assert "Digital Post" in response.json()["detail"]
    assert "4285" not in response.text
    assert [count(session, model) for model in (Reply, SendAudit, IdempotencyKey)] == [0, 0, 0]
    # Not a digit of the number's last four, even masked; a request id (32 hex digits, random)
    # may hold any four digits, so ids are left out of what is read.
    assert "4285" not in re.sub(r"[0-9a-f]{32}", "", caplog.text)


@pytest.mark.parametrize(
    "field",
    [
        {"body_markdown": "Nummer 070761\u200b-4285 noteret."},  # zero-width space
        {"body_markdown": "Nummer 07.07.61-4285 noteret."},
        {"body_markdown": "Nummer 070761-\n4285 noteret."},
        {"body_markdown": "Nummer ٠٧٠٧٦١-٤٢٨٥ noteret."},  # Arabic-Indic digits
        {"subject": "Vedr. 070761\u2060 - 4285"},  # word joiner
        {"subject": "Vedr. 07/07/61-4285"},
        {"citizen_name": "Jens 0707\u00ad61_4285"},  # soft hyphen
        {"citizen_name": "Jens \ufeff0 7 0 7 6 1 4 2 8 5"},  # BOM, spaced digits
        {"to": "070761.4285@example.dk"},
    ],
    ids=["zwsp", "dotted", "line-break", "arabic-indic", "wj", "slashes", "shy", "spaced", "to"],
)
def test_a_disguised_cpr_number_is_refused_in_every_field_and_nothing_is_stored(
    field: dict[str, str], client: TestClient, auth_headers: Headers, session: Session
) -> None:
    response = client.post(
        "/api/v1/replies", json=body(**field), headers=auth_headers["agent.odense"]
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/cpr-number-in-reply"
    assert [count(session, model) for model in (Reply, SendAudit, IdempotencyKey)] == [0, 0, 0]


def test_a_reply_for_an_unknown_municipality_is_not_found(
    client: TestClient, auth_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/replies", json=body(municipality="0999"), headers=auth_headers["agent.odense"]
    )
    assert response.status_code == 404
