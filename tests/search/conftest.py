"""A small knowledge base built through the knowledge services, and a search helper."""

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from hotline.knowledge import service as kb
from hotline.knowledge.models import Article, FactType, OverrideMode
from hotline.knowledge.schemas import ArticleCreate, FactCreate
from hotline.search import service
from hotline.search.schemas import SearchRead
from tests.knowledge.conftest import add_override

AARHUS, ODENSE, KOBENHAVN, FREDERIKSBERG = "0751", "0461", "0101", "0147"
EDITOR = "editor@hotline.example"
ADMIN = "admin@hotline.example"


def add_article(session: Session, slug: str, title: str, body: str, **fields: object) -> Article:
    data = ArticleCreate(slug=slug, title=title, body=body, **{"category": "Test", **fields})
    return kb.create_article(session, data, EDITOR)


def add_local(session: Session, code: str, slug: str, title: str, body: str) -> None:
    data = ArticleCreate(slug=slug, title=title, body=body, category="Lokalt")
    kb.create_local_article(session, code, data, ADMIN)


def build_corpus(session: Session) -> None:
    """Shared articles with an override of each mode, a local article and fact values."""
    kb.create_fact(
        session, FactCreate(key="telefon", description="telefon", type=FactType.PHONE), EDITOR
    )
    kb.set_fact_value(session, AARHUS, "telefon", "+45 89 40 20 00", ADMIN)
    kb.set_fact_value(session, ODENSE, "telefon", "+45 65 51 25 00", ADMIN)
    add_article(
        session,
        "sundhedskort-nyt",
        "Nyt sundhedskort",
        "Har du mistet sundhedskortet, bestiller du et nyt på borger.dk. "
        "Ring til Borgerservice på {{ telefon }}.",
        category="Sundhed",
    )
    parking = add_article(
        session,
        "beboerlicens",
        "Parkeringstilladelse til beboere",
        "En beboerlicens giver ret til at parkere i zonen, hvor du bor. Betal med kvikbetaling.",
        category="Trafik",
    )
    snow = add_article(
        session,
        "snerydning",
        "Snerydning og glatførebekæmpelse",
        "Kommunen rydder veje efter en fast ruteplan. Fortovet rydder grundejeren.",
        category="Trafik",
    )
    bonfire = add_article(
        session, "baal", "Bål og afbrænding", "Bål i haven er tilladt uden for tørkeperioder."
    )
    add_override(
        session, AARHUS, snow, OverrideMode.APPEND, "Aarhus rydder også Dokk1-pladsen med saltbil."
    )
    add_override(
        session,
        AARHUS,
        parking,
        OverrideMode.REPLACE,
        "Aarhus har beboerlicens i hele midtbyen; søg i Giv et praj.",
        title="Beboerlicens i Aarhus",
    )
    add_override(session, AARHUS, bonfire, OverrideMode.HIDE)
    add_local(
        session, ODENSE, "letbane-odense", "Letbanen i Odense", "Letbanen kører hvert tiende minut."
    )


@pytest.fixture
def corpus(session: Session, municipalities: None) -> Session:
    build_corpus(session)
    session.commit()
    return session


@pytest.fixture
def search(corpus: Session) -> Callable[..., SearchRead]:
    """Search as an agent does, one transaction per query."""

    def run(query: str, municipality: str, **options: object) -> SearchRead:
        result = service.search(corpus, query, municipality, **options)
        corpus.commit()
        return result

    return run


# What the behaviour corpus is searched for: every kind of text it holds (an appended section,
# a replaced and a hidden article, a local article, fact values, synonyms, a prefix, a typo).
CORPUS_QUERIES = (
    "saltbil",
    "ruteplan",
    "kvikbetaling",
    "midtbyen",
    "bål i haven",
    "letbanen",
    "89 40 20 00",
    "nyt sygesikringskort",
    "parkering",
    "glatføre",
    "sundhedskrot",
    "kommunen rydder zonen",
)
CORPUS_MUNICIPALITIES = (AARHUS, ODENSE, KOBENHAVN, FREDERIKSBERG)


def slugs(result: SearchRead) -> list[str]:
    return [hit.slug for hit in result.results]
