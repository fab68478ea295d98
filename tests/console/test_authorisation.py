"""Who may open which console page: the same rules as the API, shown as Danish pages."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import Settings
from tests.console.conftest import SignIn, csrf_token

DENIED = "Du har ikke adgang til denne side eller handling."

# page -> the accounts that may open it (the others get 403)
PAGES = {
    "/console/": {"operator", "editor", "admin.aarhus", "agent.aarhus"},
    "/console/kommune/0751": {"operator", "admin.aarhus"},
    "/console/kommune/0751/fakta": {"operator", "admin.aarhus"},
    "/console/kommune/0751/brevpapir": {"operator", "admin.aarhus"},
    "/console/kommune/0751/svarskabeloner": {"operator", "admin.aarhus"},
    "/console/kommune/0751/svarskabeloner/ny": {"operator", "admin.aarhus"},
    "/console/kommune/0751/tilpasninger/pas": {"operator", "admin.aarhus"},
    "/console/kommune/0461": {"operator"},
    "/console/redaktion/artikler": {"operator", "editor"},
    "/console/redaktion/artikler/pas": {"operator", "editor"},
    "/console/redaktion/fakta": {"operator", "editor"},
    "/console/redaktion/fakta/ny": {"operator", "editor"},
    "/console/redaktion/fakta/gebyr_pas": {"operator", "editor"},
    "/console/redaktion/svarskabeloner": {"operator", "editor"},
    "/console/redaktion/svarskabeloner/ny": {"operator", "editor"},
    "/console/redaktion/moedetyper": {"operator", "editor"},
    "/console/redaktion/moedetyper/ny": {"operator", "editor"},
    "/console/kommune/0751/moedetyper": {"operator", "admin.aarhus"},
    "/console/moeder/tal": {"operator", "admin.aarhus"},
    "/console/redaktion/huller": {"operator", "editor"},
    "/console/drift/kommuner": {"operator"},
    "/console/drift/kommuner/0751": {"operator", "admin.aarhus"},
    "/console/drift/konti": {"operator", "admin.aarhus"},
}
ACCOUNTS = ("operator", "editor", "admin.aarhus", "agent.aarhus")


@pytest.mark.parametrize("account", ACCOUNTS)
def test_each_role_opens_only_its_pages(
    client: TestClient, sign_in: SignIn, kb: Session, account: str
) -> None:
    sign_in(account)
    for path, allowed in PAGES.items():
        response = client.get(path)
        if account in allowed:
            assert response.status_code == 200, (account, path)
        else:
            assert response.status_code == 403, (account, path)
            assert DENIED in response.text
            assert response.headers["content-type"].startswith("text/html")


def test_an_admin_cannot_change_another_municipality(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    token = csrf_token(client, "/console/kommune/0751")
    response = client.post(
        "/console/kommune/0461/tilpasninger/pas",
        data={"csrf_token": token, "mode": "hide", "body": "", "title": "", "revision": ""},
    )
    assert response.status_code == 403
    assert "Pas til voksne" in client.get("/console/?kommune=0461&artikel=pas").text  # not hidden


def test_only_operators_create_accounts(client: TestClient, sign_in: SignIn, kb: Session) -> None:
    sign_in("admin.aarhus")
    token = csrf_token(client, "/console/drift/konti")
    response = client.post(
        "/console/drift/konti",
        data={
            "csrf_token": token,
            "email": "ny@hotline.example",
            "full_name": "Ny",
            "role": "agent",
        },
    )
    assert response.status_code == 403


def test_the_menu_shows_each_role_its_own_pages(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    menu = client.get("/console/").text.split("</nav>")[0]
    assert "Svar borgere" in menu
    assert "Min kommune" not in menu and "Redaktion" not in menu and "Konti" not in menu


def _console_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(secret_key="x" * 32))
    console = next(route.app for route in app.routes if getattr(route, "path", "") == "/console")
    return sorted(
        (method.upper(), path)
        for path, operations in console.openapi()["paths"].items()
        for method in operations
        if method.upper() == "POST"
    )


AGENT_MAY_POST = {"/login", "/logout", "/svar", "/svar/udkast", "/svar/forhaandsvisning"}
# The search box posts its words (never in an address); searching is what agents do.
AGENT_MAY_POST |= {"/soeg"}
# Contacts: the agent's own contact (tests/contacts checks another's is refused) and the desk's
# page, whose signed link is its authorisation (tests/contacts/test_forwarding.py).
AGENT_MAY_POST |= {
    "/henvendelser/{contact_id}/luk",
    "/henvendelser/{contact_id}/videresend",
    "/henvendelser/{contact_id}/tilfredshedsmail",  # tests/satisfaction/test_console.py
    "/afdeling/{token}",
}
# Meetings: agents hold the day's meetings (tests/meetings/test_console.py: others are refused).
AGENT_MAY_POST |= {"/moeder/{booking_id}/start", "/moeder/{booking_id}/udeblevet"}
# Cancelling needs a real booking to refuse with 403 (none exists here, so 404):
# tests/meetings/test_console.py refuses an agent and another municipality's admin.
AGENT_MAY_POST |= {"/moeder/{booking_id}/aflys"}


@pytest.mark.parametrize(
    ("method", "route"), [r for r in _console_routes() if r[1] not in AGENT_MAY_POST]
)
def test_every_console_form_checks_the_role(
    client: TestClient, sign_in: SignIn, kb: Session, method: str, route: str
) -> None:
    """A new POST route of the console cannot forget its permission check: an agent of
    Aarhus is refused every form but its own, in its own municipality and a foreign one."""
    sign_in("agent.aarhus")
    token = csrf_token(client, "/console/")
    for code in ("0751", "0461"):
        path = route.format(
            code=code,
            slug="pas",
            account_id=1,
            key="gebyr_pas",
            template_id=1,
            round_id=1,
            type_id=1,
        )
        response = client.request(method, "/console" + path, data={"csrf_token": token})
        assert response.status_code == 403, (path, response.text[:200])
