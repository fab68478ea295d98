"""The contacts API: ETag/If-Match, problem+json, CSV and JSON exports."""

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.contacts.conftest import OpenContact


def test_open_correct_and_close_with_etags(client: TestClient, auth_headers) -> None:
    agent = auth_headers["agent.aarhus"]
    opened = client.post(
        "/api/v1/contacts", json={"municipality": "0461", "channel": "email"}, headers=agent
    )
    assert opened.status_code == 201, opened.text
    contact_id, etag = opened.json()["id"], opened.headers["ETag"]
    path = f"/api/v1/contacts/{contact_id}"

    missing = client.patch(path, json={"topic": "Pas"}, headers=agent)
    assert missing.status_code == 428
    corrected = client.patch(path, json={"topic": "Pas"}, headers={**agent, "If-Match": etag})
    assert corrected.status_code == 200 and corrected.json()["topic"] == "Pas"
    stale = client.post(
        f"{path}/close", json={"outcome": "answered"}, headers={**agent, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    closed = client.post(
        f"{path}/close",
        json={"outcome": "answered"},
        headers={**agent, "If-Match": corrected.headers["ETag"]},
    )
    assert closed.status_code == 200 and closed.json()["outcome"] == "answered"
    again = client.post(
        f"{path}/close",
        json={"outcome": "dropped"},
        headers={**agent, "If-Match": closed.headers["ETag"]},
    )
    assert again.status_code == 409


# The writes that name the version they change: (method, path after the contact's, body).
VERSIONED_WRITES = {
    "correct": ("PATCH", "", {"note": "x"}),
    "close": ("POST", "/close", {"outcome": "answered"}),
    "forward": ("POST", "/forward", {"question": "Hvornår?", "action_taken": "Forklarede"}),
}


@pytest.mark.parametrize("write", VERSIONED_WRITES.values(), ids=VERSIONED_WRITES.keys())
def test_a_stale_if_match_gets_the_etag_the_contact_is_read_with_and_that_one_works(
    client: TestClient, auth_headers, write: tuple[str, str, dict]
) -> None:
    method, action, body = write
    agent = auth_headers["agent.aarhus"]
    opened = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent)
    path = f"/api/v1/contacts/{opened.json()['id']}"
    stale = {**agent, "If-Match": opened.headers["ETag"]}
    assert client.patch(path, json={"topic": "Pas"}, headers=stale).status_code == 200
    refused = client.request(method, path + action, json=body, headers=stale)
    assert refused.status_code == 412, refused.text
    assert refused.headers["ETag"] == client.get(path, headers=agent).headers["ETag"]
    retried = client.request(
        method, path + action, json=body, headers={**agent, "If-Match": refused.headers["ETag"]}
    )
    assert retried.is_success, retried.text


@pytest.mark.parametrize("write", VERSIONED_WRITES.values(), ids=VERSIONED_WRITES.keys())
def test_if_match_star_or_a_list_naming_the_version_is_read_as_for_every_resource(
    client: TestClient, auth_headers, write: tuple[str, str, dict]
) -> None:
    method, action, body = write
    agent = auth_headers["agent.aarhus"]
    for if_match in ("*", 'W/"contact-v7", {etag}'):
        opened = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent)
        path = f"/api/v1/contacts/{opened.json()['id']}" + action
        headers = {**agent, "If-Match": if_match.format(etag=opened.headers["ETag"])}
        response = client.request(method, path, json=body, headers=headers)
        assert response.is_success, (if_match, response.text)


def test_another_agents_contact_does_not_exist_to_a_writer_whatever_their_role(
    client: TestClient, auth_headers
) -> None:
    """A refusal naming the role and the municipality would tell that the contact exists and
    where; every write answers as the GET does, and as for an id that was never used."""
    odense = auth_headers["agent.odense"]
    opened = client.post("/api/v1/contacts", json={"municipality": "0101"}, headers=odense)
    path = f"/api/v1/contacts/{opened.json()['id']}"
    if_match = {"If-Match": opened.headers["ETag"]}
    writes = [*VERSIONED_WRITES.values(), ("POST", "/articles", {"slug": "pas"})]
    for account in ("admin.kobenhavn", "admin.aarhus", "editor", "supervisor", "operator",
                    "agent.aarhus"):  # fmt: skip
        headers = {**auth_headers[account], **if_match}
        for method, action, body in writes:
            for contact in (path, "/api/v1/contacts/999999"):
                response = client.request(method, contact + action, json=body, headers=headers)
                assert response.status_code == 404, (account, method, action, response.text)
                assert "0101" not in response.text and "role" not in response.text
    assert client.get(path, headers=auth_headers["admin.kobenhavn"]).status_code == 404
    assert client.get(path, headers=odense).json()["note"] is None


def test_recording_an_article_that_does_not_exist_is_a_404_and_records_nothing(
    client: TestClient, auth_headers
) -> None:
    agent = auth_headers["agent.aarhus"]
    opened = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent)
    path = f"/api/v1/contacts/{opened.json()['id']}"
    refused = client.post(f"{path}/articles", json={"slug": "findes-ikke"}, headers=agent)
    assert refused.status_code == 404, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(path, headers=agent).json()["articles"] == []


def test_a_too_long_note_or_a_cpr_number_is_a_clear_422(client: TestClient, auth_headers) -> None:
    agent = auth_headers["agent.aarhus"]
    opened = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent)
    path = f"/api/v1/contacts/{opened.json()['id']}"
    headers = {**agent, "If-Match": opened.headers["ETag"]}
    assert client.patch(path, json={"note": "x" * 501}, headers=headers).status_code == 422
    cpr = client.patch(path, json={"note": "cpr 010203-1234"}, headers=headers)
    assert cpr.status_code == 422 and cpr.json()["type"] == "/problems/cpr-number-in-contact"


def test_a_reply_sent_within_an_open_contact_is_linked_to_it(
    client: TestClient, auth_headers
) -> None:
    agent = auth_headers["agent.aarhus"]
    contact = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent).json()
    reply = client.post(
        "/api/v1/replies",
        json={
            "municipality": "0751",
            "to": "borger@example.dk",
            "subject": "Svar",
            "body_markdown": "Tak.",
        },
        headers=agent,
    )
    assert reply.status_code == 202, reply.text
    other = client.post(
        "/api/v1/replies",
        json={
            "municipality": "0461",
            "to": "borger@example.dk",
            "subject": "Svar",
            "body_markdown": "Tak.",
        },
        headers=agent,
    )
    from sqlalchemy import select

    from hotline.replies.models import Reply

    with client.app.state.sessionmaker() as session:
        linked = dict(session.execute(select(Reply.id, Reply.contact_id)).all())
    assert linked == {reply.json()["id"]: contact["id"], other.json()["id"]: None}


def test_report_exports_as_danish_csv_and_json(
    client: TestClient, auth_headers, open_contact: OpenContact
) -> None:
    open_contact(outcome="answered", minutes=3)
    params = {"from": "2000-01-01", "to": "2001-01-01"}
    from datetime import date, timedelta

    today = date.today()
    params = {
        "from": str(today - timedelta(days=1)),
        "to": str(today + timedelta(days=1)),
        "group_by": "outcome",
    }
    as_json = client.get(
        "/api/v1/contact-reports", params=params, headers=auth_headers["supervisor"]
    )
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["total"]["contacts"] == 1
    assert as_json.json()["rows"][0]["label"] == "besvaret"
    as_csv = client.get(
        "/api/v1/contact-reports",
        params={**params, "format": "csv"},
        headers=auth_headers["supervisor"],
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:3] == ["besvaret", "1", "1"]
    assert rows[1][3] == "180,0"
    editor = client.get("/api/v1/contact-reports", params=params, headers=auth_headers["editor"])
    assert editor.status_code == 403
    backwards = client.get(
        "/api/v1/contact-reports",
        params={"from": "2026-02-01", "to": "2026-01-01"},
        headers=auth_headers["supervisor"],
    )
    assert backwards.status_code == 422


def test_since_without_a_zone_is_danish_time(
    client: TestClient, auth_headers, open_contact: OpenContact
) -> None:
    """07:30 in Copenhagen on 1 November is 06:30 UTC; a municipal user writes 07:15."""
    open_contact(at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    agent = auth_headers["agent.aarhus"]

    def listed(since: str) -> int:
        response = client.get("/api/v1/contacts", params={"since": since}, headers=agent)
        assert response.status_code == 200, response.text
        return len(response.json())

    assert listed("2026-11-01") == 1  # from midnight Danish time
    assert listed("2026-11-02") == 0
    assert listed("2026-11-01T07:15:00") == 1
    assert listed("2026-11-01T07:45:00") == 0
    assert listed("2026-11-01T06:45:00Z") == 0  # an explicit zone is kept
    for beyond in ("9999-12-31", "0001-01-01T00:00:00"):
        response = client.get("/api/v1/contacts", params={"since": beyond}, headers=agent)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "date_out_of_range"
