"""Admins edit a local rule with a preview and its start date, are asked before removing it,
land on their to-do list (titles and links), and see where a rule contradicts their facts."""

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.console.templating import danish_when
from hotline.demo import DEMO_PASSWORD
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.resolve import today
from hotline.knowledge.schemas import OverrideWrite
from tests.console.conftest import AARHUS, ADMIN, SignIn, csrf_token, post_form

OVERRIDE_PAGE = "/console/kommune/0751/tilpasninger/pas"


def _form(client: TestClient, **fields: str) -> dict:
    return {"csrf_token": csrf_token(client, OVERRIDE_PAGE), **fields}


def _version(client: TestClient) -> str:
    match = re.search(r'name="version" value="([^"]*)"', client.get(OVERRIDE_PAGE).text)
    assert match
    return match.group(1).replace("&#34;", '"')


def test_editing_a_local_rule_previews_it_with_its_start_date_before_saving(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = client.get(OVERRIDE_PAGE).text
    assert "Sådan læser agenterne artiklen i Aarhus" in page
    assert "Mød op i Dokk1 ved havnefronten." in page.split('id="override-preview"')[1]

    version = _version(client)
    fields = {
        "mode": "replace",
        "title": "Pas i Aarhus",
        "body": "Kom i Dokk1. Pris {{ gebyr_pas }} kr.",
    }
    shown = client.post(
        OVERRIDE_PAGE, data=_form(client, **fields, version=version, action="preview")
    )
    assert shown.status_code == 200
    preview = shown.text.split('id="override-preview"')[1]
    assert "Forhåndsvisning (ikke gemt)" in preview
    assert "Pas i Aarhus" in preview and "1.234,50" in preview
    assert f"Gælder fra {danish_when(today())}, når du gemmer." in preview
    assert knowledge.find_override(kb, AARHUS, "pas").mode == OverrideMode.APPEND  # not saved


def test_removing_a_local_rule_asks_first_and_works_without_javascript(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    version = _version(client)
    asked = client.post(OVERRIDE_PAGE, data=_form(client, version=version, action="delete"))
    assert "Vil du fjerne tilpasningen?" in asked.text
    assert 'value="delete_confirmed"' in asked.text
    kb.expire_all()
    assert knowledge.find_override(kb, AARHUS, "pas") is not None

    removed = client.post(
        OVERRIDE_PAGE, data=_form(client, version=version, action="delete_confirmed")
    )
    assert "Den lokale tilpasning er fjernet." in removed.text
    kb.expire_all()
    assert knowledge.find_override(kb, AARHUS, "pas") is None


def test_a_rule_that_states_another_value_than_the_fact_is_flagged_where_both_appear(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    pas = knowledge.get_article(kb, "pas")
    wrong = "I Aarhus koster et pas 900 kr. Mød op i Dokk1."
    knowledge.put_override(
        kb, AARHUS, pas, OverrideWrite(mode=OverrideMode.APPEND, body=wrong), ADMIN
    )
    kb.commit()
    sign_in("admin.aarhus")
    override = client.get(OVERRIDE_PAGE).text
    flagged = override.split('id="contradictions"')[1]
    assert "»I Aarhus koster et pas 900 kr.« siger 900 kr., men" in flagged
    assert ">Pasgebyr</a> er 1.234,50" in flagged

    todo = client.get("/console/kommune/0751").text.split('id="todo"')[1]
    assert "Modstrid" in todo and ">Pas til voksne</a>: teksten siger 900 kr." in todo

    agent_view = client.get("/console/?kommune=0751&artikel=pas").text
    assert "Pasgebyr" in agent_view.split('id="article"')[1]
    assert "900 kr." in agent_view.split('class="notice contradiction"')[1]


def test_a_rule_that_uses_the_fact_or_agrees_with_it_is_not_flagged(kb: Session) -> None:
    facts = knowledge.municipality_facts(kb, AARHUS)
    agreeing = "Et pas koster {{ gebyr_pas }} kr., altså 1.234,50 kr. Ring på 89 40 20 00."
    assert knowledge.contradictions_in(facts, "pas", agreeing) == []
    unrelated = "Parkering koster 20 kr. i timen."
    assert knowledge.contradictions_in(facts, "pas", unrelated) == []


def test_admins_land_on_their_to_do_list_with_titles_not_slugs(
    client: TestClient, demo_users: dict, kb: Session
) -> None:
    pas = knowledge.get_article(kb, "pas")
    knowledge.update_article(
        kb, pas, {"body": "Ny tekst om {{ gebyr_pas }}."}, "editor@hotline.example"
    )
    kb.commit()
    signed_in = post_form(
        client,
        "/console/login",
        {"email": "admin.aarhus@hotline.example", "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.headers["location"] == "/console/kommune/0751#todo"
    todo = client.get("/console/kommune/0751").text.split('id="todo"')[1].split("</ul>")[0]
    assert f'<a href="{OVERRIDE_PAGE}">Pas til voksne</a> er ændret' in todo
    assert ">pas<" not in todo


def test_a_local_article_is_previewed_with_its_start_date_before_saving(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/lokale-artikler/dokk1"
    fields = {
        "title": "Dokk1 om sommeren",
        "category": "Borgerservice",
        "status": "published",
        "valid_from": "2030-06-01",
        "body": "Dokk1 har sommeråbent. Pas koster {{ gebyr_pas }} kr.",
        "revision": "1",
        "action": "preview",
    }
    shown = client.post(page, data={"csrf_token": csrf_token(client, page), **fields})
    assert shown.status_code == 200
    preview = shown.text.split('id="local-preview"')[1]
    assert "Dokk1 om sommeren" in preview and "1.234,50" in preview
    assert "Gælder fra 1. juni 2030, når du gemmer." in preview
    assert '<input type="hidden" name="revision" value="1">' in shown.text
    assert knowledge.get_local_article(kb, AARHUS, "dokk1").title == "Dokk1 og Borgerservice"
