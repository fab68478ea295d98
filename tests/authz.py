"""Vocabulary of the authorisation matrix: one ``Case`` per mutating API endpoint.

Each domain lists its cases in ``tests/<domain>/authz.py`` as ``CASES``; the matrix test in
``tests/auth/test_permission_matrix.py`` runs every case for every role, against the role's own
municipality and a foreign one, and fails when a mutating route has no case.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fastapi.testclient import TestClient

from hotline.auth.permissions import Role

OWN_MUNICIPALITY = "0751"  # Aarhus: home of the demo agent.aarhus and admin.aarhus
FOREIGN_MUNICIPALITY = "0461"  # Odense

# Demo account per role whose home municipality is OWN_MUNICIPALITY (where it has one).
ACCOUNT_FOR_ROLE = {
    Role.OPERATOR: "operator",
    Role.EDITOR: "editor",
    Role.MUNICIPALITY_ADMIN: "admin.aarhus",
    Role.AGENT: "agent.aarhus",
    Role.SUPERVISOR: "supervisor",  # the hotline's shift lead, bound to no municipality
}


@dataclass(frozen=True)
class Target:
    """What a case may need to build its request: the municipality and a logged-in client."""

    municipality: str
    client: TestClient
    headers: dict[str, str]
    operator_headers: dict[str, str]


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route path exactly as registered, e.g. "/api/v1/municipalities/{code}"
    allowed_anywhere: frozenset[Role]
    allowed_in_own: frozenset[Role] = frozenset()
    # Builds (path, request kwargs) for the target; may create data first via the operator.
    # A "headers" entry in the kwargs (e.g. If-Match) is sent beside the role's own headers.
    build: Callable[[Target], tuple[str, dict[str, Any]]] = field(default=lambda target: ("", {}))
    # What a role that may not act gets: 403, or 404 where the route acts on a row that only
    # its owner may change and that does not exist to anyone else (another agent's contact).
    refused_with: int = 403

    def allowed(self, role: Role, own: bool) -> bool:
        return role in self.allowed_anywhere or (own and role in self.allowed_in_own)


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names)


class Visibility(StrEnum):
    """Who may read a GET route: every GET /api/v1 route is declared in a READS mapping."""

    EVERY_ROLE = "every signed-in role reads it, for every municipality"
    RESTRICTED = "only some roles or municipalities: GET Cases in the same file check it"
    SCOPED = "a list every role may call, whose rows go through scope_to_municipalities"
    OWN_ROWS = "the caller's own rows (an operator sees all)"
