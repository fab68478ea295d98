import uuid

from tests.authz import Case, Role, Target, Visibility, roles


def _create_user(target: Target) -> tuple[str, dict]:
    body = {
        "email": f"new-{uuid.uuid4().hex[:8]}@hotline.example",
        "full_name": "Ny Agent",
        "role": "agent",
        "municipality_code": target.municipality,
        "password": "a-long-enough-password",
    }
    return "/api/v1/users", {"json": body}


def _update_user(target: Target) -> tuple[str, dict]:
    path, request = _create_user(target)
    created = target.client.post(path, headers=target.operator_headers, **request)
    assert created.status_code == 201, created.text
    return f"/api/v1/users/{created.json()['id']}", {"json": {"full_name": "Omdøbt"}}


def _sign_out(_target: Target) -> tuple[str, dict]:
    return "/api/v1/auth/logout", {}


CASES = [
    Case("POST", "/api/v1/auth/logout", allowed_anywhere=roles(*Role), build=_sign_out),
    Case("POST", "/api/v1/users", allowed_anywhere=roles(Role.OPERATOR), build=_create_user),
    Case(
        "PATCH",
        "/api/v1/users/{user_id}",
        allowed_anywhere=roles(Role.OPERATOR),
        build=_update_user,
    ),
]

READS = {
    "/api/v1/users": Visibility.SCOPED,
    "/api/v1/users/me": Visibility.OWN_ROWS,
}
