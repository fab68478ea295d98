"""The agents' side: "Dagens møder", starting a meeting (a contact with channel ``meeting``,
filled in from the booking) and recording a no-show.

Agents hold meetings under SEND_REPLY (they answer citizens of every municipality); the day's
list is the whole team's, each meeting marked with who started it, so an agent sees their own
and the team's. Reading the list shows the citizens' details, so it is for those who hold
meetings (SEND_REPLY) or see every contact (READ_ALL_CONTACTS), and for a municipality's admins
its own municipality's meetings (EDIT_LOCAL_MEETINGS: they may cancel them there).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, can, require
from hotline.contacts.calendar import local_day_start
from hotline.contacts.models import Channel, Contact
from hotline.contacts.schemas import ContactOpen
from hotline.contacts.service import open_contact
from hotline.db import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.knowledge.resolve import ArticleNotApplicable, resolve
from hotline.meetings.models import Booking, BookingState, MeetingType, MeetingTypeOverride


class MeetingAlreadyStarted(Conflict):
    slug, title = "meeting-already-started", "The meeting was already started or closed"


@dataclass(frozen=True)
class LinkedArticle:
    slug: str
    title: str  # as it reads in the citizen's municipality


@dataclass(frozen=True)
class AgendaItem:
    booking: Booking
    meeting_type: MeetingType
    articles: list[LinkedArticle]
    local_instructions: str
    mine: bool  # started by the reading agent


def _articles(
    session: Session, slugs: list[str], municipality: str, day: date
) -> list[LinkedArticle]:
    found = []
    for slug in slugs:
        try:
            found.append(LinkedArticle(slug, resolve(session, slug, municipality, at=day).title))
        except (NotFound, ArticleNotApplicable):
            continue  # withdrawn since the type was defined, or not for this municipality
    return found


def todays_meetings(
    session: Session, user: User, *, day: date | None = None, mine_only: bool = False
) -> list[AgendaItem]:
    """The meetings of ``day`` (Copenhagen; default today) in time order, with the answers,
    the linked articles resolved for each citizen's municipality and its local instructions."""
    own_only = not (can(user, Action.SEND_REPLY) or can(user, Action.READ_ALL_CONTACTS))
    if own_only and not can(user, Action.EDIT_LOCAL_MEETINGS, user.municipality_code):
        raise Forbidden(f"Your role ({user.role}) neither holds nor cancels meetings.")
    day = day or utcnow().astimezone(COPENHAGEN).date()
    stmt = (
        select(Booking, MeetingType, MeetingTypeOverride)
        .join(MeetingType, MeetingType.id == Booking.meeting_type_id)
        .outerjoin(
            MeetingTypeOverride,
            (MeetingTypeOverride.meeting_type_id == Booking.meeting_type_id)
            & (MeetingTypeOverride.municipality_code == Booking.municipality_code),
        )
        .where(
            Booking.starts_at >= local_day_start(day),
            Booking.starts_at < local_day_start(day + timedelta(days=1)),
            Booking.seat.is_not(None),  # not cancelled
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    if own_only:
        stmt = stmt.where(Booking.municipality_code == user.municipality_code)
    if mine_only:
        stmt = stmt.where(Booking.agent_id == user.id)
    return [
        AgendaItem(
            booking=booking,
            meeting_type=meeting_type,
            articles=_articles(session, meeting_type.article_slugs, booking.municipality_code, day),
            local_instructions=override.local_instructions if override else "",
            mine=booking.agent_id == user.id,
        )
        for booking, meeting_type, override in session.execute(stmt).all()
    ]


def _booked(session: Session, user: User, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"No meeting {booking_id}.")
    require(user, Action.SEND_REPLY, booking.municipality_code)
    if booking.state != BookingState.BOOKED.value:
        raise MeetingAlreadyStarted(f"Mødet er allerede {booking.state}; intet blev ændret.")
    return booking


def start_meeting(
    session: Session, user: User, booking_id: int, *, now: datetime | None = None
) -> Contact:
    """The agent starts the meeting: a contact (channel ``meeting``) opens with the citizen's
    details and the meeting type as topic; the booking is held, by this agent, at ``now``
    (reports compare it with the slot's start)."""
    now = now or utcnow()
    booking = _booked(session, user, booking_id)
    meeting_type = session.get_one(MeetingType, booking.meeting_type_id)
    contact = open_contact(
        session,
        user,
        ContactOpen(
            municipality=booking.municipality_code,
            channel=Channel.MEETING,
            topic=meeting_type.title[:80],
            citizen_name=booking.citizen_name or "",
            citizen_phone=booking.citizen_phone,
            citizen_email=booking.citizen_email,
        ),
        now=now,
    )
    booking.state = BookingState.HELD.value
    booking.agent_id = user.id
    booking.contact_id = contact.id
    booking.started_at = now
    session.flush()
    return contact


def record_no_show(
    session: Session, user: User, booking_id: int, *, now: datetime | None = None
) -> Booking:
    """The citizen did not come: recorded once the slot has begun, never before."""
    booking = _booked(session, user, booking_id)
    if (now or utcnow()) < booking.starts_at:
        raise InvalidInput("Udeblivelse kan først registreres, når mødet skulle være begyndt.")
    booking.state = BookingState.NO_SHOW.value
    booking.agent_id = user.id
    session.flush()
    return booking
