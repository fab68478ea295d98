from datetime import date, timedelta

from fastapi.testclient import TestClient

from hotline.demo import DEMO_PASSWORD
from tests.authz import Case, Role, Target, Visibility, roles


def _closed_phone_contact(target: Target) -> int:
    """A phone contact agent.aarhus opened and closed in the target municipality."""
    client: TestClient = target.client
    token = client.post(
        "/api/v1/auth/token",
        data={"username": "agent.aarhus@hotline.example", "password": DEMO_PASSWORD},
    ).json()["access_token"]
    agent = {"Authorization": f"Bearer {token}"}
    opened = client.post(
        "/api/v1/contacts",
        json={"municipality": target.municipality, "channel": "phone"},
        headers=agent,
    )
    assert opened.status_code == 201, opened.text
    contact_id = opened.json()["id"]
    closed = client.post(
        f"/api/v1/contacts/{contact_id}/close",
        json={"outcome": "answered"},
        headers={**agent, "If-Match": opened.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.text
    return int(contact_id)


def _survey_email(target: Target) -> tuple[str, dict]:
    contact_id = _closed_phone_contact(target)
    return f"/api/v1/contacts/{contact_id}/survey-email", {
        "json": {"citizen_agreed": True, "email": "b@example.dk"}
    }


def _open_round(target: Target) -> tuple[str, dict]:
    closes = (date.today() + timedelta(days=14)).isoformat()
    return "/api/v1/feedback-rounds", {"json": {"title": "Runde", "closes_on": closes}}


def _answer_round(target: Target) -> tuple[str, dict]:
    path, request = _open_round(target)
    opened = target.client.post(path, headers=target.operator_headers, **request)
    assert opened.status_code == 201, opened.text
    return f"/api/v1/feedback-rounds/{opened.json()['id']}/answer", {
        "json": {"quality_of_answers": 4, "quality_of_forwards": 4, "cooperation": 4}
    }


def _report(target: Target) -> tuple[str, dict]:
    return "/api/v1/satisfaction-reports", {
        "params": {"from": "2026-01-01", "to": "2026-01-31", "municipality": target.municipality}
    }


CASES = [
    Case(
        "POST",
        "/api/v1/contacts/{contact_id}/survey-email",
        allowed_anywhere=roles(Role.AGENT),
        build=_survey_email,
        refused_with=404,  # another agent's contact does not exist to anyone else
    ),
    Case(
        "POST", "/api/v1/feedback-rounds", allowed_anywhere=roles(Role.OPERATOR), build=_open_round
    ),
    Case(
        "PUT",
        "/api/v1/feedback-rounds/{round_id}/answer",
        allowed_anywhere=roles(Role.MUNICIPALITY_ADMIN),  # always for their own municipality
        build=_answer_round,
    ),
    Case(
        "GET",
        "/api/v1/satisfaction-reports",
        allowed_anywhere=roles(Role.OPERATOR, Role.SUPERVISOR, Role.AGENT),  # agents: own rows
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_report,
    ),
    Case(
        "GET",
        "/api/v1/feedback-reports",
        allowed_anywhere=roles(Role.OPERATOR, Role.SUPERVISOR, Role.MUNICIPALITY_ADMIN),
        build=lambda target: ("/api/v1/feedback-reports", {}),
    ),
    Case(
        "GET",
        "/api/v1/feedback-rounds",
        allowed_anywhere=roles(Role.OPERATOR, Role.SUPERVISOR, Role.MUNICIPALITY_ADMIN),
        build=lambda target: ("/api/v1/feedback-rounds", {}),
    ),
]

READS = {
    "/api/v1/satisfaction-reports": Visibility.RESTRICTED,
    "/api/v1/feedback-reports": Visibility.RESTRICTED,
    "/api/v1/feedback-rounds": Visibility.RESTRICTED,
}
