"""Editors keep the shared reply templates, each municipality's admin its own versions."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer import service as composer
from hotline.composer.schemas import ReplyTemplateCreate
from tests.console.conftest import SignIn, post_form

SHARED = "/console/redaktion/svarskabeloner"
AARHUS = "/console/kommune/0751/svarskabeloner"


def _shared_template(session: Session, users: dict[str, User]) -> int:
    data = ReplyTemplateCreate(
        key="tak",
        title="Tak for henvendelsen",
        subject="Tak",
        body_markdown="Kære {{ citizen_name }}",
    )
    template = composer.create_template(session, data, users["editor"])
    session.commit()
    return template.id


def test_the_editor_creates_edits_and_deletes_a_shared_template(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    new = SHARED + "/ny"
    fields = {"key": "Tak!", "title": "", "subject": "", "body_markdown": "{% if %}"}
    broken = post_form(client, new, fields)
    assert broken.status_code == 422
    assert 'id="f-key-error"' in broken.text and 'id="f-title-error"' in broken.text

    unreadable = post_form(client, new, fields | {"key": "tak", "title": "Tak"})
    assert "Skabelonen kan ikke læses" in unreadable.text

    fields = {
        "key": "tak",
        "title": "Tak",
        "subject": "",
        "body_markdown": "Kære {{ citizen_name }}",
    }
    created = post_form(client, new, fields)
    assert created.url.path.startswith(SHARED + "/")
    template = composer.find_template(kb, "tak", "0751")
    assert (template.municipality_code, template.subject) == (None, None)
    assert "Tak" in client.get(SHARED).text

    page = created.url.path
    changes = {"title": "Tak for din henvendelse", "subject": "Svar", "body_markdown": "Hej"}
    saved = post_form(client, page, changes | {"version": "1"})
    assert "Skabelonen er gemt." in saved.text
    stale = post_form(client, page, changes | {"title": "Igen", "version": "1"})
    assert "En anden har ændret oplysningerne" in stale.text
    kb.expire_all()
    assert composer.find_template(kb, "tak", "0751").title == "Tak for din henvendelse"

    deleted = post_form(client, page + "/slet", {})
    assert deleted.url.path == SHARED and "Skabelonen tak er slettet." in deleted.text
    assert client.get(page).status_code == 404


def test_a_municipality_adapts_a_shared_template_for_its_own_citizens(
    client: TestClient, sign_in: SignIn, kb: Session, demo_users: dict[str, User]
) -> None:
    shared_id = _shared_template(kb, demo_users)
    sign_in("admin.aarhus")
    listing = client.get(AARHUS).text
    assert "Tak for henvendelsen" in listing and "Tilpas" in listing

    prefilled = client.get(f"{AARHUS}/ny?fra={shared_id}").text
    assert 'value="tak"' in prefilled and "Kære {{ citizen_name }}" in prefilled
    fields = {
        "key": "tak",
        "title": "Tak fra Aarhus",
        "subject": "",
        "body_markdown": "Kære borger",
    }
    created = post_form(client, f"{AARHUS}/ny", fields)
    assert created.url.path.startswith(AARHUS + "/")
    assert "Kommunen har sin egen" in client.get(AARHUS).text

    kb.expire_all()
    assert composer.find_template(kb, "tak", "0751").title == "Tak fra Aarhus"
    assert composer.find_template(kb, "tak", "0461").title == "Tak for henvendelsen"


def test_templates_stay_with_their_owner(
    client: TestClient, sign_in: SignIn, kb: Session, demo_users: dict[str, User]
) -> None:
    shared_id = _shared_template(kb, demo_users)
    sign_in("admin.aarhus")
    assert client.get("/console/kommune/0461/svarskabeloner").status_code == 403
    assert client.get(SHARED).status_code == 403
    assert client.get(f"{AARHUS}/{shared_id}").status_code == 404  # shared: not Aarhus' to edit
    refused = post_form(client, f"{AARHUS}/{shared_id}/slet", {})
    assert refused.status_code == 404
    kb.expire_all()
    assert composer.get_template(kb, shared_id).title == "Tak for henvendelsen"
