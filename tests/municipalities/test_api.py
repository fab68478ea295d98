"""The municipalities and postcodes API as agents, admins and operators use it."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import Settings
from hotline.municipalities.service import import_postcodes
from tests.municipalities.test_loading import _postnord


def test_list_filters_by_membership_and_searches_names(client: TestClient, auth_headers) -> None:
    agent = auth_headers["agent.odense"]
    everyone = client.get("/api/v1/municipalities", headers=agent).json()
    members = client.get("/api/v1/municipalities?member=true", headers=agent).json()
    assert len(everyone) == 98
    assert all(m["member"] for m in members) and len(members) < 98

    found = client.get("/api/v1/municipalities?q=aar", headers=agent).json()
    assert {m["code"] for m in found} >= {"0751"}
    by_code = client.get("/api/v1/municipalities?q=751", headers=agent).json()
    assert [m["code"] for m in by_code] == ["0751"]


def test_get_accepts_short_codes_and_404s_unknown_ones(client: TestClient, auth_headers) -> None:
    agent = auth_headers["agent.aarhus"]
    assert client.get("/api/v1/municipalities/751", headers=agent).json()["name"] == (
        "Aarhus Kommune"
    )
    missing = client.get("/api/v1/municipalities/9999", headers=agent)
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"


def test_an_edit_through_another_process_shows_in_the_kept_register_entry(
    client: TestClient, settings: Settings, auth_headers
) -> None:
    """Once a process has built its search index, it keeps each register entry beside it (no
    query per agent's screen) and forgets it when the change log names the municipality: an
    edit another process committed shows once the index has looked (every 0.2 s; the wait is
    only a bound against a loaded test machine)."""
    agent, admin = auth_headers["agent.aarhus"], auth_headers["admin.aarhus"]
    search = {"q": "pas", "municipality": "0751"}
    assert client.get("/api/v1/search", params=search, headers=agent).is_success
    url = "/api/v1/municipalities/0751"
    assert client.get(url, headers=agent).json()["phone"] == "+45 89 40 20 00"

    with TestClient(create_app(settings)) as other_process:
        edited = other_process.patch(url, json={"phone": "+45 89 40 20 02"}, headers=admin)
        assert edited.is_success
    started = time.monotonic()
    phone = client.get(url, headers=agent).json()["phone"]
    while phone != "+45 89 40 20 02" and time.monotonic() - started < 5:
        time.sleep(0.02)
        phone = client.get(url, headers=agent).json()["phone"]
    assert phone == "+45 89 40 20 02"


def test_admin_updates_own_contact_columns_only(client: TestClient, auth_headers) -> None:
    admin = auth_headers["admin.aarhus"]
    updated = client.patch(
        "/api/v1/municipalities/0751",
        json={"phone": "+45 89 40 20 01", "website": "https://aarhus.dk/borger"},
        headers=admin,
    )
    assert updated.status_code == 200
    assert updated.json()["phone"] == "+45 89 40 20 01"

    membership = client.patch("/api/v1/municipalities/0751", json={"member": False}, headers=admin)
    assert membership.status_code == 403
    foreign = client.patch("/api/v1/municipalities/0461", json={"phone": "+45 1"}, headers=admin)
    assert foreign.status_code == 403
    assert client.get("/api/v1/municipalities/0751", headers=admin).json()["member"] is True


def test_invalid_update_lists_the_failing_fields(client: TestClient, auth_headers) -> None:
    response = client.patch(
        "/api/v1/municipalities/0751",
        json={"sender_email": "nope", "phone": "call us", "colour": "red"},
        headers=auth_headers["operator"],
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"body.sender_email", "body.phone", "body.colour"}


def test_postcode_lookup_returns_every_candidate(
    client: TestClient, session: Session, auth_headers, tmp_path
) -> None:
    shared_postcode = ["101;2000;Frederiksberg", "147;2000;Frederiksberg"]
    import_postcodes(session, _postnord(tmp_path / "p.csv", shared_postcode))
    session.commit()
    agent = auth_headers["agent.aarhus"]
    body = client.get("/api/v1/postcodes/2000", headers=agent).json()
    assert [(c["code"], c["member"]) for c in body["municipalities"]] == [
        ("0147", False),
        ("0101", True),
    ]
    assert client.get("/api/v1/postcodes/9999", headers=agent).status_code == 404
    assert client.get("/api/v1/postcodes/20", headers=agent).status_code == 422


def test_account_list_is_scoped(client: TestClient, auth_headers) -> None:
    def emails(account: str) -> set[str]:
        response = client.get("/api/v1/users", headers=auth_headers[account])
        return {user["email"].split("@")[0] for user in response.json()}

    assert len(emails("operator")) == 7
    assert emails("admin.kobenhavn") == {"admin.kobenhavn"}
    assert emails("agent.aarhus") == set()


def test_a_sender_address_must_lie_in_the_municipalitys_own_email_domain(
    client: TestClient, auth_headers
) -> None:
    admin = auth_headers["admin.kobenhavn"]
    path = "/api/v1/municipalities/0101"
    before = client.get(path, headers=admin).json()
    foreign = client.patch(path, json={"sender_email": "borgerservice@aarhus.dk"}, headers=admin)
    assert foreign.status_code == 422
    assert foreign.headers["content-type"] == "application/problem+json"
    assert before["email_domain"] in foreign.json()["detail"]
    lookalike = client.patch(path, json={"sender_email": "x@evil-kk.dk"}, headers=admin)
    assert lookalike.status_code == 422
    assert client.get(path, headers=admin).json()["sender_email"] == before["sender_email"]
    own = client.patch(path, json={"sender_email": f"svar@{before['email_domain']}"}, headers=admin)
    assert own.status_code == 200
    operator = auth_headers["operator"]
    moved = client.patch(
        path,
        json={"email_domain": "kk.example", "sender_email": "svar@post.kk.example"},
        headers=operator,
    )
    assert moved.status_code == 200
    assert (
        client.patch(path, json={"email_domain": "aarhus.dk"}, headers=operator).status_code == 422
    )


@pytest.mark.parametrize("field", ["phone", "member", "sender_email", "website", "locale"])
def test_null_cannot_clear_a_column(client: TestClient, auth_headers, field: str) -> None:
    path = "/api/v1/municipalities/0751"
    before = client.get(path, headers=auth_headers["operator"]).json()
    response = client.patch(path, json={field: None}, headers=auth_headers["operator"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == f"body.{field}"
    assert client.get(path, headers=auth_headers["operator"]).json() == before


@pytest.mark.parametrize("code", ["abc", "99999999999999999999", "07 51", "-1"])
def test_a_code_that_is_not_digits_is_not_found(
    client: TestClient, auth_headers, code: str
) -> None:
    response = client.get(f"/api/v1/municipalities/{code}", headers=auth_headers["agent.aarhus"])
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
