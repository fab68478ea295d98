"""Every mutating endpoint x every role x own/foreign municipality."""

import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from tests.authz import (
    ACCOUNT_FOR_ROLE,
    FOREIGN_MUNICIPALITY,
    OWN_MUNICIPALITY,
    Case,
    Role,
    Target,
)

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
UNAUTHENTICATED = {("POST", "/api/v1/auth/token")}


def _all_cases() -> list[Case]:
    tests_dir = Path(__file__).resolve().parent.parent
    cases: list[Case] = []
    for module_file in sorted(tests_dir.glob("*/authz.py")):
        module = importlib.import_module(f"tests.{module_file.parent.name}.authz")
        cases.extend(module.CASES)
    return cases


CASES = _all_cases()


def test_every_mutating_api_route_has_a_matrix_case() -> None:
    app = create_app(Settings(secret_key="x" * 32))
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
        if method.upper() in MUTATING
    }
    covered = {(case.method, case.route) for case in CASES if case.method in MUTATING}
    assert routes - UNAUTHENTICATED - covered == set(), "add these routes to a tests/*/authz.py"
    assert covered - routes == set(), "these matrix cases name routes that do not exist"


@pytest.mark.parametrize("own", [True, False], ids=["own", "foreign"])
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.route} [{c.build.__name__}]")
def test_role_may_act_only_where_permitted(
    case: Case,
    role: Role,
    own: bool,
    client: TestClient,
    auth_headers: dict[str, dict[str, str]],
) -> None:
    target = Target(
        municipality=OWN_MUNICIPALITY if own else FOREIGN_MUNICIPALITY,
        client=client,
        headers=auth_headers[ACCOUNT_FOR_ROLE[role]],
        operator_headers=auth_headers["operator"],
    )
    path, request = case.build(target)
    headers = {**target.headers, **request.pop("headers", {})}
    response = client.request(case.method, path, headers=headers, **request)
    if case.allowed(role, own):
        assert response.status_code < 400, response.text
    else:
        assert response.status_code == case.refused_with, response.text
        assert response.headers["content-type"] == "application/problem+json"
