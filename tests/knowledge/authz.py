"""Who may change the knowledge base: editors the shared part, each admin their own part."""

from typing import Any

from tests.authz import Case, Role, Target, Visibility, roles

SHARED_EDITORS = {"allowed_anywhere": roles(Role.OPERATOR, Role.EDITOR)}
LOCAL_EDITORS = {
    "allowed_anywhere": roles(Role.OPERATOR),
    "allowed_in_own": roles(Role.MUNICIPALITY_ADMIN),
}
ARTICLE = {"slug": "pas", "title": "Pas", "category": "Pas og kørekort", "body": "Tekst."}
FACT = {"key": "telefon", "description": "Borgerservice", "type": "phone"}


def _as_operator(target: Target, method: str, path: str, json: Any = None) -> str:
    """Arrange data as the operator; returns the ETag of the answer."""
    response = target.client.request(method, path, json=json, headers=target.operator_headers)
    assert response.status_code < 300, response.text
    return response.headers.get("ETag", "")


def _if_match(etag: str) -> dict[str, str]:
    return {"If-Match": etag}


def _article(target: Target) -> str:
    return _as_operator(target, "POST", "/api/v1/articles", ARTICLE)


def _override(target: Target) -> str:
    _article(target)
    path = f"/api/v1/municipalities/{target.municipality}/overrides/pas"
    return _as_operator(target, "PUT", path, {"mode": "hide"})


def _local(target: Target) -> str:
    path = f"/api/v1/municipalities/{target.municipality}/local-articles"
    return _as_operator(target, "POST", path, ARTICLE)


def _create_article(target: Target) -> tuple[str, dict]:
    return "/api/v1/articles", {"json": ARTICLE}


def _update_article(target: Target) -> tuple[str, dict]:
    etag = _article(target)
    return "/api/v1/articles/pas", {"json": {"title": "Pas til voksne"}, "headers": _if_match(etag)}


def _delete_article(target: Target) -> tuple[str, dict]:
    _article(target)
    return "/api/v1/articles/pas", {}


def _create_fact(target: Target) -> tuple[str, dict]:
    return "/api/v1/facts", {"json": FACT}


def _update_fact(target: Target) -> tuple[str, dict]:
    etag = _as_operator(target, "POST", "/api/v1/facts", FACT)
    return "/api/v1/facts/telefon", {
        "json": {"description": "Hovednummer"},
        "headers": _if_match(etag),
    }


def _delete_fact(target: Target) -> tuple[str, dict]:
    _as_operator(target, "POST", "/api/v1/facts", FACT)
    return "/api/v1/facts/telefon", {}


def _put_fact_value(target: Target) -> tuple[str, dict]:
    _as_operator(target, "POST", "/api/v1/facts", FACT)
    path = f"/api/v1/municipalities/{target.municipality}/facts/telefon"
    return path, {"json": {"value": "+45 89 40 20 00"}}


def _delete_fact_value(target: Target) -> tuple[str, dict]:
    path, request = _put_fact_value(target)
    _as_operator(target, "PUT", path, request["json"])
    return path, {}


def _put_override(target: Target) -> tuple[str, dict]:
    _article(target)
    path = f"/api/v1/municipalities/{target.municipality}/overrides/pas"
    return path, {"json": {"mode": "append", "body": "Lokalt."}}


def _confirm_override(target: Target) -> tuple[str, dict]:
    etag = _override(target)
    path = f"/api/v1/municipalities/{target.municipality}/overrides/pas/confirm"
    return path, {"headers": _if_match(etag)}


def _delete_override(target: Target) -> tuple[str, dict]:
    _override(target)
    return f"/api/v1/municipalities/{target.municipality}/overrides/pas", {}


def _create_local(target: Target) -> tuple[str, dict]:
    return f"/api/v1/municipalities/{target.municipality}/local-articles", {"json": ARTICLE}


def _update_local(target: Target) -> tuple[str, dict]:
    etag = _local(target)
    path = f"/api/v1/municipalities/{target.municipality}/local-articles/pas"
    return path, {"json": {"body": "Ny tekst."}, "headers": _if_match(etag)}


def _delete_local(target: Target) -> tuple[str, dict]:
    _local(target)
    return f"/api/v1/municipalities/{target.municipality}/local-articles/pas", {}


def _coverage(target: Target) -> tuple[str, dict]:
    return f"/api/v1/municipalities/{target.municipality}/coverage", {}


MUNICIPALITY = "/api/v1/municipalities/{code}"
CASES = [
    Case("POST", "/api/v1/articles", build=_create_article, **SHARED_EDITORS),
    Case("PATCH", "/api/v1/articles/{slug}", build=_update_article, **SHARED_EDITORS),
    Case("DELETE", "/api/v1/articles/{slug}", build=_delete_article, **SHARED_EDITORS),
    Case("POST", "/api/v1/facts", build=_create_fact, **SHARED_EDITORS),
    Case("PATCH", "/api/v1/facts/{key}", build=_update_fact, **SHARED_EDITORS),
    Case("DELETE", "/api/v1/facts/{key}", build=_delete_fact, **SHARED_EDITORS),
    Case("PUT", f"{MUNICIPALITY}/facts/{{key}}", build=_put_fact_value, **LOCAL_EDITORS),
    Case("DELETE", f"{MUNICIPALITY}/facts/{{key}}", build=_delete_fact_value, **LOCAL_EDITORS),
    Case("PUT", f"{MUNICIPALITY}/overrides/{{slug}}", build=_put_override, **LOCAL_EDITORS),
    Case(
        "POST",
        f"{MUNICIPALITY}/overrides/{{slug}}/confirm",
        build=_confirm_override,
        **LOCAL_EDITORS,
    ),
    Case("DELETE", f"{MUNICIPALITY}/overrides/{{slug}}", build=_delete_override, **LOCAL_EDITORS),
    Case("POST", f"{MUNICIPALITY}/local-articles", build=_create_local, **LOCAL_EDITORS),
    Case("PATCH", f"{MUNICIPALITY}/local-articles/{{slug}}", build=_update_local, **LOCAL_EDITORS),
    Case("DELETE", f"{MUNICIPALITY}/local-articles/{{slug}}", build=_delete_local, **LOCAL_EDITORS),
    Case("GET", f"{MUNICIPALITY}/coverage", build=_coverage, **LOCAL_EDITORS),
]

# Agents answer for every municipality, so every signed-in role reads the knowledge base of
# every municipality; only the admin's to-do lists (coverage) are the municipality's own.
READS = {
    "/api/v1/articles": Visibility.EVERY_ROLE,
    "/api/v1/articles/{slug}": Visibility.EVERY_ROLE,
    "/api/v1/articles/{slug}/revisions": Visibility.EVERY_ROLE,
    "/api/v1/articles/{slug}/diff": Visibility.EVERY_ROLE,
    "/api/v1/facts": Visibility.EVERY_ROLE,
    "/api/v1/facts/{key}": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/articles": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/articles/{slug}": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/facts": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/facts/{key}": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/overrides": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/overrides/{slug}": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/local-articles": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/local-articles/{slug}": Visibility.EVERY_ROLE,
    "/api/v1/municipalities/{code}/coverage": Visibility.RESTRICTED,
    "/api/v1/coverage": Visibility.SCOPED,
}
