"""Odd paths get a Danish error page, never a server error."""

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import SignIn

HUGE = "99999999999999999999"  # beyond 64 bits


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/kommune/abc", 404),
        ("/console/kommune/abc/fakta", 404),
        (f"/console/kommune/{HUGE}", 404),
        (f"/console/svar/{HUGE}", 422),
    ],
)
def test_the_console_answers_odd_paths_with_a_danish_page(
    client: TestClient, sign_in: SignIn, path: str, status: int
) -> None:
    sign_in("operator")
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status
    assert 'lang="da"' in response.text
