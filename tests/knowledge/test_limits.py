"""Every stored knowledge-base text has a sane limit (search slowed to seconds on 5 MB bodies)."""

import pytest
from fastapi.testclient import TestClient

from hotline.knowledge.schemas import MAX_BODY_CHARS
from tests.knowledge.conftest import AARHUS

ARTICLE = {"slug": "lang", "title": "Lang", "category": "Test"}


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/api/v1/articles", "post", {**ARTICLE, "body": "x" * (MAX_BODY_CHARS + 1)}, "body.body"),
        ("/api/v1/articles", "post", {**ARTICLE, "body": "x", "tags": ["t"] * 21}, "body.tags"),
        ("/api/v1/facts", "post", {"key": "lang", "type": "text", "description": "x" * 501},
         "body.description"),
        (f"/api/v1/municipalities/{AARHUS}/overrides/pas", "put",
         {"mode": "append", "body": "x" * (MAX_BODY_CHARS + 1)}, "body.body"),
    ],
    ids=["article-body", "tags", "fact-description", "override-body"],
)  # fmt: skip
def test_stored_texts_have_limits(
    client: TestClient, auth_headers, kb, path: str, method: str, body: dict, field: str
) -> None:
    headers = auth_headers["admin.aarhus" if "overrides" in path else "editor"]
    response = getattr(client, method)(path, json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_an_article_at_the_limit_is_accepted(client: TestClient, auth_headers, kb) -> None:
    article = {**ARTICLE, "body": "ord " * (MAX_BODY_CHARS // 4)}
    assert len(article["body"]) == MAX_BODY_CHARS
    response = client.post("/api/v1/articles", json=article, headers=auth_headers["editor"])
    assert response.status_code == 201
