"""JSON log lines with a request id that follows a reply from the request into the worker."""

import json

from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import Settings
from hotline.replies.models import Reply
from tests.mail.sink import SmtpSink
from tests.observability.conftest import JsonLines
from tests.replies.conftest import deliver, reply_request


def test_every_response_carries_a_request_id_and_a_callers_acceptable_id_is_kept(
    client: TestClient,
) -> None:
    made = client.get("/health").headers["X-Request-ID"]
    other = client.get("/health").headers["X-Request-ID"]
    assert len(made) == 32 and made != other
    kept = client.get("/health", headers={"X-Request-ID": "lb-7f3a9c01"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c01"
    refused = client.get("/health", headers={"X-Request-ID": "x" * 200})
    assert refused.headers["X-Request-ID"] != "x" * 200


def test_the_request_id_is_stored_with_the_reply_and_carried_into_the_workers_lines(
    client: TestClient,
    settings: Settings,
    auth_headers: dict[str, dict[str, str]],
    smtp_sink: SmtpSink,
    session: Session,
    json_logs: JsonLines,
) -> None:
    response = client.post(
        "/api/v1/replies",
        json=reply_request().model_dump(mode="json"),
        headers={**auth_headers["agent.odense"], "X-Request-ID": "req-0123456789"},
    )
    assert response.status_code == 202, response.text
    assert response.headers["X-Request-ID"] == "req-0123456789"
    reply = session.get_one(Reply, response.json()["id"])
    assert reply.request_id == "req-0123456789"

    deliver(settings, smtp_url=smtp_sink.url)

    events = [json.loads(line) for line in json_logs.lines()]
    delivered = [event for event in events if event["event"] == "delivered"]
    assert delivered == [
        {
            **delivered[0],
            "request_id": "req-0123456789",
            "reply_id": reply.id,
            "level": "info",
            "logger": "hotline.replies.worker",
        }
    ]
    access = [event for event in events if event.get("logger") == "hotline.access"]
    assert {"route": "/api/v1/replies", "status": 202, "request_id": "req-0123456789"}.items() <= (
        access[0].items()
    )


def test_an_unexpected_error_answers_and_logs_with_its_request_id(
    settings: Settings, json_logs: JsonLines
) -> None:
    app = create_app(settings)
    boom = APIRouter()

    @boom.get("/boom")
    def _explode() -> None:
        raise RuntimeError("boom")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "req-boom-0001"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-boom-0001"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    events = [json.loads(line) for line in json_logs.lines()]
    errors = [event for event in events if event["level"] == "error"]
    assert errors and errors[0]["request_id"] == "req-boom-0001"
    assert "RuntimeError: boom" in errors[0]["exception"]


def test_access_log_is_off_by_default_in_production() -> None:
    production = Settings(environment="production", secret_key="x" * 40)
    assert not production.writes_access_log
    assert Settings().writes_access_log
    assert Settings(
        environment="production", secret_key="x" * 40, access_log=True
    ).writes_access_log
