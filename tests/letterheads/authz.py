from tests.authz import Case, Role, Target, Visibility, roles
from tests.letterheads.images import png

EDITORS_OF_LETTERHEADS = {
    "allowed_anywhere": roles(Role.OPERATOR),
    "allowed_in_own": roles(Role.MUNICIPALITY_ADMIN),
}


def _patch_colours(target: Target) -> tuple[str, dict]:
    return f"/api/v1/letterheads/{target.municipality}", {
        "json": {"colors": {"primary": "#14365d", "on_primary": "#ffffff"}}
    }


def _upload_logo(target: Target) -> tuple[str, dict]:
    return f"/api/v1/letterheads/{target.municipality}/logo", {
        "files": {"file": ("logo.png", png(300, 80), "image/png")}
    }


def _letterhead(target: Target) -> tuple[str, dict]:
    return f"/api/v1/letterheads/{target.municipality}", {}


CASES = [
    Case("PATCH", "/api/v1/letterheads/{code}", build=_patch_colours, **EDITORS_OF_LETTERHEADS),
    Case("PUT", "/api/v1/letterheads/{code}/logo", build=_upload_logo, **EDITORS_OF_LETTERHEADS),
    Case("DELETE", "/api/v1/letterheads/{code}", build=_letterhead, **EDITORS_OF_LETTERHEADS),
]

# Agents see the letterhead, logo and sample letter of the municipality they answer for.
READS = {
    "/api/v1/letterheads/{code}": Visibility.EVERY_ROLE,
    "/api/v1/letterheads/{code}/logo": Visibility.EVERY_ROLE,
    "/api/v1/letterheads/{code}/preview": Visibility.EVERY_ROLE,
}
