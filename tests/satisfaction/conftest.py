from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts.models import Contact
from hotline.db import make_sessionmaker, transaction
from hotline.satisfaction import service
from hotline.satisfaction.links import record_invitation, survey_token
from hotline.satisfaction.models import InvitedBy
from hotline.satisfaction.schemas import SurveyAnswer
from tests.contacts.conftest import OpenContact, open_contact

__all__ = ["open_contact"]  # the contacts suite's fixture, shared

Answered = Callable[..., Contact]


@pytest.fixture
def answered(engine: Engine, settings: Settings, open_contact: OpenContact) -> Answered:
    """A closed contact that got the survey link and (with ``rating``) an answer, committed."""

    def make(
        agent: str = "agent.aarhus",
        municipality: str = "0751",
        *,
        rating: int | None = 5,
        got_answer: str = "ja",
        comment: str | None = None,
        at: datetime | None = None,
        **fields: object,
    ) -> Contact:
        contact = open_contact(agent, municipality, at=at, outcome="answered", **fields)
        with transaction(make_sessionmaker(engine)) as session:
            record_invitation(session, contact.id, InvitedBy.REPLY, None)
            if rating is not None:
                token = survey_token(settings, contact.id, contact.started_at)
                answer = SurveyAnswer(rating=rating, got_answer=got_answer, comment=comment)
                service.answer_survey(session, settings, token, answer, now=contact.started_at)
        return contact

    return make


def user(session, demo_users: dict[str, User], key: str) -> User:  # type: ignore[no-untyped-def]
    return session.get_one(User, demo_users[key].id)
