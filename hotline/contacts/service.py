"""Registering contacts: open, attach what the agent reads and sends, correct, close.

Every function takes the acting subject and authorises through hotline/auth/permissions.py.
An agent registers contacts under ``SEND_REPLY`` (answering citizens, for any municipality) and
sees their own; ``READ_ALL_CONTACTS`` (supervisor, operator) sees every one. Reading a
contact's personal data writes a ContactReadAudit row.

The shift: an agent may correct their own contact until CORRECTION_WINDOW after it started
(12 hours, the longest shift), whether it is still open or already closed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from hotline.auth.models import User
from hotline.auth.permissions import Action, can, require, scope_contacts
from hotline.composer.schemas import ReplyRequest
from hotline.config import Settings
from hotline.contacts.calendar import local, local_day_start
from hotline.contacts.models import (
    ArticleUse,
    Contact,
    ContactArticle,
    ContactReadAudit,
    Forward,
    Outcome,
)
from hotline.contacts.schemas import ContactClose, ContactOpen, ContactUpdate
from hotline.db import LoopReads, dialect_insert, utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from hotline.kit import versions
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.knowledge.service import resolved_article_sources_for
from hotline.municipalities.models import Municipality
from hotline.replies import service as replies_service
from hotline.replies.models import Reply

CORRECTION_WINDOW = timedelta(hours=12)
PERSONAL_FIELDS = ("citizen_name", "citizen_phone", "citizen_email", "note")


class ContactClosed(Conflict):
    slug, title = "contact-closed", "The contact is closed"


class ShiftOver(Forbidden):
    slug, title = "shift-over", "The contact can no longer be corrected"


class CprNumberInContact(CprNumberInText):
    slug, title = "cpr-number-in-contact", "CPR number in the contact"
    danish = (
        "Noten eller borgerens oplysninger indeholder et CPR-nummer. Skriv aldrig CPR-numre "
        "på en henvendelse: den gemmes."
    )
    english = (
        "The contact's note or the citizen's details contain a Danish personal identification "
        "number (CPR); a contact is kept, so never write one there."
    )


def set_local_time_columns(contact: Contact, started_at: datetime) -> None:
    """The Copenhagen day, week, month, hour and weekday the reports group by."""
    moment = local(started_at)
    day = moment.date()
    contact.started_at = started_at
    contact.local_date = day
    contact.local_week = day - timedelta(days=day.weekday())
    contact.local_month = day.replace(day=1)
    contact.local_hour = moment.hour
    contact.local_weekday = day.weekday()


def _check_outcome(outcome: str | None, referred_to: str | None) -> None:
    if (outcome == Outcome.REFERRED.value) != (referred_to is not None):
        raise InvalidInput(
            "Name the authority (referred_to) exactly when the outcome is 'referred'."
        )


def contact_version(version: int) -> str:
    """A contact's version as its ETag names it (``"contact-v3"``); the console's form carries
    only the number."""
    return f'"contact-v{version}"'


def check_version(contact: Contact, expected_version: str | None) -> None:
    """412 with the contact's current ETag unless ``expected_version`` (If-Match: an ETag,
    several, or ``*``, read as every other resource's) names it. None checks nothing: the API
    requires If-Match itself, and the application's own callers act on what they just read."""
    versions.check_version(
        expected_version,
        contact_version(contact.version),
        what=f"contact {contact.id}",
        required=False,
    )


def flush_versioned(session: Session, contact: Contact) -> None:
    """Flush a change of ``contact``; someone who changed it in between (the UPDATE's version
    check found no row) gets the same answer as a stale If-Match, never a 500."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            f"Contact {contact.id} changed while you were saving; nothing was overwritten."
        ) from exc


def open_contact(
    session: Session, user: User, data: ContactOpen, *, now: datetime | None = None
) -> Contact:
    """Choosing the citizen's municipality opens a contact for the agent."""
    require(user, Action.SEND_REPLY, data.municipality)
    municipality = session.get(Municipality, data.municipality)
    if municipality is None:
        raise InvalidInput(f"No municipality {data.municipality}.")
    refuse_cpr_numbers(
        data.citizen_name, data.citizen_phone, data.citizen_email, problem=CprNumberInContact
    )
    contact = Contact(
        municipality_code=municipality.code,
        member=municipality.member,
        channel=data.channel.value,
        agent_id=user.id,
        topic=data.topic,
        citizen_name=data.citizen_name,
        citizen_phone=data.citizen_phone,
        citizen_email=str(data.citizen_email) if data.citizen_email else None,
    )
    set_local_time_columns(contact, now or utcnow())
    session.add(contact)
    session.flush()
    return contact


def _visible(session: Session, user: User, contact_id: int) -> Contact:
    """The agent's own contact, or any for READ_ALL_CONTACTS; to anyone else it does not exist."""
    contact = session.get(Contact, contact_id)
    if contact is None or not (
        contact.agent_id == user.id
        or can(user, Action.READ_ALL_CONTACTS, contact.municipality_code)
    ):
        raise NotFound(f"No contact {contact_id}.")
    return contact


def editable_contact(
    session: Session, user: User, contact_id: int, now: datetime | None = None
) -> Contact:
    """The agent's own contact while they may still correct it (CORRECTION_WINDOW).

    Only the subject's own contacts are looked in: to anyone else, whatever their role, it does
    not exist (404, as their GET answers), so a refusal cannot tell that the contact exists or
    which municipality it is for."""
    # the articles are loaded when used (recording one, forwarding), not for a close or a
    # correction: one round trip less on the agent's close key
    contact = session.scalar(
        select(Contact)
        .where(Contact.id == contact_id, Contact.agent_id == user.id)
        .options(lazyload(Contact.articles))
    )
    if contact is None:
        raise NotFound(f"No contact {contact_id}.")
    require(user, Action.SEND_REPLY, contact.municipality_code)
    if (now or utcnow()) > contact.started_at + CORRECTION_WINDOW:
        raise ShiftOver(
            f"Contact {contact_id} started more than {CORRECTION_WINDOW.seconds // 3600} hours "
            "ago; ask a supervisor to correct it."
        )
    return contact


def get_contact(session: Session, user: User, contact_id: int) -> Contact:
    """A contact with its personal data; the read is audited."""
    contact = _visible(session, user, contact_id)
    if contact.erased_at is None and any(getattr(contact, f) for f in PERSONAL_FIELDS):
        session.add(ContactReadAudit(contact_id=contact.id, reader_id=user.id, purpose="read"))
        session.flush()
    return contact


def open_contact_of(session: Session, user: User) -> Contact | None:
    """The agent's newest open contact, if any (the one the console attaches things to)."""
    return session.scalar(
        select(Contact)
        .where(Contact.agent_id == user.id, Contact.ended_at.is_(None))
        .order_by(Contact.started_at.desc(), Contact.id.desc())
        .limit(1)
    )


_contacts = Contact.__table__
_OPEN_CONTACT = (
    select(_contacts.c.id)
    .where(_contacts.c.agent_id == bindparam("agent_id"), _contacts.c.ended_at.is_(None))
    .limit(1)
)


def has_open_contact(session: Session, agent_id: int) -> bool:
    """Whether the agent has an open contact: one plain row through an index, nothing loaded
    (asked on every search the agent types)."""
    return session.execute(_OPEN_CONTACT, {"agent_id": agent_id}).first() is not None


async def has_open_contact_from_loop(reads: LoopReads, agent_id: int) -> bool:
    """``has_open_contact`` from the event loop, without a thread hop (``NeedsDatabase`` where
    ``reads`` cannot answer at once)."""
    return await reads.one(_OPEN_CONTACT, {"agent_id": agent_id}) is not None


def record_article(
    session: Session, user: User, contact_id: int, slug: str, use: ArticleUse
) -> Contact:
    """An article the agent opened or attached; once per (slug, use), no version needed. Only
    one the contact's municipality reads (published, in force, not hidden there: the knowledge
    base's own rules, 404 otherwise), so the contact never names an article no one could."""
    contact = editable_contact(session, user, contact_id)
    if not contact.is_open:
        raise ContactClosed(f"Contact {contact_id} is closed.")
    resolved_article_sources_for(session, user, contact.municipality_code, slug)
    if not any(a.slug == slug and a.use == use.value for a in contact.articles):
        # One statement that leaves a row a parallel request (a retry) recorded a moment ago
        # as it is: no savepoint to roll back, and on SQLite no write lock taken before it.
        session.execute(
            dialect_insert(session)(ContactArticle)
            .values(contact_id=contact.id, slug=slug, use=use.value, at=utcnow())
            .on_conflict_do_nothing(index_elements=["contact_id", "slug", "use"])
        )
        session.refresh(contact, ["articles"])
    return contact


def update_contact(
    session: Session,
    user: User,
    contact_id: int,
    expected_version: str | None,
    data: ContactUpdate,
) -> Contact:
    """Correct one's own contact during the shift (only the fields sent change)."""
    contact = editable_contact(session, user, contact_id)
    check_version(contact, expected_version)
    changes = data.model_dump(exclude_unset=True)
    refuse_cpr_numbers(
        *(str(v) for k, v in changes.items() if v is not None), problem=CprNumberInContact
    )
    if contact.is_open and ({"outcome", "referred_to"} & changes.keys()):
        raise InvalidInput("Close the contact to give its outcome.")
    if "outcome" in changes and changes["outcome"] is None:
        raise InvalidInput("A closed contact keeps an outcome; give the right one instead.")
    for field, value in changes.items():
        setattr(contact, field, value.value if hasattr(value, "value") else value)
    if contact.citizen_email is not None:
        contact.citizen_email = str(contact.citizen_email)
    if not contact.is_open:
        _check_outcome(contact.outcome, contact.referred_to)
    flush_versioned(session, contact)
    return contact


def close_contact(
    session: Session,
    user: User,
    contact_id: int,
    expected_version: str | None,
    data: ContactClose,
    *,
    now: datetime | None = None,
) -> Contact:
    """One keystroke plus the outcome: the handling time runs from start to now."""
    now = now or utcnow()
    contact = editable_contact(session, user, contact_id, now)
    check_version(contact, expected_version)
    if not contact.is_open:
        raise ContactClosed(f"Contact {contact_id} is already closed; correct it instead.")
    referred_to = data.referred_to.value if data.referred_to else None
    _check_outcome(data.outcome.value, referred_to)
    refuse_cpr_numbers(data.note, problem=CprNumberInContact)
    contact.ended_at = now
    contact.handling_seconds = max(0, int((now - contact.started_at).total_seconds()))
    contact.outcome = data.outcome.value
    contact.referred_to = referred_to
    if data.topic is not None:
        contact.topic = data.topic
    if data.note is not None:
        contact.note = data.note or None
    flush_versioned(session, contact)
    return contact


def contacts_today(session: Session, user: User, *, now: datetime | None = None) -> list[Contact]:
    """ "Mine henvendelser i dag": the agent's own contacts since local midnight, newest first."""
    since = local_day_start(local(now or utcnow()).date())
    stmt = (
        select(Contact)
        .where(Contact.agent_id == user.id, Contact.started_at >= since)
        .order_by(Contact.started_at.desc(), Contact.id.desc())
    )
    return list(session.scalars(stmt))


def list_contacts(
    session: Session,
    user: User,
    *,
    since: datetime,
    until: datetime | None = None,
    municipality: str | None = None,
    limit: int = 200,
) -> list[Contact]:
    """Contacts started in the window: every one for READ_ALL_CONTACTS, else one's own."""
    stmt = select(Contact).where(Contact.started_at >= since)
    if until is not None:
        stmt = stmt.where(Contact.started_at < until)
    if municipality is not None:
        stmt = stmt.where(Contact.municipality_code == municipality)
    stmt = scope_contacts(
        stmt, user, Action.READ_ALL_CONTACTS, Contact.municipality_code, Contact.agent_id
    )
    return list(session.scalars(stmt.order_by(Contact.started_at.desc()).limit(limit)))


def send_reply(
    session: Session,
    settings: Settings,
    request: ReplyRequest,
    agent: User,
    idempotency_key: str | None = None,
    *,
    survey_link: str | None = None,
) -> tuple[Reply, bool]:
    """An agent answers a citizen: the reply is composed and queued (the replies service), and
    a new one joins the agent's open contact for that municipality. The contact sits above the
    outbox it sends through, so the use case that joins both lives here. ``survey_link`` (from
    ``hotline.satisfaction``, which sits above contacts) is printed in the letter."""
    reply, replayed = replies_service.submit(
        session, settings, request, agent, idempotency_key, survey_link=survey_link
    )
    if not replayed:
        attach_reply(session, reply, agent)
    return reply, replayed


def attach_reply(session: Session, reply: Reply, agent: User) -> None:
    """Link a reply just sent to the agent's open contact for the same municipality, and record
    its articles as attached (no open contact, no link)."""
    contact = open_contact_of(session, agent)
    if contact is None or contact.municipality_code != reply.municipality_code:
        return
    reply.contact_id = contact.id
    for slug in reply.article_slugs:
        if not any(a.slug == slug and a.use == ArticleUse.ATTACHED.value for a in contact.articles):
            contact.articles.append(ContactArticle(slug=slug, use=ArticleUse.ATTACHED.value))
    session.flush()


@dataclass(frozen=True)
class ShiftView:
    """The supervisor's live view: who is on a contact now, how the shift has gone."""

    open_contacts: list[tuple[Contact, str]]  # with the agent's name
    by_outcome: dict[str, int]  # contacts closed in the shift, per outcome
    started_in_shift: int
    overdue_forwards: int


def shift_view(session: Session, user: User, *, now: datetime | None = None) -> ShiftView:
    """The last CORRECTION_WINDOW (one shift): open contacts, outcomes, overdue forwards."""
    require(user, Action.READ_SHIFT)
    now = now or utcnow()
    since = now - CORRECTION_WINDOW
    open_rows = session.execute(
        select(Contact, User.full_name)
        .join(User, User.id == Contact.agent_id)
        .where(Contact.ended_at.is_(None), Contact.started_at >= since)
        .order_by(Contact.started_at)
    ).all()
    by_outcome: dict[str | None, int] = {
        outcome: count
        for outcome, count in session.execute(
            select(Contact.outcome, func.count())
            .where(Contact.started_at >= since, Contact.outcome.is_not(None))
            .group_by(Contact.outcome)
        )
    }
    started = session.scalar(select(func.count()).where(Contact.started_at >= since)) or 0
    overdue = session.scalar(
        select(func.count()).where(Forward.handled_at.is_(None), Forward.due_at < now)
    )
    return ShiftView(
        [(row[0], row[1]) for row in open_rows],
        {str(k): int(v) for k, v in by_outcome.items()},
        int(started),
        int(overdue or 0),
    )
