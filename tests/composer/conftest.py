from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import ComposedReply, compose_reply
from hotline.config import Settings
from hotline.knowledge.models import FactType
from hotline.knowledge.schemas import ArticleCreate, FactCreate
from hotline.knowledge.service import create_article, create_fact, set_fact_value

PASSPORT_ARTICLE = (
    "# Pasfoto\n\n"
    "Borgerservice tager pasfoto til {{ gebyr_pasfoto }} kr.\n\n"
    "Ring på {{ borgerservice_telefon }}, hvis du har spørgsmål."
)

Compose = Callable[..., ComposedReply]


@pytest.fixture
def knowledge(session: Session, demo_users: dict[str, User]) -> None:
    """Two facts with values for Aarhus and Odense, and an article using them."""
    create_fact(
        session,
        FactCreate(
            key="gebyr_pasfoto", description="Pris", type=FactType.MONEY, label="prisen for pasfoto"
        ),
        "test",
    )
    create_fact(
        session,
        FactCreate(key="borgerservice_telefon", description="Tlf", type=FactType.PHONE),
        "test",
    )
    for code, fee, phone in [("0751", "1234.5", "89402000"), ("0461", "95", "66131372")]:
        set_fact_value(session, code, "gebyr_pasfoto", fee, "test")
        set_fact_value(session, code, "borgerservice_telefon", phone, "test")
    create_article(
        session,
        ArticleCreate(slug="pasfoto", title="Pasfoto", category="Pas", body=PASSPORT_ARTICLE),
        "test",
    )
    session.commit()


@pytest.fixture
def compose(session: Session, settings: Settings, demo_users: dict[str, User]) -> Compose:
    """Compose as a demo agent (default: Ole in Odense) for a citizen of Aarhus."""

    def _compose(
        agent: str = "agent.odense",
        *,
        settings_: Settings = settings,
        today: date | None = None,
        **fields: Any,
    ) -> ComposedReply:
        request = ReplyRequest.model_validate(
            {
                "municipality": "0751",
                "to": "borger@example.dk",
                "subject": "Svar på dit spørgsmål",
                "body_markdown": "Tak for din henvendelse.",
                **fields,
            }
        )
        return compose_reply(session, settings_, request, demo_users[agent], today=today)

    return _compose
