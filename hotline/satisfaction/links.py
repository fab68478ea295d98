"""The citizen's survey link: signed, naming one contact, valid SURVEY_LINK_DAYS.

Kept apart from the service (and free of outbox imports) because the replies service asks for
a link while it composes a reply; the service in turn queues mail through the replies service.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts.service import open_contact_of
from hotline.db import utcnow
from hotline.kit.signed_links import sign_link, verify_link
from hotline.satisfaction.models import InvitedBy, SurveyInvitation

SURVEY_PURPOSE = "survey"
PARTNER_PURPOSE = "partner-round"
PREVIEW_TOKEN = "dit-personlige-link"  # noqa: S105 - not a secret: a placeholder in previews


def survey_token(settings: Settings, contact_id: int, now: datetime) -> str:
    expires = now + timedelta(days=settings.survey_link_days)
    return sign_link(settings.signing_key, SURVEY_PURPOSE, {"cid": contact_id}, expires)


def survey_url(settings: Settings, contact_id: int, now: datetime) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/tilfredshed/{survey_token(settings, contact_id, now)}"


def contact_of_survey_token(settings: Settings, token: str, now: datetime | None = None) -> int:
    """The contact a survey link names (SignedLinkInvalid / SignedLinkExpired otherwise)."""
    return int(verify_link(settings.signing_key, token, SURVEY_PURPOSE, ("cid",), now)["cid"])


def partner_token(settings: Settings, round_id: int, user_id: int, expires: datetime) -> str:
    return sign_link(
        settings.signing_key, PARTNER_PURPOSE, {"rnd": round_id, "uid": user_id}, expires
    )


def partner_url(settings: Settings, round_id: int, user_id: int, expires: datetime) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/partner/{partner_token(settings, round_id, user_id, expires)}"


def round_of_partner_token(
    settings: Settings, token: str, now: datetime | None = None
) -> tuple[int, int]:
    claims = verify_link(settings.signing_key, token, PARTNER_PURPOSE, ("rnd", "uid"), now)
    return int(claims["rnd"]), int(claims["uid"])


@dataclass(frozen=True)
class ReplySurvey:
    contact_id: int
    url: str


def survey_for_reply(
    session: Session, settings: Settings, agent: User, municipality_code: str
) -> ReplySurvey | None:
    """The survey link a reply carries: for the contact the reply will be attached to (the
    agent's open contact for the same municipality, see contacts' ``attach_reply``)."""
    contact = open_contact_of(session, agent)
    if contact is None or contact.municipality_code != municipality_code:
        return None
    return ReplySurvey(contact.id, survey_url(settings, contact.id, utcnow()))


def survey_preview_link(
    session: Session, settings: Settings, agent: User, municipality_code: str | None
) -> str | None:
    """Where the reply's preview shows the survey paragraph the citizen will get (when the reply
    will carry one, see ``survey_for_reply``): a link that opens nothing, because the real one
    is the citizen's credential and is signed only into the letter sent."""
    if (
        not municipality_code
        or survey_for_reply(session, settings, agent, municipality_code) is None
    ):
        return None
    return f"{settings.public_base_url.rstrip('/')}/tilfredshed/{PREVIEW_TOKEN}"


def record_invitation(
    session: Session,
    contact_id: int,
    invited_by: InvitedBy,
    reply_id: int | None,
    *,
    citizen_agreed_at: datetime | None = None,
) -> None:
    """The first link mailed for a contact counts it as invited (response-rate denominator)."""
    if session.get(SurveyInvitation, contact_id) is None:
        invitation = SurveyInvitation(
            contact_id=contact_id,
            invited_by=invited_by.value,
            reply_id=reply_id,
            citizen_agreed_at=citizen_agreed_at,
        )
        session.add(invitation)
        session.flush()
