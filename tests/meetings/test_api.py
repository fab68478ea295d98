"""The JSON side: editors define and change types (ETag/If-Match), admins override for their
municipality, anyone reads the free slots, the numbers come as JSON or Danish CSV."""

from fastapi.testclient import TestClient

from tests.meetings.conftest import type_data


def test_editors_define_types_and_changes_need_the_current_etag(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    body = type_data().model_dump(mode="json")
    refused = client.post("/api/v1/meetings/types", json=body, headers=auth_headers["agent.aarhus"])
    assert refused.status_code == 403
    created = client.post("/api/v1/meetings/types", json=body, headers=auth_headers["editor"])
    assert created.status_code == 201 and created.headers["ETag"] == '"meeting-type-v1"'
    type_id = created.json()["id"]
    changed = {**body, "duration_minutes": 45}
    url = f"/api/v1/meetings/types/{type_id}"
    assert client.put(url, json=changed, headers=auth_headers["editor"]).status_code == 428
    stale = {**auth_headers["editor"], "If-Match": '"meeting-type-v0"'}
    assert client.put(url, json=changed, headers=stale).status_code == 412
    fresh = {**auth_headers["editor"], "If-Match": created.headers["ETag"]}
    updated = client.put(url, json=changed, headers=fresh)
    assert updated.status_code == 200 and updated.json()["duration_minutes"] == 45

    bad = {
        **body,
        "slug": "andet",
        "questions": [{"key": "x", "label": "Vælg", "kind": "single_choice"}],
    }
    assert (
        client.post("/api/v1/meetings/types", json=bad, headers=auth_headers["editor"]).status_code
        == 422
    )


def test_opening_windows_may_touch_but_not_overlap_and_a_day_has_a_few(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    """Overlapping windows offered the same times twice; thousands of copies of one window made
    a year's slot listing take seconds and tens of megabytes."""
    editor = auth_headers["editor"]
    body = type_data().model_dump(mode="json")
    refused = [
        {"0": [["09:00", "12:00"], ["10:00", "13:00"]]},
        {"0": [["13:00", "15:00"], ["09:00", "13:30"]]},  # in any order
        {"0": [["09:00", "12:00"], ["09:00", "12:00"]]},
        {"0": [[f"{hour:02}:00", f"{hour:02}:30"] for hour in range(8, 17)]},  # nine
    ]
    for hours in refused:
        response = client.post(
            "/api/v1/meetings/types", json={**body, "opening_hours": hours}, headers=editor
        )
        assert response.status_code == 422, (hours, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    touching = {"0": [["09:00", "12:00"], ["12:00", "15:00"]]}
    created = client.post(
        "/api/v1/meetings/types", json={**body, "opening_hours": touching}, headers=editor
    )
    assert created.status_code == 201, created.text
    slots = client.get("/api/v1/meetings/slots/0751/folkepension?days=30").json()
    starts = [slot["starts_at"] for slot in slots]
    assert starts and len(starts) == len(set(starts))


def test_admins_hide_a_type_for_their_own_municipality_only(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    body = type_data().model_dump(mode="json")
    type_id = client.post(
        "/api/v1/meetings/types", json=body, headers=auth_headers["editor"]
    ).json()["id"]
    assert client.get("/api/v1/meetings/slots/0751/folkepension?days=7").status_code == 200
    hide = {"hidden": True}
    own = client.put(f"/api/v1/meetings/types/{type_id}/municipalities/0751", json=hide,
                     headers=auth_headers["admin.aarhus"])  # fmt: skip
    assert own.status_code == 204
    foreign = client.put(f"/api/v1/meetings/types/{type_id}/municipalities/0101", json=hide,
                         headers=auth_headers["admin.aarhus"])  # fmt: skip
    assert foreign.status_code == 403
    assert client.get("/api/v1/meetings/slots/0751/folkepension").status_code == 404
    assert client.get("/api/v1/meetings/slots/0101/folkepension").status_code == 200


def test_an_unknown_municipality_is_not_found_never_a_server_error(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    """An operator may act for any code, so only the register tells an unknown one (found by
    schemathesis: the insert broke the foreign key)."""
    body = type_data().model_dump(mode="json")
    type_id = client.post(
        "/api/v1/meetings/types", json=body, headers=auth_headers["editor"]
    ).json()["id"]
    path = f"/api/v1/meetings/types/{type_id}/municipalities/9999"
    put = client.put(path, json={"hidden": True}, headers=auth_headers["operator"])
    assert put.status_code == 404, put.text
    assert put.headers["content-type"] == "application/problem+json"
    assert put.json()["detail"] == "No municipality 9999."
    got = client.get(path, headers=auth_headers["operator"])
    assert (got.status_code, got.json()["detail"]) == (404, "No municipality 9999.")
    known = f"/api/v1/meetings/types/{type_id}/municipalities/0751"
    assert (
        client.put(known, json={"hidden": True}, headers=auth_headers["operator"]).status_code
        == 204
    )


def test_the_numbers_come_as_json_or_danish_csv(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    query = "from=2026-11&to=2026-12"
    assert (
        client.get(f"/api/v1/meetings/reports?{query}", headers=auth_headers["supervisor"]).json()
        == []
    )
    csv = client.get(
        f"/api/v1/meetings/start-report?{query}&format=csv", headers=auth_headers["supervisor"]
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeffstart i forhold til tiden;møder".encode())
    agent = client.get(f"/api/v1/meetings/reports?{query}", headers=auth_headers["agent.aarhus"])
    assert agent.status_code == 403
