"""The request body as a whole has a limit: refused with a clear error (413 problem+json on the
API, a Danish page in the console) before it is read."""

from fastapi.testclient import TestClient

ARTICLE = {"slug": "lang", "title": "Lang", "category": "Test"}


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(
    client: TestClient, auth_headers
) -> None:
    huge = {**ARTICLE, "body": "ord " * 1_300_000}  # ~5 MB
    response = client.post("/api/v1/articles", json=huge, headers=auth_headers["editor"])
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/request-too-large"
    assert "1000000 bytes" in response.json()["detail"]


def test_a_chunked_body_is_stopped_once_it_passes_the_limit(
    client: TestClient, auth_headers
) -> None:
    chunks = iter([b'{"slug": "lang", "body": "', b"x" * 1_100_000, b'"}'])
    response = client.post(
        "/api/v1/articles",
        content=chunks,
        headers={**auth_headers["editor"], "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/request-too-large"


def test_the_console_answers_an_oversized_form_in_danish(client: TestClient) -> None:
    response = client.post("/console/login", data={"email": "x" * 1_100_000})
    assert response.status_code == 413
    assert "Det sendte er for stort" in response.text and 'lang="da"' in response.text
