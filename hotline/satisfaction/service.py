"""Citizens rate their answer: the survey behind a contact's signed link, and the survey email
after a phone contact.

The link is the citizen's only credential: it names one contact (``SignedLinkActor`` granting
ANSWER_SURVEY for that contact's municipality), expires after ``survey_link_days`` and cannot
be turned into another contact's without the server secret. Reading the survey (GET) records
nothing, because mail scanners open links before people do; only ``answer_survey`` writes. One
answer per contact, which the citizen may change for ``survey_change_days``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, SignedLinkActor, require
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import (
    NEUTRAL_GREETING,
    ComposedReply,
    compose_reply,
    letter_sender,
)
from hotline.config import Settings
from hotline.contacts import service as contacts_service
from hotline.contacts.models import Channel, Contact
from hotline.contacts.service import editable_contact
from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.kit.markdown import markdown_to_html
from hotline.kit.signed_links import INVALID_TEXT, SignedLinkInvalid
from hotline.knowledge.resolve import today as danish_today
from hotline.letterheads.render import LetterContent, render_letter
from hotline.letterheads.service import Letterhead, letterhead_for
from hotline.municipalities.models import Municipality
from hotline.replies.models import Reply
from hotline.replies.service import enqueue
from hotline.satisfaction.links import (
    contact_of_survey_token,
    record_invitation,
    survey_for_reply,
    survey_preview_link,
    survey_url,
)
from hotline.satisfaction.models import InvitedBy, SurveyInvitation, SurveyResponse
from hotline.satisfaction.schemas import PhoneSurveyRequest, SurveyAnswer


class AnswerLocked(Conflict):
    slug, title = "survey-answer-locked", "The answer can no longer be changed"


class CprNumberInSurveyAnswer(CprNumberInText):
    slug, title = "cpr-number-in-survey-answer", "CPR number in the survey answer"
    danish = (
        "Kommentaren indeholder et CPR-nummer. Skriv aldrig dit CPR-nummer her: kommentaren gemmes."
    )
    english = (
        "The comment contains a Danish personal identification number (CPR); the comment is "
        "kept, so never write your CPR number in it."
    )


class CprNumberInEmailAddress(CprNumberInText):
    slug, title = "cpr-number-in-email-address", "CPR number in the email address"
    danish = (
        "E-mailadressen indeholder et CPR-nummer. Send aldrig CPR-numre med e-mail: bed "
        "borgeren om en adresse uden."
    )
    english = (
        "The email address contains a Danish personal identification number (CPR); ask the "
        "citizen for an address without one, CPR numbers never go by email."
    )


class AlreadyInvited(Conflict):
    slug, title = "survey-already-sent", "The citizen already got the survey"


def send_reply(
    session: Session,
    settings: Settings,
    request: ReplyRequest,
    agent: User,
    idempotency_key: str | None = None,
) -> tuple[Reply, bool]:
    """An agent answers a citizen, and the reply carries the survey link of the contact it joins.

    Satisfaction sits above contacts, which sit above the outbox: the link is made here for the
    agent's open contact with the reply's municipality (the one ``contacts.service.send_reply``
    attaches the reply to), handed down as text, and the contact counted as invited once the
    reply is queued. A replayed request (same Idempotency-Key) invites nobody again.
    """
    require(agent, Action.SEND_REPLY, request.municipality)  # before any contact is looked at
    survey = survey_for_reply(session, settings, agent, request.municipality)
    reply, replayed = contacts_service.send_reply(
        session,
        settings,
        request,
        agent,
        idempotency_key,
        survey_link=survey.url if survey is not None else None,
    )
    if survey is not None and not replayed and reply.contact_id == survey.contact_id:
        record_invitation(session, survey.contact_id, InvitedBy.REPLY, reply.id)
    return reply, replayed


def compose_preview(
    session: Session, settings: Settings, request: ReplyRequest, agent: User
) -> ComposedReply:
    """The letter as ``send_reply`` would send it now, for every preview (API and console): with
    the survey paragraph when the reply will carry one, decided by the same rule
    (``survey_for_reply``), but with a link that opens nothing; the real link is the citizen's
    credential and is signed only into the letter sent."""
    require(agent, Action.SEND_REPLY, request.municipality)  # before any contact is looked at
    survey_link = survey_preview_link(session, settings, agent, request.municipality)
    return compose_reply(session, settings, request, agent, survey_link=survey_link)


@dataclass(frozen=True)
class Survey:
    """What the survey page shows: whose letterhead, and the answer so far (if any)."""

    contact: Contact
    letterhead: Letterhead
    response: SurveyResponse | None
    changeable_until: datetime | None  # None until answered

    def may_change(self, now: datetime) -> bool:
        return self.changeable_until is None or now <= self.changeable_until


def _contact_for_link(
    session: Session, settings: Settings, token: str, now: datetime | None
) -> Contact:
    contact_id = contact_of_survey_token(settings, token, now)
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise SignedLinkInvalid(INVALID_TEXT)
    actor = SignedLinkActor(Action.ANSWER_SURVEY, contact.municipality_code)
    require(actor, Action.ANSWER_SURVEY, contact.municipality_code)
    return contact


def survey_for_link(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> Survey:
    """The survey a link opens. Reads only: a scanner's GET leaves no trace."""
    contact = _contact_for_link(session, settings, token, now)
    response = session.get(SurveyResponse, contact.id)
    municipality = session.get_one(Municipality, contact.municipality_code)
    until = (
        response.first_answered_at + timedelta(days=settings.survey_change_days)
        if response is not None
        else None
    )
    return Survey(contact, letterhead_for(session, settings, municipality), response, until)


def answer_survey(
    session: Session,
    settings: Settings,
    token: str,
    answer: SurveyAnswer,
    *,
    now: datetime | None = None,
) -> SurveyResponse:
    """The citizen's submit: the first answer, or a change within the change window."""
    now = now or utcnow()
    contact = _contact_for_link(session, settings, token, now)
    refuse_cpr_numbers(answer.comment, problem=CprNumberInSurveyAnswer)
    response = session.get(SurveyResponse, contact.id)
    if response is None:
        response = SurveyResponse(contact_id=contact.id, first_answered_at=now, changes=0)
        session.add(response)
    else:
        if now > response.first_answered_at + timedelta(days=settings.survey_change_days):
            raise AnswerLocked(
                "Dit svar kan ikke længere ændres (det kan ændres i "
                f"{settings.survey_change_days} dage). / Your answer can no longer be changed."
            )
        response.changes += 1
    response.rating = answer.rating
    response.got_answer = answer.got_answer.value
    response.comment = answer.comment
    response.answered_at = now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # the same citizen submitted twice at once
        raise Conflict("Dit svar blev allerede gemt. / Your answer was already saved.") from exc
    return response


SURVEY_SUBJECT = "Hvor tilfreds var du med hjælpen?"
SURVEY_BODY = (
    "Tak fordi du ringede til os. Du sagde ja til at give din vurdering af hjælpen.\n\n"
    "Det tager et minut: to spørgsmål og en kommentar, hvis du har lyst. Linket virker i "
    "{days} dage."
)


def send_phone_survey(
    session: Session,
    settings: Settings,
    agent: User,
    contact_id: int,
    data: PhoneSurveyRequest,
    *,
    now: datetime | None = None,
) -> Reply:
    """The survey email after a phone contact, when the citizen agreed: the agent's own,
    closed phone contact, during the shift, once; on the municipality's letterhead."""
    now = now or utcnow()
    contact = editable_contact(session, agent, contact_id, now)
    if not data.citizen_agreed:
        raise InvalidInput("Send the survey email only when the citizen agreed on the phone.")
    if contact.channel != Channel.PHONE.value:
        raise InvalidInput("Only a phone contact gets a survey email; replies carry the link.")
    if contact.is_open:
        raise InvalidInput("Close the contact before sending the survey.")
    if session.get(SurveyInvitation, contact.id) is not None:
        raise AlreadyInvited(f"Contact {contact_id} already got the survey.")
    address = str(data.email) if data.email else contact.citizen_email
    if not address:
        raise InvalidInput("Give the citizen's email address (they agreed to the survey).")
    refuse_cpr_numbers(address, problem=CprNumberInEmailAddress)
    municipality = session.get_one(Municipality, contact.municipality_code)
    letterhead = letterhead_for(session, settings, municipality)
    body_text = SURVEY_BODY.format(days=settings.survey_link_days)
    body_html = markdown_to_html(body_text)
    letter = LetterContent(
        subject=SURVEY_SUBJECT,
        day=danish_today(),
        greeting=f"{NEUTRAL_GREETING},",
        body_html=body_html,
        body_text=body_text,
        agent_first_name=agent.first_name,
        survey_link=survey_url(settings, contact.id, now),
    )
    html, text = render_letter(settings, letterhead, letter, logo_src=None)
    sender, reply_to = letter_sender(settings, letterhead)
    reply = enqueue(
        session,
        settings,
        ComposedReply(
            municipality_code=municipality.code,
            to=address,
            subject=SURVEY_SUBJECT,
            from_name=letterhead.sender_name,
            from_address=sender,
            reply_to=reply_to,
            sending_domain=sender.rpartition("@")[2].lower(),
            html=html,
            text=text,
            inline_images=[],
            article_slugs=[],
        ),
        agent,
    )
    reply.contact_id = contact.id
    if data.email and not contact.citizen_email:
        contact.citizen_email = address  # erased with the contact
    record_invitation(session, contact.id, InvitedBy.PHONE_SURVEY, reply.id, citizen_agreed_at=now)
    return reply


def phone_surveys_of(session: Session, contacts: list[Contact]) -> tuple[set[int], set[int]]:
    """Of ``contacts`` (an agent's), (those that may still get the survey email: closed phone
    contacts not yet invited, those already invited)."""
    ids = [contact.id for contact in contacts]
    invited = set(
        session.scalars(
            select(SurveyInvitation.contact_id).where(SurveyInvitation.contact_id.in_(ids))
        )
    )
    offerable = {
        contact.id
        for contact in contacts
        if contact.channel == Channel.PHONE.value
        and not contact.is_open
        and contact.id not in invited
    }
    return offerable, invited
