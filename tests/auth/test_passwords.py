"""A password must hold a character one sees: the length rule (12 to 256) alone let twelve
spaces or twelve control characters through, the first guess of anyone who tries."""

import pytest
from fastapi.testclient import TestClient

BLANK = ["            ", "\t" * 12, "\u0001" * 12, " \n\t\r" * 3, "\u200b" * 12, "\u00a0" * 12]
BLANK_IDS = ["spaces", "tabs", "controls", "line-breaks", "zero-width", "no-break-spaces"]


def _user(password: str) -> dict[str, str]:
    return {
        "email": "ny@hotline.example",
        "full_name": "Ny",
        "role": "editor",
        "password": password,
    }


@pytest.mark.parametrize("password", BLANK, ids=BLANK_IDS)
def test_a_password_of_only_invisible_characters_is_refused(
    client: TestClient, auth_headers, password: str
) -> None:
    operator = auth_headers["operator"]
    created = client.post("/api/v1/users", json=_user(password), headers=operator)
    assert created.status_code == 422, created.text
    assert [error["code"] for error in created.json()["errors"]] == ["password_blank"]
    changed = client.patch("/api/v1/users/1", json={"password": password}, headers=operator)
    assert changed.status_code == 422
    assert [error["code"] for error in changed.json()["errors"]] == ["password_blank"]


def test_nul_characters_are_no_password_either(client: TestClient, auth_headers) -> None:
    created = client.post(
        "/api/v1/users", json=_user("\u0000" * 12), headers=auth_headers["operator"]
    )
    assert created.status_code == 422


def test_spaces_within_a_password_and_the_length_rule_stay_as_they_were(
    client: TestClient, auth_headers
) -> None:
    operator = auth_headers["operator"]
    short = client.post("/api/v1/users", json=_user("kort"), headers=operator)
    assert [error["code"] for error in short.json()["errors"]] == ["string_too_short"]
    spaced = client.post("/api/v1/users", json=_user("  en sætning  "), headers=operator)
    assert spaced.status_code == 201, spaced.text
