""" "Send til kommunen": an internal message to the municipality's desk, through the outbox on
the hotline's own sender, with a signed link that lets the desk mark the case handled.

The link is a JWT signed with the server secret, naming one forward and its municipality, valid
for LINK_VALID_AFTER_DUE past the promised deadline. It carries no account: holding it grants
MARK_FORWARD_HANDLED for that forward only (``SignedLinkActor``), and it works once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Literal

import jwt
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, SignedLinkActor, require, scope_contacts
from hotline.composer.service import ComposedReply
from hotline.config import Settings
from hotline.contacts.calendar import deadline_after, local
from hotline.contacts.models import ArticleUse, Contact, Forward, ForwardState
from hotline.contacts.reports import channel_name
from hotline.contacts.routing import resolve_desk
from hotline.contacts.schemas import ForwardRequest, Promise
from hotline.contacts.service import check_version, editable_contact
from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput, Problem
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.letterheads.service import HOTLINE_THEME, load_theme_folder
from hotline.municipalities.models import Municipality
from hotline.replies.service import enqueue

LINK_PURPOSE = "forward-handled"
LINK_VALID_AFTER_DUE = timedelta(days=30)
PROMISE_WORKING_DAYS = {
    Promise.NEXT_WORKING_DAY: 1,
    Promise.TWO_WORKING_DAYS: 2,
    Promise.FIVE_WORKING_DAYS: 5,
}
PROMISE_WORDS = {
    Promise.NEXT_WORKING_DAY: "kommunen kontakter borgeren næste hverdag",
    Promise.TWO_WORKING_DAYS: "kommunen kontakter borgeren inden for 2 hverdage",
    Promise.FIVE_WORKING_DAYS: "kommunen kontakter borgeren inden for 5 hverdage",
}
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


class AlreadyForwarded(Conflict):
    slug, title = "already-forwarded", "The contact was already forwarded"


class LinkInvalid(Problem):
    status, slug, title = 400, "link-invalid", "The link is not valid"


class LinkExpired(Problem):
    status, slug, title = 410, "link-expired", "The link has expired"


class AlreadyHandled(Conflict):
    slug, title = "already-handled", "The case was already marked handled"


class CprNumberInForward(CprNumberInText):
    slug, title = "cpr-number-in-forward", "CPR number in the forward"
    danish = (
        "Videresendelsen indeholder et CPR-nummer. Send aldrig CPR-numre til afdelingen med "
        "e-mail: brug Digital Post til personnumre."
    )
    english = (
        "The forward to the desk contains a Danish personal identification number (CPR); it "
        "goes by email, so use Digital Post for CPR numbers."
    )


def hotline_sender(settings: Settings) -> str:
    """The hotline's own address: the shared sender, else its letterhead's sender_email."""
    if settings.mail_shared_sender:
        return settings.mail_shared_sender
    theme, _logo = load_theme_folder(settings.letterheads_dir / HOTLINE_THEME)
    if theme.sender_email is None:
        raise InvalidInput("The hotline theme names no sender_email and none is configured.")
    return str(theme.sender_email)


def handled_link_token(settings: Settings, forward: Forward) -> str:
    claims = {
        "purpose": LINK_PURPOSE,
        "fwd": forward.id,
        "mun": forward.municipality_code,
        "exp": int((forward.due_at + LINK_VALID_AFTER_DUE).timestamp()),
    }
    return jwt.encode(claims, settings.signing_key, algorithm="HS256")


def handled_link(settings: Settings, forward: Forward) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/console/afdeling/{handled_link_token(settings, forward)}"


def _format_deadline(due_at: datetime) -> str:
    moment = local(due_at)
    return f"{WEEKDAYS[moment.weekday()]} {moment:%d.%m.%Y} kl. {moment:%H.%M}"


@dataclass(frozen=True)
class DeskMessage:
    subject: str
    text: str
    html: str


def compose_desk_message(
    contact: Contact,
    municipality: Municipality,
    desk_name: str,
    data: ForwardRequest,
    due_at: datetime,
    link: str,
) -> DeskMessage:
    """What the desk needs and nothing it cannot act on: the question, what the hotline did,
    how to reach the citizen (only what they agreed to give) and the promised deadline."""
    reach = [
        line
        for line in (
            f"Navn: {data.citizen_name}" if data.citizen_name else None,
            f"Telefon: {data.citizen_phone}" if data.citizen_phone else None,
            f"E-mail: {data.citizen_email}" if data.citizen_email else None,
        )
        if line
    ]
    sections = [
        (f"Henvendelse til {desk_name}, {municipality.name}", []),
        ("Borgeren spurgte", [data.question]),
        ("Hotlinen gjorde", [data.action_taken]),
        ("Sådan kontaktes borgeren", reach),
        (
            "Lovet borgeren",
            [f"{PROMISE_WORDS[data.promise]}, senest {_format_deadline(due_at)}."],
        ),
        (
            "Når sagen er taget",
            [f"Markér den som håndteret (ingen login): {link}"],
        ),
    ]
    text = "\n\n".join(
        "\n".join([title, *lines]) if lines else title for title, lines in sections
    ) + (
        f"\n\nSendt af Kommunernes Fælles Hotline (henvendelse {contact.id}, "
        f"kanal: {channel_name(contact.channel)}). "
        "Skriv aldrig CPR-nummer i svar på denne e-mail.\n"
    )
    html_parts = [f"<h1>{escape(sections[0][0])}</h1>"]
    for title, lines in sections[1:]:
        html_parts.append(f"<h2>{escape(title)}</h2>")
        for line in lines:
            if line.startswith("Markér"):
                html_parts.append(
                    f'<p><a href="{escape(link)}">Markér sagen som håndteret</a> (ingen login)</p>'
                )
            else:
                html_parts.append(f"<p>{escape(line)}</p>")
    html_parts.append(
        f"<p><small>Sendt af Kommunernes Fælles Hotline (henvendelse {contact.id}).</small></p>"
    )
    subject = f"Videresendt fra hotlinen: {contact.topic or 'henvendelse'} ({municipality.name})"
    return DeskMessage(subject=subject[:200], text=text, html="\n".join(html_parts))


def forward_contact(
    session: Session,
    settings: Settings,
    user: User,
    contact_id: int,
    expected_version: str | None,
    data: ForwardRequest,
    *,
    now: datetime | None = None,
) -> Forward:
    """Queue the desk's message and record the forward; the contact keeps the details the
    citizen agreed to give (erased with the contact after the retention period)."""
    now = now or utcnow()
    contact = editable_contact(session, user, contact_id, now)
    check_version(contact, expected_version)
    if session.scalar(select(Forward.id).where(Forward.contact_id == contact.id)) is not None:
        raise AlreadyForwarded(f"Contact {contact_id} was already forwarded.")
    refuse_cpr_numbers(
        data.question, data.action_taken, data.citizen_name, data.citizen_phone,
        str(data.citizen_email) if data.citizen_email else None,
        problem=CprNumberInForward,
    )  # fmt: skip
    municipality = session.get_one(Municipality, contact.municipality_code)
    desk = resolve_desk(session, municipality, contact.topic)
    due_at = deadline_after(now, PROMISE_WORKING_DAYS[data.promise])
    forward = Forward(
        contact_id=contact.id,
        municipality_code=municipality.code,
        desk_name=desk.desk_name,
        mailbox=desk.mailbox,
        promise=data.promise.value,
        due_at=due_at,
        created_at=now,
    )
    session.add(forward)
    session.flush()  # its id goes into the signed link
    message = compose_desk_message(
        contact, municipality, desk.desk_name, data, due_at, handled_link(settings, forward)
    )
    sender = hotline_sender(settings)
    reply = enqueue(
        session,
        settings,
        ComposedReply(
            municipality_code=municipality.code,
            to=desk.mailbox,
            subject=message.subject,
            from_name="Kommunernes Fælles Hotline",
            from_address=sender,
            reply_to=None,
            sending_domain=sender.rpartition("@")[2],
            html=message.html,
            text=message.text,
            inline_images=[],
            article_slugs=[a.slug for a in contact.articles if a.use == ArticleUse.ATTACHED],
        ),
        user,
    )
    reply.contact_id = contact.id
    forward.reply_id = reply.id
    contact.forward_state = ForwardState.OPEN.value
    for field in ("citizen_name", "citizen_phone"):
        if getattr(data, field):
            setattr(contact, field, getattr(data, field))
    if data.citizen_email:
        contact.citizen_email = str(data.citizen_email)
    session.flush()
    return forward


def _forward_from_link(settings: Settings, token: str) -> tuple[int, SignedLinkActor]:
    try:
        claims = jwt.decode(
            token,
            settings.signing_key,
            algorithms=["HS256"],
            options={"require": ["exp", "fwd", "mun", "purpose"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise LinkExpired(
            "Linket er udløbet. Kontakt hotlinen, hvis sagen stadig skal markeres."
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise LinkInvalid(
            "Linket er ugyldigt. Brug linket præcis som det stod i e-mailen."
        ) from exc
    if claims["purpose"] != LINK_PURPOSE or not isinstance(claims["fwd"], int):
        raise LinkInvalid("Linket er ugyldigt. Brug linket præcis som det stod i e-mailen.")
    return claims["fwd"], SignedLinkActor(Action.MARK_FORWARD_HANDLED, str(claims["mun"]))


def forward_for_link(session: Session, settings: Settings, token: str) -> Forward:
    """The forward a link names (the desk's confirmation page shows it before the POST)."""
    forward_id, actor = _forward_from_link(settings, token)
    forward = session.get(Forward, forward_id)
    if forward is None:
        raise LinkInvalid("Linket er ugyldigt. Brug linket præcis som det stod i e-mailen.")
    require(actor, Action.MARK_FORWARD_HANDLED, forward.municipality_code)
    return forward


def mark_handled(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> Forward:
    """The desk took the case; a second use of the link changes nothing and says so."""
    forward = forward_for_link(session, settings, token)
    if forward.handled_at is not None:
        raise AlreadyHandled(
            f"Sagen blev allerede markeret som håndteret {_format_deadline(forward.handled_at)}."
        )
    forward.handled_at = now or utcnow()
    state = ForwardState.IN_TIME if forward.handled_at <= forward.due_at else ForwardState.LATE
    # A plain UPDATE: the desk's click must not make the agent's open correction stale.
    session.execute(
        update(Contact)
        .where(Contact.id == forward.contact_id)
        .values(forward_state=state.value)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return forward


ForwardFilter = Literal["open", "handled", "overdue", "all"]


def list_forwards(
    session: Session, user: User, state: ForwardFilter = "all", *, now: datetime | None = None
) -> list[Forward]:
    """The hotline's view: open, handled and overdue forwards (an agent sees their own)."""
    now = now or utcnow()
    stmt: Select[tuple[Forward]] = select(Forward).join(Contact, Contact.id == Forward.contact_id)
    stmt = scope_contacts(
        stmt, user, Action.READ_ALL_CONTACTS, Contact.municipality_code, Contact.agent_id
    )
    if state == "open":
        stmt = stmt.where(Forward.handled_at.is_(None))
    elif state == "handled":
        stmt = stmt.where(Forward.handled_at.is_not(None))
    elif state == "overdue":
        stmt = stmt.where(Forward.handled_at.is_(None), Forward.due_at < now)
    return list(session.scalars(stmt.order_by(Forward.due_at, Forward.id).limit(500)))
