"""What reaches the citizen (issue 14): the whole shared body, never a template's placeholder or
the agents' own notes, a link to the rest of a cut excerpt, readable plain text, a reference."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import UnfilledPlaceholder, seed_shared_templates
from hotline.config import Settings
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from hotline.knowledge.service import create_article, get_article, put_override
from hotline.replies.service import submit
from tests.composer.conftest import Compose

pytestmark = pytest.mark.usefixtures("knowledge")

SHARED_BODY = (
    "# Hegnssyn\r\n"
    "Et hegnssyn afgør en strid om et hegn mellem naboer.\r\n"
    "Du betaler et gebyr, når du beder om et hegnssyn."
)
AGENT_NOTE = "Aarhus-borgere, der ringer efter kl. 15, skal have sagsnummeret klar."


def test_an_article_saved_with_browser_line_endings_keeps_its_shared_body_in_the_excerpt(
    session: Session, compose: Compose
) -> None:
    """The shared body used to become one block starting with '# ' and vanish as a heading."""
    hegnssyn = create_article(
        session,
        ArticleCreate.model_validate(
            {"slug": "hegnssyn", "title": "Hegnssyn", "category": "Byg", "body": SHARED_BODY}
        ),
        "test",
    )
    assert "\r" not in hegnssyn.body
    put_override(
        session,
        "0751",
        hegnssyn,
        OverrideWrite(mode=OverrideMode.APPEND, body="Særligt i Aarhus: ring til Teknik."),
        "test",
    )

    reply = compose(article_slugs=["hegnssyn"])

    assert "Et hegnssyn afgør en strid" in reply.text
    assert "Et hegnssyn afgør en strid" in reply.html
    assert "Særligt i Aarhus" in reply.text


def test_an_excerpt_of_a_body_without_blank_lines_keeps_all_but_its_heading_line(
    session: Session, compose: Compose
) -> None:
    create_article(
        session,
        ArticleCreate(
            slug="hegn", title="Hegn", category="Byg", body="# Hegn\nKun én blok med tekst."
        ),
        "test",
    )
    reply = compose(article_slugs=["hegn"])
    assert "Kun én blok med tekst." in reply.text
    assert "# Hegn" not in reply.text


def test_the_agents_notes_are_never_mailed(session: Session, compose: Compose) -> None:
    create_article(
        session,
        ArticleCreate(
            slug="affald",
            title="Affald",
            category="Miljø",
            body="Storskrald hentes hver anden uge.",
            agent_notes=AGENT_NOTE,
        ),
        "test",
    )
    put_override(
        session,
        "0751",
        get_article(session, "affald"),
        OverrideWrite(
            mode=OverrideMode.APPEND, body="Tilmeld dig på aarhus.dk.", agent_notes="Kun Aarhus."
        ),
        "test",
    )
    reply = compose(article_slugs=["affald"])
    assert "Storskrald" in reply.text
    for secret in (AGENT_NOTE, "Kun Aarhus."):
        assert secret not in reply.text
        assert secret not in reply.html


def test_a_cut_excerpt_links_the_full_text_the_article_gives(
    session: Session, compose: Compose
) -> None:
    paragraphs = "\n\n".join(f"Afsnit {n}: " + "ord " * 60 for n in range(12))
    create_article(
        session,
        ArticleCreate(
            slug="lang",
            title="Lang vejledning",
            category="Test",
            body=f"Se mere på [borger.dk](https://www.borger.dk/lang).\n\n{paragraphs}",
        ),
        "test",
    )
    reply = compose(article_slugs=["lang"])
    assert "…" in reply.text
    assert 'href="https://www.borger.dk/lang"' in reply.html
    assert "Læs hele teksten (https://www.borger.dk/lang)" in reply.text


def test_web_addresses_are_links_and_the_plain_text_has_no_markdown(compose: Compose) -> None:
    reply = compose(
        body_markdown="## Svar\n\nDet koster **100 kr.** Læs mere på https://www.aarhus.dk/pas."
    )
    assert '<a href="https://www.aarhus.dk/pas"' in reply.html
    assert "Det koster 100 kr. Læs mere på https://www.aarhus.dk/pas." in reply.text
    assert "**" not in reply.text
    assert "##" not in reply.text


def test_a_template_placeholder_left_in_the_reply_blocks_sending_and_says_where(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    seed_shared_templates(session)
    request = ReplyRequest(
        municipality="0751",
        to="borger@example.dk",
        subject="Svar",
        template="tak-for-henvendelsen",
        body_markdown="Tak for din henvendelse til Aarhus.\n\n[Skriv svaret her.]\n\nVenlig hilsen",
    )
    with pytest.raises(UnfilledPlaceholder) as refused:
        submit(session, settings, request, demo_users["agent.aarhus"])
    assert "»[Skriv svaret her.]« i linje 3" in refused.value.detail

    # Without naming the template the placeholder is still recognised.
    unnamed = request.model_copy(update={"template": None})
    with pytest.raises(UnfilledPlaceholder):
        submit(session, settings, unnamed, demo_users["agent.aarhus"])

    answered = request.model_copy(
        update={"body_markdown": "Tak.\n\nDit pas kan hentes i morgen.\n\n[Læs mere](https://x.dk)"}
    )
    reply, _ = submit(session, settings, answered, demo_users["agent.aarhus"])
    assert reply.id is not None


def test_the_api_refuses_an_unfilled_placeholder_as_problem_json(
    session: Session, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    seed_shared_templates(session)
    session.commit()
    response = client.post(
        "/api/v1/replies",
        headers=auth_headers["agent.aarhus"],
        json={
            "municipality": "0751",
            "to": "borger@example.dk",
            "subject": "Svar",
            "template": "tak-for-henvendelsen",
            "body_markdown": "",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("unfilled-placeholder")
    assert "[Skriv svaret her.]" in problem["detail"]


def test_each_reply_has_its_own_reference_in_subject_footer_and_record(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    request = ReplyRequest(
        municipality="0751", to="borger@example.dk", subject="Svar", body_markdown="Tak."
    )
    first, _ = submit(session, settings, request, demo_users["agent.aarhus"])
    second, _ = submit(session, settings, request, demo_users["agent.aarhus"])

    assert first.reference is not None and re.fullmatch(r"HL-[2-9A-Z]{5}", first.reference)
    assert first.reference != second.reference
    assert first.subject == f"Svar [{first.reference}]"
    assert f"Reference: {first.reference}" in (first.text or "")
    assert first.reference in (first.html or "")
    assert first.mime is not None and first.reference.encode() in first.mime
