"""A small knowledge base built through the service layer, shared by the knowledge tests."""

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotline.knowledge import service
from hotline.knowledge.models import Article, FactType, OverrideMode
from hotline.knowledge.schemas import ArticleCreate, FactCreate, OverrideWrite

AARHUS, ODENSE, KOBENHAVN = "0751", "0461", "0101"
EDITOR = "editor@hotline.example"
ADMIN = "admin.aarhus@hotline.example"

PAS_BODY = "Et pas i {{ kommune_navn }} koster {{ gebyr_pas }} kr. Ring på {{ telefon }}."


def add_article(session: Session, slug: str, body: str = "Fælles tekst.", **fields) -> Article:
    data = {"title": slug.replace("-", " ").capitalize(), "category": "Test", **fields}
    return service.create_article(session, ArticleCreate(slug=slug, body=body, **data), EDITOR)


def add_override(
    session: Session,
    code: str,
    article: Article,
    mode: OverrideMode,
    body: str = "",
    title: str | None = None,
):
    data = OverrideWrite(mode=mode, body=body, title=title)
    return service.put_override(session, code, article, data, ADMIN)[0]


@pytest.fixture
def kb(session: Session, municipalities: None) -> Session:
    """Facts with values for Aarhus and Odense (Odense lacks the phone), and one article."""
    for key, fact_type in (
        ("kommune_navn", FactType.TEXT),
        ("gebyr_pas", FactType.MONEY),
        ("telefon", FactType.PHONE),
    ):
        service.create_fact(session, FactCreate(key=key, description=key, type=fact_type), EDITOR)
    for code, values in {
        AARHUS: {
            "kommune_navn": "Aarhus Kommune",
            "gebyr_pas": 1234.5,
            "telefon": "+45 89 40 20 00",
        },
        ODENSE: {"kommune_navn": "Odense Kommune", "gebyr_pas": 893},
    }.items():
        for key, value in values.items():
            service.set_fact_value(session, code, key, value, ADMIN)
    add_article(session, "pas", PAS_BODY)
    session.commit()
    return session


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
