"""Every GET route declares who may read it, and scoped lists really go through the scope."""

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.auth import permissions
from hotline.config import Settings
from tests.auth.test_permission_matrix import CASES
from tests.authz import Visibility


def _all_reads() -> dict[str, Visibility]:
    reads: dict[str, Visibility] = {}
    for module_file in sorted(Path(__file__).resolve().parent.parent.glob("*/authz.py")):
        module = importlib.import_module(f"tests.{module_file.parent.name}.authz")
        for route, visibility in getattr(module, "READS", {}).items():
            assert route not in reads, f"{route} is declared twice"
            reads[route] = visibility
    return reads


READS = _all_reads()


def _get_routes() -> set[str]:
    app = create_app(Settings(secret_key="x" * 32))
    return {
        path
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/") and "get" in operations
    }


def test_every_get_route_declares_who_may_read_it() -> None:
    routes = _get_routes()
    assert routes - READS.keys() == set(), "declare these in a tests/*/authz.py READS"
    assert READS.keys() - routes == set(), "these READS name routes that do not exist"


def test_restricted_reads_are_checked_by_the_matrix() -> None:
    checked = {case.route for case in CASES if case.method == "GET"}
    restricted = {route for route, v in READS.items() if v is Visibility.RESTRICTED}
    assert restricted - checked == set(), "add GET Cases for these restricted routes"


@pytest.fixture
def scope_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record every call of scope_to_municipalities, however a module imported it."""
    calls: list[Any] = []
    original = permissions.scope_to_municipalities

    def spy(stmt: Any, user: Any, action: Any, column: Any) -> Any:
        calls.append(action)
        return original(stmt, user, action, column)

    for module in list(sys.modules.values()):
        if (module.__name__ or "").startswith("hotline") and getattr(
            module, "scope_to_municipalities", None
        ) is original:
            monkeypatch.setattr(module, "scope_to_municipalities", spy)
    yield calls


@pytest.mark.parametrize(
    "route", sorted(route for route, v in READS.items() if v is Visibility.SCOPED)
)
def test_scoped_lists_go_through_the_scoping_function(
    route: str, client: TestClient, auth_headers, scope_calls: list[Any]
) -> None:
    response = client.get(route, headers=auth_headers["admin.aarhus"])
    assert response.status_code == 200, response.text
    assert scope_calls, f"{route} answered without scope_to_municipalities"
    rows = response.json()
    codes = {row.get("municipality_code", row.get("municipality")) for row in rows}
    assert codes <= {"0751", None}, f"{route} showed Aarhus' admin other municipalities: {codes}"
