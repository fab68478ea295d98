"""The API and the console give the same answer to the same attempt: the rule is the service's.

Each test is one reproduction of issue 12, tried through both front ends.
"""

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.knowledge import service as knowledge
from hotline.letterheads.models import LetterheadOverride
from tests.console.conftest import AARHUS, EDITOR, SignIn, csrf_token

OVERRIDE_PAGE = "/console/kommune/0751/tilpasninger/pas"
LETTERHEAD_PAGE = "/console/kommune/0751/brevpapir"
ACCOUNTS_PAGE = "/console/drift/konti"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def _change_shared_text(session: Session, body: str) -> None:
    knowledge.update_article(session, knowledge.get_article(session, "pas"), {"body": body}, EDITOR)
    session.commit()


def _confirm_form(page_html: str) -> dict[str, str]:
    """The hidden fields of the page's "Bekræft" form, exactly as the browser would post them."""
    form = page_html.split('value="confirm"')[0].rsplit("<form", 1)[1]
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(form)}
    return fields | {"action": "confirm"}


def _override_state(session: Session) -> tuple[int, int]:
    session.expire_all()
    override = knowledge.get_override(session, AARHUS, "pas")
    return override.based_on_revision, override.revision


def test_console_confirm_binds_the_shared_revision_the_admin_saw(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    _change_shared_text(kb, "Et pas koster nu 1.000 kr.")  # shared revision 2: override stale
    sign_in("admin.aarhus")
    form = _confirm_form(client.get(OVERRIDE_PAGE).text)
    _change_shared_text(kb, "Et pas er gratis.")  # revision 3, which the admin never saw
    response = client.post(OVERRIDE_PAGE, data=form)
    assert response.status_code == 412
    assert "En anden har ændret oplysningerne" in response.text
    assert _override_state(kb) == (1, 1)  # still stale: nothing was confirmed


def test_api_confirm_binds_the_shared_revision_the_admin_saw(
    client: TestClient, auth_headers: dict[str, dict[str, str]], kb: Session
) -> None:
    admin = auth_headers["admin.aarhus"]
    _change_shared_text(kb, "Et pas koster nu 1.000 kr.")
    etag = client.get(f"/api/v1/municipalities/{AARHUS}/overrides/pas", headers=admin)
    _change_shared_text(kb, "Et pas er gratis.")
    response = client.post(
        f"/api/v1/municipalities/{AARHUS}/overrides/pas/confirm",
        headers={**admin, "If-Match": etag.headers["ETag"]},
    )
    assert response.status_code == 412
    assert _override_state(kb) == (1, 1)


def test_console_confirm_of_what_was_seen_still_works(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    _change_shared_text(kb, "Et pas koster nu 1.000 kr.")
    sign_in("admin.aarhus")
    response = client.post(OVERRIDE_PAGE, data=_confirm_form(client.get(OVERRIDE_PAGE).text))
    assert "Tilpasningen er bekræftet." in response.text
    assert _override_state(kb) == (2, 2)


def _preview_html(page_html: str) -> str:
    return page_html.split("srcdoc=", 1)[1].split(">", 1)[0]


def test_letterhead_preview_shows_what_saving_stores(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    """Clearing the department previews the theme file's department again, as saving does."""
    sign_in("admin.aarhus")
    client.post(
        LETTERHEAD_PAGE,
        data={
            "csrf_token": csrf_token(client, LETTERHEAD_PAGE),
            "department": "Borgerservice Nord",
        },
    )
    cleared = {"csrf_token": csrf_token(client, LETTERHEAD_PAGE), "department": ""}
    preview = client.post(f"{LETTERHEAD_PAGE}/forhaandsvisning", data=cleared)
    saved = client.post(LETTERHEAD_PAGE, data=cleared)
    assert "Brevpapiret er gemt." in saved.text
    assert "Borgerservice Nord" not in _preview_html(saved.text)
    assert _preview_html(preview.text) == _preview_html(saved.text)


def test_a_refused_letterhead_leaves_no_row_behind(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    refused = client.post(
        LETTERHEAD_PAGE,
        data={
            "csrf_token": csrf_token(client, LETTERHEAD_PAGE),
            "color-primary": "#ffffff",
            "color-on_primary": "#fefefe",
        },
    )
    assert refused.status_code == 422 and "for lav kontrast" in refused.text
    kb.expire_all()
    assert kb.scalars(select(LetterheadOverride)).all() == []


def _operator(session: Session) -> User:
    return session.scalars(select(User).where(User.email == "operator@hotline.example")).one()


def test_operators_cannot_deactivate_themselves_through_the_api(
    client: TestClient, auth_headers: dict[str, dict[str, str]], kb: Session
) -> None:
    operator = _operator(kb)
    response = client.patch(
        f"/api/v1/users/{operator.id}", json={"active": False}, headers=auth_headers["operator"]
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    kb.expire_all()
    assert _operator(kb).active is True


def test_operators_cannot_deactivate_themselves_in_the_console(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    operator = _operator(kb)
    sign_in("operator")
    response = client.post(
        f"{ACCOUNTS_PAGE}/{operator.id}/aktiv",
        data={"csrf_token": csrf_token(client, ACCOUNTS_PAGE)},
    )
    assert response.status_code == 409
    kb.expire_all()
    assert _operator(kb).active is True


def test_a_role_without_a_municipality_is_refused_alike(
    client: TestClient,
    sign_in: SignIn,
    auth_headers: dict[str, dict[str, str]],
    kb: Session,
) -> None:
    """An operator belongs to no municipality: both front ends refuse one, for the same field."""
    attempt = {
        "full_name": "Ny Driftsansvarlig",
        "email": "drift2@hotline.example",
        "role": "operator",
        "municipality_code": "0751",
        "password": "en-lang-adgangskode",
    }
    api = client.post("/api/v1/users", json=attempt, headers=auth_headers["operator"])
    assert api.status_code == 422
    assert [(e["field"], e["code"]) for e in api.json()["errors"]] == [
        ("body.municipality_code", "municipality_not_allowed")
    ]
    sign_in("operator")
    console = client.post(
        ACCOUNTS_PAGE, data={"csrf_token": csrf_token(client, ACCOUNTS_PAGE), **attempt}
    )
    assert console.status_code == 422
    assert 'id="f-municipality_code-error">Denne rolle hører ikke til en kommune.' in (console.text)


def test_markdown_renders_alike_in_the_api_and_the_console(
    client: TestClient,
    sign_in: SignIn,
    auth_headers: dict[str, dict[str, str]],
    kb: Session,
) -> None:
    """No remote images (trackers), only http, https and mailto links, wherever text is shown."""
    _change_shared_text(
        kb,
        "Se ![logo](https://tracker.example/pixel.png) og [arkivet](ftp://files.example/x) "
        "eller [siden](https://www.aarhus.dk).",
    )
    api = client.get(
        f"/api/v1/municipalities/{AARHUS}/articles/pas", headers=auth_headers["agent.aarhus"]
    ).json()["body_html"]
    sign_in("agent.aarhus")
    console = client.get("/console/?kommune=0751&artikel=pas").text
    for shown in (api, console):
        assert "tracker.example" not in shown
        assert "ftp://" not in shown
        assert 'href="https://www.aarhus.dk"' in shown
