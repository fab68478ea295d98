"""Reply templates: shared ones by editors, local ones by municipality admins, used by agents."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.composer.models import ReplyTemplate
from hotline.composer.service import (
    SHARED_TEMPLATES_FILE,
    read_template_file,
    seed_shared_templates,
)
from tests.composer.conftest import Compose
from tests.races import twice

TEMPLATES = "/api/v1/reply-templates"


def _create(client: TestClient, headers: dict[str, str], **fields: object) -> dict:
    response = client.post(TEMPLATES, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def test_seeding_adds_the_shipped_danish_templates_once(session: Session, demo_users: dict) -> None:
    first = seed_shared_templates(session)
    again = seed_shared_templates(session)
    shipped = len(read_template_file(SHARED_TEMPLATES_FILE))
    assert shipped >= 4
    assert (first.created, again.created, again.unchanged) == (shipped, 0, shipped)


def test_a_seeded_template_composes_with_its_placeholders(
    session: Session, compose: Compose
) -> None:
    seed_shared_templates(session)
    composed = compose(template="tak-for-henvendelsen", body_markdown="")
    assert "Tak for din henvendelse til Aarhus Kommune." in composed.text
    assert "+45 89 40 20 00" in composed.text


def test_a_local_template_wins_over_the_shared_one_with_the_same_key(
    client: TestClient, auth_headers: dict[str, dict[str, str]], compose: Compose
) -> None:
    _create(client, auth_headers["editor"], key="svar", title="Fælles", body_markdown="Fælles.")
    _create(
        client,
        auth_headers["admin.aarhus"],
        key="svar",
        municipality_code="0751",
        title="Aarhus",
        body_markdown="Aarhus' eget svar til {{ citizen_name }}.",
    )
    assert (
        "Aarhus' eget svar til Jens."
        in compose(template="svar", body_markdown="", citizen_name="Jens").text
    )
    assert "Fælles." in compose(template="svar", body_markdown="", municipality="0461").text


def test_the_agents_edited_copy_of_a_template_is_what_is_sent(
    client: TestClient, auth_headers: dict[str, dict[str, str]], compose: Compose
) -> None:
    _create(client, auth_headers["editor"], key="svar", title="Svar", body_markdown="Original.")
    composed = compose(template="svar", body_markdown="Rettet af agenten.")
    assert "Rettet af agenten." in composed.text and "Original." not in composed.text


def test_an_article_placeholder_names_the_article_and_adds_its_excerpt(
    compose: Compose, knowledge: None
) -> None:
    composed = compose(body_markdown='Læs om {{ article("pasfoto") }}: {{ gebyr_pasfoto }} kr.')
    assert "Læs om »Pasfoto« (se nedenfor): 1.234,50 kr." in composed.text
    assert composed.article_slugs == ["pasfoto"]
    assert "== Pasfoto ==" in composed.text


def test_listing_shows_shared_and_the_municipalitys_own_templates(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    _create(client, auth_headers["editor"], key="a", title="Fælles", body_markdown="x")
    _create(
        client,
        auth_headers["operator"],
        key="b",
        municipality_code="0461",
        title="O",
        body_markdown="x",
    )
    _create(
        client,
        auth_headers["admin.aarhus"],
        key="c",
        municipality_code="0751",
        title="Å",
        body_markdown="x",
    )
    agent = auth_headers["agent.odense"]
    listed = client.get(TEMPLATES, headers=agent, params={"municipality": "751"}).json()
    assert sorted(t["key"] for t in listed) == ["a", "c"]
    assert [t["key"] for t in client.get(TEMPLATES, headers=agent).json()] == ["a"]


def test_a_template_that_does_not_parse_is_refused_when_saved(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.post(
        TEMPLATES,
        headers=auth_headers["editor"],
        json={"key": "brudt", "title": "Brudt", "body_markdown": "Hej {% if %}"},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/template-error"


@pytest.mark.parametrize("field", ["body_markdown", "subject"])
def test_a_template_whose_macro_calls_itself_is_refused_when_saved_or_edited(
    client: TestClient, auth_headers: dict[str, dict[str, str]], field: str
) -> None:
    """The editor learns it when saving, not an agent when answering a citizen."""
    editor = auth_headers["editor"]
    recursive = "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}"
    template = {"key": "igen", "title": "Igen", "body_markdown": "Hej"}
    refused = client.post(TEMPLATES, headers=editor, json={**template, field: recursive})
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/template-error"
    saved = _create(client, editor, **template)
    edited = client.patch(f"{TEMPLATES}/{saved['id']}", headers=editor, json={field: recursive})
    assert edited.status_code == 422, edited.text
    assert edited.json()["type"] == "/problems/template-error"


def test_a_template_with_a_cpr_number_is_refused_when_saved_or_edited(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    editor = auth_headers["editor"]
    response = client.post(
        TEMPLATES,
        headers=editor,
        json={"key": "cpr", "title": "Svar", "body_markdown": "CPR 01.01.90\u200b-1235"},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/cpr-number-in-text"
    created = _create(client, editor, key="svar", title="Svar", body_markdown="x")
    path = f"{TEMPLATES}/{created['id']}"
    edited = client.patch(path, headers=editor, json={"subject": "Vedr. 010190 - 1235"})
    assert edited.status_code == 422
    assert client.get(path, headers=editor).json()["subject"] is None


def test_duplicate_keys_conflict_and_stale_edits_are_refused(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    editor = auth_headers["editor"]
    created = _create(client, editor, key="svar", title="Svar", body_markdown="x")
    duplicate = client.post(
        TEMPLATES, headers=editor, json={"key": "svar", "title": "Igen", "body_markdown": "y"}
    )
    assert duplicate.status_code == 409
    path = f"{TEMPLATES}/{created['id']}"
    etag = client.get(path, headers=editor).headers["etag"]
    assert client.patch(path, headers={**editor, "If-Match": etag}, json={"title": "Ny"}).is_success
    stale = client.patch(path, headers={**editor, "If-Match": etag}, json={"title": "Ældre"})
    assert stale.status_code == 412
    assert client.get(path, headers=editor).json()["title"] == "Ny"
    assert client.delete(path, headers=editor).status_code == 204
    assert client.get(path, headers=editor).status_code == 404


def test_the_same_shared_template_created_twice_at_once_is_kept_once(
    client: TestClient, auth_headers: dict[str, dict[str, str]], session: Session
) -> None:
    """A double click: the second request read "no template k1" before the first saved one."""
    editor = auth_headers["editor"]
    body = {"key": "k1", "title": "t", "body_markdown": "b"}
    lost, won = twice(client, lambda: client.post(TEMPLATES, headers=editor, json=body))
    assert won.status_code == 201, won.text
    assert lost.status_code == 409 and lost.headers["content-type"] == "application/problem+json"
    shared = session.scalars(
        select(ReplyTemplate.id).where(ReplyTemplate.municipality_code.is_(None))
    ).all()
    assert shared == [won.json()["id"]]


def test_preview_returns_exactly_what_would_be_sent(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.post(
        "/api/v1/replies/preview",
        headers=auth_headers["agent.odense"],
        json={
            "municipality": "751",
            "to": "borger@example.dk",
            "citizen_name": "Jens",
            "subject": "Svar fra {{ municipality }}",
            "body_markdown": "Tak for din **henvendelse**.",
        },
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert sorted(preview) == ["from", "html", "reply_to", "subject", "text"]
    assert preview["from"] == "Aarhus Kommune <borgerservice@aarhus.dk>"
    assert preview["subject"] == "Svar fra Aarhus Kommune"
    assert preview["reply_to"] is None
    assert "<strong>henvendelse</strong>" in preview["html"]
    assert 'src="cid:logo-0751-0@letterhead.hotline"' in preview["html"]
    assert "Kære Jens," in preview["text"]
