"""The citizen's survey behind the signed link: one answer per contact, changeable for 7 days,
the link expires, cannot be forged or turned into another contact's; comments pass the CPR
guard and a length limit; the reply email and the phone survey email carry the link."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts.models import Contact
from hotline.contacts.schemas import ContactOpen
from hotline.contacts.service import open_contact as service_open_contact
from hotline.errors import InvalidInput
from hotline.kit.signed_links import SignedLinkExpired, SignedLinkInvalid
from hotline.replies.models import Reply
from hotline.satisfaction import service
from hotline.satisfaction.links import contact_of_survey_token, partner_token, survey_token
from hotline.satisfaction.models import SurveyInvitation, SurveyResponse
from hotline.satisfaction.schemas import PhoneSurveyRequest, SurveyAnswer
from hotline.satisfaction.service import CprNumberInSurveyAnswer
from tests.contacts.conftest import OpenContact
from tests.replies.conftest import reply_request
from tests.satisfaction.conftest import user

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
GOOD = SurveyAnswer(rating=4, got_answer="ja", comment="Hurtigt og venligt svar.")


def _token_from(text: str) -> str:
    return text.split("/tilfredshed/", 1)[1].split()[0]


def test_a_reply_in_an_open_contact_carries_a_link_naming_that_contact(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact()
    agent = user(session, demo_users, "agent.aarhus")
    reply, _ = service.send_reply(session, settings, reply_request(), agent)
    session.commit()
    assert reply.contact_id == contact.id
    assert "Hvor tilfreds er du med hjælpen?" in reply.text
    assert 'href="http://127.0.0.1:8000/tilfredshed/' in reply.html
    assert contact_of_survey_token(settings, _token_from(reply.text)) == contact.id
    invitation = session.get_one(SurveyInvitation, contact.id)
    assert (invitation.invited_by, invitation.reply_id) == ("reply", reply.id)


def test_a_reply_outside_a_contact_carries_no_link(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    agent = user(session, demo_users, "agent.aarhus")
    reply, _ = service.send_reply(session, settings, reply_request(), agent)
    assert "/tilfredshed/" not in reply.text
    assert session.scalar(select(func.count()).select_from(SurveyInvitation)) == 0


def test_one_answer_per_contact_changeable_for_seven_days_then_refused(
    session: Session, settings: Settings, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    token = survey_token(settings, contact.id, NOW)
    service.answer_survey(session, settings, token, GOOD, now=NOW)
    changed = SurveyAnswer(rating=2, got_answer="delvist", comment=None)
    service.answer_survey(session, settings, token, changed, now=NOW + timedelta(days=6))
    session.commit()
    response = session.get_one(SurveyResponse, contact.id)
    assert (response.rating, response.got_answer, response.comment, response.changes) == (
        2, "delvist", None, 1,
    )  # fmt: skip
    with pytest.raises(service.AnswerLocked):
        service.answer_survey(session, settings, token, GOOD, now=NOW + timedelta(days=7, hours=1))
    session.rollback()
    assert session.get_one(SurveyResponse, contact.id).rating == 2
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_an_expired_link_is_refused(
    session: Session, settings: Settings, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    token = survey_token(settings, contact.id, datetime.now(UTC) - timedelta(days=31))
    with pytest.raises(SignedLinkExpired):
        service.survey_for_link(session, settings, token)
    with pytest.raises(SignedLinkExpired):
        service.answer_survey(session, settings, token, GOOD)
    fresh = survey_token(settings, contact.id, datetime.now(UTC) - timedelta(days=29))
    assert service.survey_for_link(session, settings, fresh).contact.id == contact.id


def test_a_tampered_forged_or_foreign_link_is_refused(
    session: Session, settings: Settings, open_contact: OpenContact
) -> None:
    mine, other = open_contact(outcome="answered"), open_contact(outcome="answered")
    token = survey_token(settings, mine.id, NOW)
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    claims = jwt.decode(token, options={"verify_signature": False})
    # Another contact's id in the same link: the signature no longer matches.
    foreign = jwt.encode({**claims, "cid": other.id}, "x" * 48, algorithm="HS256")
    spliced = ".".join([header, foreign.split(".")[1], signature])
    for bad in (f"{header}.{payload}.{flipped}", foreign, spliced, "not-a-link"):
        with pytest.raises(SignedLinkInvalid):
            service.answer_survey(session, settings, bad, GOOD, now=NOW)
    # A partner-round link is signed with the same key but for another purpose.
    with pytest.raises(SignedLinkInvalid):
        service.survey_for_link(session, settings, partner_token(settings, 1, mine.id, NOW))
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    # The genuine link answers for its own contact only.
    service.answer_survey(session, settings, token, GOOD, now=NOW)
    assert session.get(SurveyResponse, other.id) is None
    assert session.get_one(SurveyResponse, mine.id).rating == 4


def test_a_comment_with_a_cpr_number_or_too_long_is_refused(
    session: Session, settings: Settings, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    token = survey_token(settings, contact.id, NOW)
    with pytest.raises(CprNumberInSurveyAnswer):
        service.answer_survey(
            session, settings, token,
            SurveyAnswer(rating=1, got_answer="nej", comment="Mit CPR er 070761-4285"), now=NOW,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        SurveyAnswer(rating=3, got_answer="ja", comment="x" * 1001)
    with pytest.raises(ValidationError):
        SurveyAnswer(rating=6, got_answer="ja")
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_after_a_phone_call_the_citizen_who_agreed_gets_one_survey_email(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    phone = open_contact(channel="phone", outcome="answered", at=datetime.now(UTC))
    agent = user(session, demo_users, "agent.aarhus")
    with pytest.raises(InvalidInput):  # the citizen did not say yes on the phone
        service.send_phone_survey(
            session, settings, agent, phone.id,
            PhoneSurveyRequest(citizen_agreed=False, email="borger@example.dk"),
        )  # fmt: skip
    with pytest.raises(InvalidInput):  # no address given and none on the contact
        service.send_phone_survey(
            session, settings, agent, phone.id, PhoneSurveyRequest(citizen_agreed=True)
        )
    reply = service.send_phone_survey(
        session,
        settings,
        agent,
        phone.id,
        PhoneSurveyRequest(citizen_agreed=True, email="borger@example.dk"),
    )
    session.commit()
    assert reply.to == "borger@example.dk" and reply.contact_id == phone.id
    assert contact_of_survey_token(settings, _token_from(reply.text)) == phone.id
    invitation = session.get_one(SurveyInvitation, phone.id)
    assert invitation.invited_by == "phone_survey" and invitation.citizen_agreed_at is not None
    with pytest.raises(service.AlreadyInvited):
        service.send_phone_survey(
            session, settings, agent, phone.id, PhoneSurveyRequest(citizen_agreed=True)
        )
    session.rollback()
    other_agent = user(session, demo_users, "agent.odense")
    email_contact = service_open_contact(
        session, agent, ContactOpen(municipality="0751", channel="email")
    )
    with pytest.raises(InvalidInput):  # replies carry the link; only phone gets the email
        service.send_phone_survey(
            session, settings, agent, email_contact.id,
            PhoneSurveyRequest(citizen_agreed=True, email="borger@example.dk"),
        )  # fmt: skip
    session.rollback()
    from hotline.errors import NotFound

    with pytest.raises(NotFound):  # another agent's contact is not theirs to survey
        service.send_phone_survey(
            session, settings, other_agent, phone.id, PhoneSurveyRequest(citizen_agreed=True)
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Reply)) == 1
    assert session.get_one(Contact, phone.id).citizen_email == "borger@example.dk"


def test_a_survey_address_holding_a_cpr_number_is_refused_as_the_address(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    phone = open_contact(channel="phone", outcome="answered", at=datetime.now(UTC))
    agent = user(session, demo_users, "agent.aarhus")
    with pytest.raises(service.CprNumberInEmailAddress):
        service.send_phone_survey(
            session, settings, agent, phone.id,
            PhoneSurveyRequest(citizen_agreed=True, email="010190-1234@example.dk"),
        )  # fmt: skip


def test_the_api_preview_shows_the_survey_paragraph_the_reply_will_carry(
    client: TestClient,
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    auth_headers: dict[str, dict[str, str]],
    open_contact: OpenContact,
) -> None:
    body = reply_request().model_dump(mode="json")
    headers = auth_headers["agent.aarhus"]
    outside = client.post("/api/v1/replies/preview", json=body, headers=headers).json()
    assert "Hvor tilfreds er du med hjælpen?" not in outside["text"]  # no open contact

    open_contact()  # the contact the reply will join
    preview = client.post("/api/v1/replies/preview", json=body, headers=headers).json()
    assert "Hvor tilfreds er du med hjælpen?" in preview["text"]
    assert 'href="http://127.0.0.1:8000/tilfredshed/dit-personlige-link"' in preview["html"]
    # The same letter as sent, but the link opens nothing: the real one is the citizen's.
    agent = user(session, demo_users, "agent.aarhus")
    sent, _ = service.send_reply(session, settings, reply_request(), agent)
    real_link = f"/tilfredshed/{_token_from(sent.text)}"
    assert real_link not in preview["text"]
    paragraph = sent.text.split("Hvor tilfreds", 1)[1].split("\n-- ", 1)[0]
    assert paragraph.replace(real_link, "/tilfredshed/dit-personlige-link") in preview["text"]
    assert session.scalar(select(func.count()).select_from(Reply)) == 1  # the preview sent none
