"""Schemathesis against /openapi.json as an agent and as an operator: no input, however odd,
is a server error, and every response matches what the document declares (status, content
type, body). Bounded: a few examples per operation, well under three minutes on CI."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine, select

from hotline.app import create_app
from hotline.auth.models import User
from hotline.auth.service import issue_token
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("HOTLINE_SCHEMATHESIS_EXAMPLES", "12"))
# Signing out would end the very token the run uses; it is tested in tests/auth.
SKIPPED_OPERATIONS = ("/api/v1/auth/logout",)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _operations(settings_: Settings) -> Iterator[Any]:
    app = create_app(settings_)
    with TestClient(app):  # runs the lifespan: engine and sessions for every call below
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path not in SKIPPED_OPERATIONS:
                yield operation


def _fresh_token(settings_: Settings, engine: Engine, email: str) -> dict[str, str]:
    """Generated cases may deactivate the account or change its password (which ends its
    tokens): each case runs as the account restored and with a token minted for it."""
    with transaction(make_sessionmaker(engine)) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        user.active = True
        session.flush()
        token = issue_token(settings_, user).token
    return {"Authorization": f"Bearer {token}"}


def _explore(settings_: Settings, engine: Engine, email: str) -> None:
    """Every operation with MAX_EXAMPLES generated cases; all failures reported together."""
    failures: list[str] = []
    calls: list[str] = []
    for operation in _operations(settings_):

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            calls.append(case.operation.label)
            headers = {**(case.headers or {}), **_fresh_token(settings_, engine, email)}
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert len(set(calls)) >= 40, f"only {len(set(calls))} operations were exercised"


def test_the_api_as_an_operator(settings: Settings, engine: Engine, demo_users: dict) -> None:
    _explore(settings, engine, "operator@hotline.example")


def test_the_api_as_an_agent(settings: Settings, engine: Engine, demo_users: dict) -> None:
    _explore(settings, engine, "agent.aarhus@hotline.example")
