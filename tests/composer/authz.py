from tests.authz import Case, Role, Target, Visibility, roles

TEMPLATE = {"title": "Åbningstider", "body_markdown": "Vi har åbent i dag, {{ today }}."}


def _preview(target: Target) -> tuple[str, dict]:
    return "/api/v1/replies/preview", {
        "json": {
            "municipality": target.municipality,
            "to": "borger@example.dk",
            "subject": "Svar",
            "body_markdown": "Tak for din henvendelse.",
        }
    }


def _create_shared(target: Target) -> tuple[str, dict]:
    return "/api/v1/reply-templates", {"json": {"key": "aabent", **TEMPLATE}}


def _create_local(target: Target) -> tuple[str, dict]:
    return "/api/v1/reply-templates", {
        "json": {"key": "aabent", "municipality_code": target.municipality, **TEMPLATE}
    }


def _existing(target: Target, municipality_code: str | None) -> str:
    """The operator creates the template the role then tries to change."""
    response = target.client.post(
        "/api/v1/reply-templates",
        headers=target.operator_headers,
        json={"key": "aabent", "municipality_code": municipality_code, **TEMPLATE},
    )
    assert response.status_code == 201, response.text
    return f"/api/v1/reply-templates/{response.json()['id']}"


def _patch_shared(target: Target) -> tuple[str, dict]:
    return _existing(target, None), {"json": {"title": "Nye åbningstider"}}


def _patch_local(target: Target) -> tuple[str, dict]:
    return _existing(target, target.municipality), {"json": {"title": "Nye åbningstider"}}


def _delete_shared(target: Target) -> tuple[str, dict]:
    return _existing(target, None), {}


def _delete_local(target: Target) -> tuple[str, dict]:
    return _existing(target, target.municipality), {}


SHARED = {"allowed_anywhere": roles(Role.OPERATOR, Role.EDITOR)}
LOCAL = {"allowed_anywhere": roles(Role.OPERATOR), "allowed_in_own": roles(Role.MUNICIPALITY_ADMIN)}

CASES = [
    Case("POST", "/api/v1/replies/preview", allowed_anywhere=roles(Role.AGENT), build=_preview),
    Case("POST", "/api/v1/reply-templates", build=_create_shared, **SHARED),
    Case("POST", "/api/v1/reply-templates", build=_create_local, **LOCAL),
    Case("PATCH", "/api/v1/reply-templates/{template_id}", build=_patch_shared, **SHARED),
    Case("PATCH", "/api/v1/reply-templates/{template_id}", build=_patch_local, **LOCAL),
    Case("DELETE", "/api/v1/reply-templates/{template_id}", build=_delete_shared, **SHARED),
    Case("DELETE", "/api/v1/reply-templates/{template_id}", build=_delete_local, **LOCAL),
]

# Agents pick shared and local templates for whichever municipality they answer.
READS = {
    "/api/v1/reply-templates": Visibility.EVERY_ROLE,
    "/api/v1/reply-templates/{template_id}": Visibility.EVERY_ROLE,
}
