"""The citizen's confirmation and reminder: a letter on the municipality's letterhead with an
``.ics`` calendar file and the signed link to cancel or move, queued in the outbox (no agent:
a system message). The reminder goes 24 hours before the meeting (``queue_due_reminders``,
run by ``hotline meetings remind`` every few minutes).

The calendar file names its time zone (TZID=Europe/Copenhagen with the VTIMEZONE, from the
``icalendar`` library), so calendars show the local time the citizen chose on either side of a
daylight-saving change.
"""

from datetime import datetime, timedelta
from html import escape

from icalendar import Calendar, Event
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer.service import letter_on_letterhead
from hotline.config import Settings
from hotline.db import each_on_its_own, utcnow
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.letterheads.render import LetterContent, danish_date
from hotline.letterheads.service import letterhead_for
from hotline.mail.message import Attachment
from hotline.meetings.models import Booking, BookingState, MeetingChannel, MeetingType
from hotline.meetings.service import cancel_by_municipality, manage_token
from hotline.municipalities.models import Municipality
from hotline.replies.models import Reply
from hotline.replies.service import enqueue

REMINDER_BEFORE = timedelta(hours=24)
CHANNEL_WORDS = {
    MeetingChannel.PHONE: "Vi ringer til dig på det telefonnummer, du gav os.",
    MeetingChannel.VIDEO: "Du får et link til videomødet på e-mail, før mødet begynder.",
}


def manage_link(settings: Settings, booking: Booking) -> str:
    return f"{settings.public_base_url.rstrip('/')}/book/manage/{manage_token(settings, booking)}"


def calendar_file(
    settings: Settings, booking: Booking, meeting_type: MeetingType, municipality: Municipality
) -> bytes:
    """One VEVENT in Copenhagen time; the UID stays, SEQUENCE grows when the meeting moves."""
    calendar = Calendar()
    calendar.add("prodid", "-//Kommunernes Faelles Hotline//moeder//DA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    domain = settings.public_base_url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    event.add("uid", f"booking-{booking.id}@{domain}")
    event.add("sequence", booking.version - 1)
    event.add("dtstamp", utcnow())
    event.add("dtstart", booking.starts_at.astimezone(COPENHAGEN))
    event.add("dtend", booking.ends_at.astimezone(COPENHAGEN))
    event.add("summary", f"{meeting_type.title} ({municipality.name})")
    event.add("description", f"{CHANNEL_WORDS[MeetingChannel(meeting_type.channel)]}\n"
              f"Aflys eller flyt: {manage_link(settings, booking)}")  # fmt: skip
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def book_again_link(settings: Settings, booking: Booking) -> str:
    """The municipality's public booking page, where a cancelled meeting can be booked anew."""
    return f"{settings.public_base_url.rstrip('/')}/book/{booking.municipality_code}"


def _letter(
    settings: Settings,
    booking: Booking,
    meeting_type: MeetingType,
    lead: str,
    *,
    cancelled: bool = False,
) -> tuple[Markup, str]:
    start = booking.starts_at.astimezone(COPENHAGEN)
    when = f"{danish_date(start.date())} kl. {start:%H.%M}"
    meeting = f"{meeting_type.title}: {when} ({meeting_type.duration_minutes} minutter)."
    if cancelled:  # no calendar file, and the link books a new time
        lines = [lead, meeting]
        link_text, link = "Book en ny tid", book_again_link(settings, booking)
    else:
        lines = [
            lead,
            meeting,
            CHANNEL_WORDS[MeetingChannel(meeting_type.channel)],
            "Mødet er også vedhæftet som kalenderfil.",
        ]
        link_text, link = "Aflys eller flyt mødet", manage_link(settings, booking)
    html = "".join(f"<p>{escape(line)}</p>" for line in lines) + (
        f'<p><a href="{escape(link)}">{escape(link_text)}</a></p>'
    )
    text = "\n\n".join([*lines, f"{link_text}: {link}"])
    return Markup(html), text  # noqa: S704 - every piece above is escaped


def _queue(
    session: Session,
    settings: Settings,
    booking: Booking,
    subject: str,
    lead: str,
    *,
    cancelled: bool = False,
) -> Reply | None:
    if booking.citizen_email is None:
        return None
    meeting_type = session.get_one(MeetingType, booking.meeting_type_id)
    municipality = session.get_one(Municipality, booking.municipality_code)
    letterhead = letterhead_for(session, settings, municipality)
    body_html, body_text = _letter(settings, booking, meeting_type, lead, cancelled=cancelled)
    letter = LetterContent(
        subject=subject,
        day=utcnow().astimezone(COPENHAGEN).date(),
        greeting=f"Kære {booking.citizen_name},",
        body_html=body_html,
        body_text=body_text,
    )
    composed = letter_on_letterhead(
        settings, letterhead, municipality.code, booking.citizen_email, letter
    )
    if cancelled:
        return enqueue(session, settings, composed, None, [])
    ics = calendar_file(settings, booking, meeting_type, municipality)
    return enqueue(
        session, settings, composed, None, [Attachment("moede.ics", "text/calendar", ics)]
    )


def queue_confirmation(session: Session, settings: Settings, booking: Booking) -> Reply | None:
    """After booking or moving: the letter with the calendar file (if an email was given)."""
    moved = booking.version > 1
    subject = "Dit møde er flyttet" if moved else "Bekræftelse: dit møde er booket"
    lead = "Dit møde er flyttet til det nye tidspunkt." if moved else "Tak, dit møde er booket."
    return _queue(session, settings, booking, subject, lead)


def cancel_for_municipality(
    session: Session,
    settings: Settings,
    user: User,
    booking_id: int,
    *,
    now: datetime | None = None,
) -> Booking:
    """The municipality cancels (``service.cancel_by_municipality``) and the citizen is told,
    in the same transaction, with the link to book a new time: a meeting must never silently
    disappear from the citizen's day."""
    booking = cancel_by_municipality(session, user, booking_id, now=now)
    _queue(session, settings, booking, "Dit møde er aflyst",
           "Kommunen har desværre måttet aflyse dit møde.", cancelled=True)  # fmt: skip
    return booking


def queue_due_reminders(
    session: Session, settings: Settings, *, now: datetime | None = None
) -> int:
    """Queue the reminder of every booked meeting starting within REMINDER_BEFORE (once);
    returns how many were queued.

    Each booking's letter and its ``reminder_queued_at`` are written together in a savepoint
    of their own: a reminder that cannot be composed (its municipality's letterhead fails the
    CPR guard) is logged and tried again at the next check, and the other meetings' reminders
    go out. The rows stay locked for the transaction (SKIP LOCKED: another worker takes other
    bookings), so no reminder is queued twice."""
    now = now or utcnow()
    due = session.scalars(
        select(Booking)
        .where(
            Booking.state == BookingState.BOOKED.value,
            Booking.reminder_queued_at.is_(None),
            Booking.citizen_email.is_not(None),
            Booking.starts_at > now,
            Booking.starts_at <= now + REMINDER_BEFORE,
        )
        .order_by(Booking.starts_at)
        .with_for_update(skip_locked=True)
    ).all()

    def remind(booking: Booking) -> None:
        _queue(session, settings, booking, "Påmindelse om dit møde",
               "Vi minder dig om dit møde.")  # fmt: skip
        booking.reminder_queued_at = now

    return each_on_its_own(
        session, due, remind, describe=lambda booking: f"The reminder of booking {booking.id}"
    )
