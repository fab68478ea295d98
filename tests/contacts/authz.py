from fastapi.testclient import TestClient

from hotline.demo import DEMO_PASSWORD
from tests.authz import Case, Role, Target, Visibility, roles


def _agent_contact(target: Target) -> dict:
    """A contact opened by agent.aarhus (whose home is the own municipality) in the target."""
    client: TestClient = target.client
    token = client.post(
        "/api/v1/auth/token",
        data={"username": "agent.aarhus@hotline.example", "password": DEMO_PASSWORD},
    ).json()["access_token"]
    response = client.post(
        "/api/v1/contacts",
        json={"municipality": target.municipality, "channel": "phone"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    return {"id": response.json()["id"], "etag": response.headers["ETag"]}


def _open(target: Target) -> tuple[str, dict]:
    return "/api/v1/contacts", {"json": {"municipality": target.municipality}}


def _correct(target: Target) -> tuple[str, dict]:
    contact = _agent_contact(target)
    return f"/api/v1/contacts/{contact['id']}", {
        "json": {"topic": "Pas og kørekort"},
        "headers": {"If-Match": contact["etag"]},
    }


def _close(target: Target) -> tuple[str, dict]:
    contact = _agent_contact(target)
    return f"/api/v1/contacts/{contact['id']}/close", {
        "json": {"outcome": "answered"},
        "headers": {"If-Match": contact["etag"]},
    }


def _touch(target: Target) -> tuple[str, dict]:
    contact = _agent_contact(target)
    article = {"slug": "pas", "title": "Pas", "category": "Pas", "body": "Tekst."}
    created = target.client.post("/api/v1/articles", json=article, headers=target.operator_headers)
    assert created.status_code == 201, created.text
    return f"/api/v1/contacts/{contact['id']}/articles", {"json": {"slug": "pas", "use": "opened"}}


def _forward(target: Target) -> tuple[str, dict]:
    contact = _agent_contact(target)
    return f"/api/v1/contacts/{contact['id']}/forward", {
        "json": {"question": "Hvornår kommer mit pas?", "action_taken": "Forklarede sagsgangen"},
        "headers": {"If-Match": contact["etag"]},
    }


def _set_route(target: Target) -> tuple[str, dict]:
    return f"/api/v1/routing/{target.municipality}/Pas", {
        "json": {"desk_name": "Pas og kørekort", "mailbox": "pas@kommune.example"}
    }


def _remove_route(target: Target) -> tuple[str, dict]:
    path, request = _set_route(target)
    response = target.client.put(path, headers=target.operator_headers, **request)
    assert response.status_code == 200, response.text
    return path, {}


def _shared_route(target: Target) -> tuple[str, dict]:
    return "/api/v1/routing-shared/Pas", {
        "json": {"desk_name": "Borgerservice", "mailbox_local_part": "borgerservice"}
    }


def _price(target: Target) -> tuple[str, dict]:
    return "/api/v1/contact-prices/2026-01-01", {"json": {"price_per_contact": "41.50"}}


def _report(target: Target) -> tuple[str, dict]:
    return "/api/v1/contact-reports", {
        "params": {"from": "2026-01-01", "to": "2026-01-31", "municipality": target.municipality}
    }


def _statement(target: Target) -> tuple[str, dict]:
    return f"/api/v1/contact-statements/{target.municipality}/2026-01-01", {}


ANSWERING = roles(Role.AGENT)  # registering contacts is answering citizens (SEND_REPLY)
CONTACT_ROUTE = "/api/v1/contacts/{contact_id}"

CASES = [
    Case("POST", "/api/v1/contacts", allowed_anywhere=ANSWERING, build=_open),
    # The contact is agent.aarhus's: to every other role it does not exist (as to their GET).
    Case("PATCH", CONTACT_ROUTE, allowed_anywhere=ANSWERING, build=_correct, refused_with=404),
    Case(
        "POST",
        CONTACT_ROUTE + "/close",
        allowed_anywhere=ANSWERING,
        build=_close,
        refused_with=404,
    ),
    Case(
        "POST",
        CONTACT_ROUTE + "/articles",
        allowed_anywhere=ANSWERING,
        build=_touch,
        refused_with=404,
    ),
    Case(
        "POST",
        CONTACT_ROUTE + "/forward",
        allowed_anywhere=ANSWERING,
        build=_forward,
        refused_with=404,
    ),
    Case(
        "PUT",
        "/api/v1/routing/{code}/{category}",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_set_route,
    ),
    Case(
        "DELETE",
        "/api/v1/routing/{code}/{category}",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_remove_route,
    ),
    Case(
        "PUT",
        "/api/v1/routing-shared/{category}",
        allowed_anywhere=roles(Role.OPERATOR),
        build=_shared_route,
    ),
    Case(
        "PUT",
        "/api/v1/contact-prices/{month}",
        allowed_anywhere=roles(Role.OPERATOR),
        build=_price,
    ),
    Case(
        "GET",
        "/api/v1/contact-reports",
        allowed_anywhere=roles(Role.OPERATOR, Role.SUPERVISOR, Role.AGENT),  # agents: own rows
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_report,
    ),
    Case(
        "GET",
        "/api/v1/contact-statements/{code}/{month}",
        allowed_anywhere=roles(Role.OPERATOR, Role.SUPERVISOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_statement,
    ),
]

READS = {
    "/api/v1/contacts": Visibility.OWN_ROWS,
    CONTACT_ROUTE: Visibility.OWN_ROWS,
    "/api/v1/forwards": Visibility.OWN_ROWS,
    "/api/v1/routing/{code}": Visibility.EVERY_ROLE,
    "/api/v1/contact-reports": Visibility.RESTRICTED,
    "/api/v1/contact-statements/{code}/{month}": Visibility.RESTRICTED,
}
