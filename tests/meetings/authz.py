import uuid

from tests.authz import Case, Role, Target, Visibility, roles
from tests.meetings.conftest import type_data


def _type_body() -> dict:
    return type_data(slug=f"type-{uuid.uuid4().hex[:8]}").model_dump(mode="json")


def _existing_type(target: Target) -> dict:
    body = _type_body()
    response = target.client.post(
        "/api/v1/meetings/types", json=body, headers=target.operator_headers
    )
    assert response.status_code == 201, response.text
    return {"id": response.json()["id"], "etag": response.headers["ETag"], "body": body}


def _create(target: Target) -> tuple[str, dict]:
    return "/api/v1/meetings/types", {"json": _type_body()}


def _update(target: Target) -> tuple[str, dict]:
    made = _existing_type(target)
    return f"/api/v1/meetings/types/{made['id']}", {
        "json": {**made["body"], "duration_minutes": 45},
        "headers": {"If-Match": made["etag"]},
    }


def _override(target: Target) -> tuple[str, dict]:
    made = _existing_type(target)
    return f"/api/v1/meetings/types/{made['id']}/municipalities/{target.municipality}", {
        "json": {"hidden": True}
    }


def _report(path: str):  # type: ignore[no-untyped-def]
    def build(target: Target) -> tuple[str, dict]:
        return path, {"params": {"from": "2026-01", "to": "2026-12",
                                 "municipality": target.municipality}}  # fmt: skip

    build.__name__ = f"_report_{path.rsplit('/', 1)[-1]}"
    return build


EDITING = roles(Role.OPERATOR, Role.EDITOR)
COUNTING = roles(Role.OPERATOR, Role.SUPERVISOR)

CASES = [
    Case("POST", "/api/v1/meetings/types", allowed_anywhere=EDITING, build=_create),
    Case("PUT", "/api/v1/meetings/types/{type_id}", allowed_anywhere=EDITING, build=_update),
    Case(
        "PUT",
        "/api/v1/meetings/types/{type_id}/municipalities/{code}",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_override,
    ),
    Case(
        "GET",
        "/api/v1/meetings/reports",
        allowed_anywhere=COUNTING,
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_report("/api/v1/meetings/reports"),
    ),
    Case(
        "GET",
        "/api/v1/meetings/start-report",
        allowed_anywhere=COUNTING,
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_report("/api/v1/meetings/start-report"),
    ),
]

READS = {
    "/api/v1/meetings/slots/{code}/{slug}": Visibility.EVERY_ROLE,  # public: no personal data
    "/api/v1/meetings/reports": Visibility.RESTRICTED,
    "/api/v1/meetings/start-report": Visibility.RESTRICTED,
}
