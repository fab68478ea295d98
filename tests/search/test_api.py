"""``GET /api/v1/search`` and ``GET /api/v1/search/gaps`` as clients call them."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.kit.time import today
from tests.search.conftest import AARHUS, FREDERIKSBERG, ODENSE


def test_search_answers_with_resolved_results_facets_and_suggestion(
    corpus: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.get(
        "/api/v1/search",
        params={"q": "saltbil ruteplan", "municipality": "751"},
        headers=auth_headers["agent.odense"],  # agents search for any municipality
    )
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "saltbil ruteplan"
    assert (body["municipality"], body["member"], body["total"]) == (AARHUS, True, 1)
    assert body["total_relation"] == "eq"
    assert body["facets"] == {"Trafik": 1}
    assert body["suggestion"] is None
    [result] = body["results"]
    assert result["slug"] == "snerydning"
    assert result["title"] == "Snerydning og glatførebekæmpelse"
    assert result["source"] == "override"
    assert result["stale"] is False
    assert "<mark>saltbil</mark>" in result["snippet"]
    assert result["score"] > 0


def test_paging_and_category_filter(
    corpus: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    params = {"q": "kommunen rydder zonen sundhedskort", "municipality": ODENSE, "limit": 1}
    first = client.get("/api/v1/search", params=params, headers=auth_headers["agent.aarhus"])
    second = client.get(
        "/api/v1/search", params={**params, "offset": 1}, headers=auth_headers["agent.aarhus"]
    )
    assert first.json()["total"] == second.json()["total"] == 3
    assert len(first.json()["results"]) == len(second.json()["results"]) == 1
    assert first.json()["results"][0]["slug"] != second.json()["results"][0]["slug"]
    only = client.get(
        "/api/v1/search",
        params={**params, "category": "Sundhed", "limit": 10},
        headers=auth_headers["agent.aarhus"],
    ).json()
    assert [hit["slug"] for hit in only["results"]] == ["sundhedskort-nyt"]


def test_non_member_municipalities_say_so(
    corpus: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    body = client.get(
        "/api/v1/search",
        params={"q": "ruteplan", "municipality": FREDERIKSBERG},
        headers=auth_headers["agent.aarhus"],
    ).json()
    assert body["member"] is False
    assert [hit["slug"] for hit in body["results"]] == ["snerydning"]


def test_bad_requests_are_problems(
    corpus: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    headers = auth_headers["agent.aarhus"]
    assert (
        client.get("/api/v1/search", params={"q": "x", "municipality": AARHUS}).status_code == 401
    )
    unknown = client.get(
        "/api/v1/search", params={"q": "pas", "municipality": "9999"}, headers=headers
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    for params in (
        {"q": "", "municipality": AARHUS},
        {"q": "pas"},
        {"q": "pas", "municipality": AARHUS, "limit": 0},
        {"q": "pas", "municipality": AARHUS, "limit": 51},
        {"q": "x" * 201, "municipality": AARHUS},
    ):
        assert client.get("/api/v1/search", params=params, headers=headers).status_code == 422


def test_knowledge_gaps_are_listed_for_editors_and_operators_only(
    corpus: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    for _ in range(2):
        client.get(
            "/api/v1/search",
            params={"q": "Hvalrosser", "municipality": AARHUS},
            headers=auth_headers["agent.aarhus"],
        )
    for account in ("editor", "operator"):
        response = client.get("/api/v1/search/gaps", headers=auth_headers[account])
        assert response.status_code == 200
        [gap] = response.json()
        assert (gap["query"], gap["municipality_code"], gap["count"]) == ("hvalrosser", AARHUS, 2)
    assert (
        client.get(
            "/api/v1/search/gaps", params={"municipality": ODENSE}, headers=auth_headers["editor"]
        ).json()
        == []
    )
    for account in ("agent.aarhus", "admin.aarhus"):
        assert client.get("/api/v1/search/gaps", headers=auth_headers[account]).status_code == 403


def test_knowledge_gaps_since_a_day_without_a_zone_start_at_danish_midnight(
    corpus: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    client.get(
        "/api/v1/search",
        params={"q": "Hvalrosser", "municipality": AARHUS},
        headers=auth_headers["agent.aarhus"],
    )
    editor = auth_headers["editor"]

    def gaps(since: str) -> int:
        response = client.get("/api/v1/search/gaps", params={"since": since}, headers=editor)
        assert response.status_code == 200, response.text
        return len(response.json())

    assert gaps(today().isoformat()) == 1
    assert gaps(f"{today().isoformat()}T00:00:00") == 1
    assert gaps((today() + timedelta(days=1)).isoformat()) == 0
    beyond = client.get("/api/v1/search/gaps", params={"since": "9999-12-31"}, headers=editor)
    assert beyond.status_code == 422
