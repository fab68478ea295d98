"""Input schemathesis found to cause server errors: each is now a clear 4xx (problem+json on
the API, a Danish page in the console), never a 500 or a dropped connection."""

import time

import pytest
from fastapi.testclient import TestClient

HUGE = "99999999999999999999"  # beyond 64 bits


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/replies/{HUGE}"),
        ("get", f"/api/v1/reply-templates/{HUGE}"),
        ("delete", f"/api/v1/reply-templates/{HUGE}"),
        ("patch", f"/api/v1/users/{HUGE}"),
        ("get", f"/api/v1/articles/pas/diff?from={HUGE}"),
        ("get", "/api/v1/replies/-1"),
        ("get", f"/api/v1/replies/{2**31}"),  # beyond PostgreSQL's INTEGER keys
        ("get", f"/api/v1/reply-templates/{2**31}"),
    ],
)
def test_integers_beyond_64_bits_are_invalid_input(
    client: TestClient, auth_headers, method: str, path: str
) -> None:
    kwargs = {"json": {"full_name": "x"}} if method == "patch" else {}
    response = getattr(client, method)(path, headers=auth_headers["operator"], **kwargs)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/api/v1/municipalities/abc", "/api/v1/municipalities/abc/articles/pas"]
)
def test_a_non_numeric_municipality_code_is_not_found(
    client: TestClient, auth_headers, path: str
) -> None:
    response = client.get(path, headers=auth_headers["operator"])
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "value", ["{{ telefon }}", "1e28", 1e28, "1e100000000", "kr. 1,600"], ids=str
)
def test_fact_values_that_used_to_fail_are_refused_quickly(
    client: TestClient, auth_headers, municipalities, value: object
) -> None:
    operator = auth_headers["operator"]
    for key, kind in (("navn", "text"), ("gebyr", "money")):
        fact = {"key": key, "description": key, "type": kind}
        assert client.post("/api/v1/facts", json=fact, headers=operator).status_code == 201
    key = "navn" if str(value).startswith("{") else "gebyr"
    started = time.perf_counter()
    response = client.put(
        f"/api/v1/municipalities/0751/facts/{key}", json={"value": value}, headers=operator
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert time.perf_counter() - started < 1


def test_a_nul_character_is_invalid_input_on_both_databases_and_nothing_is_kept(
    client: TestClient, auth_headers
) -> None:
    """PostgreSQL text cannot hold NUL characters (SQLite stored them): refused before either
    database sees one, with the field named (tests/test_inputs.py covers every input)."""
    article = {"slug": "nul", "title": "Nul", "category": "Test", "body": "a\u0000b"}
    response = client.post("/api/v1/articles", json=article, headers=auth_headers["editor"])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "body.body" and "NUL character" in error["message"]
    assert client.get("/api/v1/articles/nul", headers=auth_headers["editor"]).status_code == 404


FAR = "9999-12-31"  # the last day Python has: the day after it was a 500


@pytest.mark.parametrize(
    ("account", "method", "path", "body"),
    [
        ("operator", "post", "/api/v1/feedback-rounds", {"title": "x", "closes_on": FAR}),
        ("operator", "put", f"/api/v1/contact-prices/{FAR}", {"price_per_contact": "10"}),
        ("operator", "get", f"/api/v1/contact-reports?from=2026-01-01&to={FAR}", None),
        ("operator", "get", f"/api/v1/contact-reports?from={FAR}&to={FAR}", None),
        ("operator", "get", f"/api/v1/satisfaction-reports?from={FAR}&to={FAR}", None),
        ("operator", "get", f"/api/v1/contact-statements/0751/{FAR}", None),
        ("operator", "get", f"/api/v1/municipalities/0751/articles?at={FAR}", None),
        ("operator", "get", "/api/v1/municipalities/0751/articles?at=0001-01-01", None),
        (
            "editor",
            "post",
            "/api/v1/articles",
            {"slug": "far", "title": "Far", "category": "Test", "body": "x", "valid_to": FAR},
        ),
        (
            "editor",
            "post",
            "/api/v1/meetings/types",
            {
                "slug": "far",
                "title": "Far",
                "duration_minutes": 30,
                "channel": "phone",
                "closed_days": [FAR],
            },
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else None,
)
def test_a_day_beyond_the_years_reckoned_with_is_invalid_input(
    client: TestClient, auth_headers, municipalities, account, method, path, body
) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = client.request(method.upper(), path, headers=auth_headers[account], **kwargs)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {error["code"] for error in response.json()["errors"]} == {"date_out_of_range"}
