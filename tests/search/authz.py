"""Who may search (every signed-in role, for any municipality) and read the knowledge gaps."""

from typing import Any

from tests.authz import Case, Role, Target, Visibility, roles


def _gaps(target: Target) -> tuple[str, dict[str, Any]]:
    return "/api/v1/search/gaps", {"params": {"municipality": target.municipality}}


CASES = [
    Case(
        "GET",
        "/api/v1/search/gaps",
        allowed_anywhere=roles(Role.OPERATOR, Role.EDITOR),
        build=_gaps,
    ),
]

# Agents answer citizens of every municipality, so every role searches every municipality.
READS = {
    "/api/v1/search": Visibility.EVERY_ROLE,
    "/api/v1/search/gaps": Visibility.RESTRICTED,
}
