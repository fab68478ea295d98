import re
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.contacts import service
from hotline.contacts.models import Contact
from hotline.contacts.schemas import ContactClose, ContactOpen
from hotline.db import make_sessionmaker, transaction
from hotline.knowledge.schemas import ArticleCreate
from hotline.knowledge.service import create_article, create_local_article

OpenContact = Callable[..., Contact]


@pytest.fixture
def open_contact(engine: Engine, demo_users: dict[str, User]) -> OpenContact:
    """Open (and with ``outcome``, close) a contact through the service, committed."""

    def make(
        agent: str = "agent.aarhus",
        municipality: str = "0751",
        *,
        at: datetime | None = None,
        minutes: int = 5,
        outcome: str | None = None,
        **fields: object,
    ) -> Contact:
        from datetime import timedelta

        with transaction(make_sessionmaker(engine)) as session:
            user = session.get_one(User, demo_users[agent].id)
            contact = service.open_contact(
                session, user, ContactOpen(municipality=municipality, **fields), now=at
            )
            if outcome is not None:
                referred = {"referred_to": "skat"} if outcome == "referred" else {}
                service.close_contact(
                    session,
                    user,
                    contact.id,
                    service.contact_version(contact.version),
                    ContactClose(outcome=outcome, **referred),
                    now=contact.started_at + timedelta(minutes=minutes),
                )
            return contact

    return make


def add_article(session: Session, slug: str, municipality: str | None = None) -> None:
    """A published article (shared, or the municipality's own), committed."""
    data = ArticleCreate(slug=slug, title=slug.capitalize(), category="Test", body="Tekst.")
    if municipality is None:
        create_article(session, data, "test")
    else:
        create_local_article(session, municipality, data, "test")
    session.commit()


def user_in(session: Session, demo_users: dict[str, User], key: str) -> User:
    return session.get_one(User, demo_users[key].id)


# What a person reads as a column's heading or a channel's name (the console, the CSV in a
# Danish Excel, the desk's email): capitalised Danish words, no key ("csat_pct") and no ASCII
# stand-in for æ, ø or å ("loest", "haandteret").
_DANISH_WORDS = re.compile(r"[A-ZÆØÅ0-9][\w ,.()%-]*")
_KEYLIKE = re.compile(r"_|aa|oe|ae|pct")


def is_danish_words(text: str) -> bool:
    return bool(_DANISH_WORDS.fullmatch(text)) and not _KEYLIKE.search(text.lower())
