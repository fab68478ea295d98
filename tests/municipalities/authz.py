from tests.authz import Case, Role, Target, Visibility, roles


def _patch_contact(target: Target) -> tuple[str, dict]:
    return f"/api/v1/municipalities/{target.municipality}", {"json": {"phone": "+45 11 22 33 44"}}


def _patch_member(target: Target) -> tuple[str, dict]:
    return f"/api/v1/municipalities/{target.municipality}", {"json": {"member": True}}


CASES = [
    Case(
        "PATCH",
        "/api/v1/municipalities/{code}",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_patch_contact,
    ),
    Case(
        "PATCH",
        "/api/v1/municipalities/{code}",
        allowed_anywhere=roles(Role.OPERATOR),
        build=_patch_member,
    ),
]

READS = {
    "/api/v1/municipalities": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}": Visibility.EVERY_ROLE,
    "/api/v1/postcodes/{postcode}": Visibility.EVERY_ROLE,
}
