"""Meeting types and overrides (editors, municipalities), free slots, booking, the citizen's
cancel/move link, and the agent's side (the day's meetings, starting one, no-shows).

Every function takes the acting subject and authorises through hotline/auth/permissions.py:
editors define types (EDIT_MEETING_TYPES), a municipality's admin overrides them for it
(EDIT_LOCAL_MEETINGS), a citizen books through the signed booking form (BOOK_MEETING for that
municipality) and cancels or moves through the signed link of the confirmation
(MANAGE_BOOKING); agents hold meetings under SEND_REPLY. Services flush, never commit.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, Principal, SignedLinkActor, require
from hotline.config import Settings
from hotline.db import utcnow
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.kit.signed_links import SignedLinkInvalid, sign_link, verify_link
from hotline.kit.versions import check_version
from hotline.knowledge.models import Article
from hotline.meetings.models import (
    Booking,
    BookingState,
    MeetingType,
    MeetingTypeOverride,
)
from hotline.meetings.schemas import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    BookingIn,
    MeetingTypeIn,
    OverrideIn,
    Question,
    QuestionKind,
)
from hotline.meetings.slots import Slot, free_slots, is_bookable_start
from hotline.municipalities.models import Municipality

FORM_PURPOSE = "meeting-booking-form"
FORM_VALID = timedelta(hours=2)
MIN_FILL_TIME = timedelta(seconds=3)  # a person needs longer than that to fill in the form
MANAGE_PURPOSE = "meeting-manage"


class SlotTaken(Conflict):
    slug, title = "slot-taken", "The time was just taken"


class SlotUnavailable(InvalidInput):
    slug, title = "slot-unavailable", "The time cannot be booked"


class BookingClosed(Conflict):
    slug, title = "booking-closed", "The booking can no longer be changed"


class UnknownArticles(InvalidInput):
    slug, title = "unknown-articles", "A linked article does not exist"


class FormTooFast(InvalidInput):
    slug, title = "form-check-failed", "The form could not be accepted"


class CprNumberInMeetingType(CprNumberInText):
    slug, title = "cpr-number-in-meeting-type", "CPR number in the meeting type"
    danish = (
        "Mødetypens tekster indeholder et CPR-nummer. Skriv aldrig CPR-numre i titler, "
        "spørgsmål eller vejledning: borgerne læser dem."
    )
    english = (
        "The meeting type's texts contain a Danish personal identification number (CPR); "
        "citizens read titles, questions and instructions, so never write one there."
    )


class CprNumberInBooking(CprNumberInText):
    slug, title = "cpr-number-in-booking", "CPR number in the booking"
    danish = (
        "Bookingen indeholder et CPR-nummer. Skriv aldrig dit CPR-nummer i formularen: "
        "bookingen gemmes, og bekræftelsen sendes med almindelig e-mail."
    )
    english = (
        "The booking contains a Danish personal identification number (CPR); never write it "
        "in the form: the booking is kept and its confirmation goes by plain email."
    )


# ------------------------------------------------------------------ meeting types (editors)


def _type_values(data: MeetingTypeIn) -> dict[str, Any]:
    return {
        "slug": data.slug,
        "title": data.title,
        "description": data.description,
        "duration_minutes": data.duration_minutes,
        "channel": data.channel.value,
        "questions": [q.model_dump(mode="json") for q in data.questions],
        "article_slugs": list(data.article_slugs),
        "opening_hours": {
            str(day): [list(w) for w in windows] for day, windows in data.opening_hours.items()
        },
        "closed_days": [d.isoformat() for d in data.closed_days],
        "parallel_agents": data.parallel_agents,
        "horizon_days": data.horizon_days,
        "min_notice_hours": data.min_notice_hours,
    }


def type_version(meeting_type: MeetingType) -> str:
    """The version a writer names (the API's ETag, the console's hidden field)."""
    return f'"meeting-type-v{meeting_type.version}"'


def override_version(override: MeetingTypeOverride) -> str:
    return f'"meeting-override-v{override.version}"'


def _check_type(session: Session, data: MeetingTypeIn) -> None:
    """What the schema cannot see: no CPR number in any text, only existing articles linked."""
    refuse_cpr_numbers(
        data.title,
        data.description,
        *(q.label for q in data.questions),
        *(q.label_en or "" for q in data.questions),
        *(option for q in data.questions for option in q.options),
        problem=CprNumberInMeetingType,
    )
    wanted = set(data.article_slugs)
    known = set(session.scalars(select(Article.slug).where(Article.slug.in_(wanted))))
    if wanted - known:
        raise UnknownArticles(
            f"Der findes ingen fælles artikel med adressen: {', '.join(sorted(wanted - known))}."
        )


def create_meeting_type(session: Session, user: Principal, data: MeetingTypeIn) -> MeetingType:
    require(user, Action.EDIT_MEETING_TYPES)
    _check_type(session, data)
    if session.scalar(select(MeetingType.id).where(MeetingType.slug == data.slug)) is not None:
        raise Conflict(f"Der findes allerede en mødetype med adressen {data.slug!r}.")
    meeting_type = MeetingType(**_type_values(data))
    session.add(meeting_type)
    session.flush()
    return meeting_type


def update_meeting_type(
    session: Session, user: Principal, type_id: int, expected: str | None, data: MeetingTypeIn
) -> MeetingType:
    """Change every field but the address (slug): bookings and links name the type by it."""
    require(user, Action.EDIT_MEETING_TYPES)
    meeting_type = _load_type(session, type_id)
    check_version(expected, type_version(meeting_type), what="the meeting type")
    if data.slug != meeting_type.slug:
        raise InvalidInput("En mødetypes adresse (slug) kan ikke ændres.")
    _check_type(session, data)
    for field, value in _type_values(data).items():
        setattr(meeting_type, field, value)
    session.flush()
    return meeting_type


def set_active(
    session: Session, user: Principal, type_id: int, expected: str | None, active: bool
) -> MeetingType:
    """Withdraw a type from every booking page (booked meetings stay), or offer it again."""
    require(user, Action.EDIT_MEETING_TYPES)
    meeting_type = _load_type(session, type_id)
    check_version(expected, type_version(meeting_type), what="the meeting type")
    meeting_type.active = active
    session.flush()
    return meeting_type


def authorise_type_editing(user: Principal) -> None:
    """Before an editor's form is shown or read: only those who define types get that far."""
    require(user, Action.EDIT_MEETING_TYPES)


def get_meeting_type(session: Session, user: Principal, type_id: int) -> MeetingType:
    """One type as its editors see it (withdrawn ones too)."""
    require(user, Action.EDIT_MEETING_TYPES)
    return _load_type(session, type_id)


def meeting_types(session: Session, user: Principal) -> list[MeetingType]:
    """Every type, withdrawn ones too, for the editors who define them."""
    require(user, Action.EDIT_MEETING_TYPES)
    return list(session.scalars(select(MeetingType).order_by(MeetingType.title)))


def overrides_of(
    session: Session, user: Principal, municipality_code: str
) -> list[tuple[MeetingType, MeetingTypeOverride | None]]:
    """Every active type with what the municipality changed on it (None: nothing)."""
    require(user, Action.EDIT_LOCAL_MEETINGS, municipality_code)
    return _active_types_with_override(session, municipality_code)


def _active_types_with_override(
    session: Session, municipality_code: str
) -> list[tuple[MeetingType, MeetingTypeOverride | None]]:
    rows = session.execute(
        select(MeetingType, MeetingTypeOverride)
        .outerjoin(
            MeetingTypeOverride,
            (MeetingTypeOverride.meeting_type_id == MeetingType.id)
            & (MeetingTypeOverride.municipality_code == municipality_code),
        )
        .where(MeetingType.active.is_(True))
        .order_by(MeetingType.title)
    ).all()
    return [(meeting_type, override) for meeting_type, override in rows]


def _load_type(session: Session, type_id: int) -> MeetingType:
    meeting_type = session.get(MeetingType, type_id)
    if meeting_type is None:
        raise NotFound(f"No meeting type {type_id}.")
    return meeting_type


def _require_municipality(session: Session, municipality_code: str) -> None:
    """An unknown municipality is a 404, never a broken foreign key: an operator may act for
    any code, so the permission check alone does not tell."""
    if session.get(Municipality, municipality_code) is None:
        raise NotFound(f"No municipality {municipality_code}.")


def set_override(
    session: Session, user: Principal, municipality_code: str, type_id: int, data: OverrideIn,
    expected: str | None = None,
) -> MeetingTypeOverride:  # fmt: skip
    """A municipality hides a type, adds local questions, or instructs the agents. Creating
    the first override needs no version; changing one needs the version that was read."""
    require(user, Action.EDIT_LOCAL_MEETINGS, municipality_code)
    _require_municipality(session, municipality_code)
    meeting_type = _load_type(session, type_id)
    override = session.get(MeetingTypeOverride, (municipality_code, type_id))
    if override is not None:
        check_version(expected, override_version(override), what="the municipality's override")
    shared_keys = {q["key"] for q in meeting_type.questions}
    clash = shared_keys & {q.key for q in data.local_questions}
    if clash:
        raise InvalidInput(
            "Lokale spørgsmål kan ikke have samme nøgle som et fælles spørgsmål: "
            f"{', '.join(sorted(clash))}."
        )
    refuse_cpr_numbers(
        data.local_instructions,
        *(q.label for q in data.local_questions),
        *(q.label_en or "" for q in data.local_questions),
        *(option for q in data.local_questions for option in q.options),
        problem=CprNumberInMeetingType,
    )
    if override is None:
        override = MeetingTypeOverride(municipality_code=municipality_code, meeting_type_id=type_id)
        session.add(override)
    override.hidden = data.hidden
    override.local_questions = [q.model_dump(mode="json") for q in data.local_questions]
    override.local_instructions = data.local_instructions
    override.updated_by = getattr(user, "email", user.role)
    session.flush()
    return override


def override_for(
    session: Session, user: Principal, municipality_code: str, type_id: int
) -> tuple[MeetingType, MeetingTypeOverride | None]:
    """The type and what the municipality has changed on it (None: nothing yet)."""
    require(user, Action.EDIT_LOCAL_MEETINGS, municipality_code)
    _require_municipality(session, municipality_code)
    meeting_type = _load_type(session, type_id)
    return meeting_type, session.get(MeetingTypeOverride, (municipality_code, type_id))


@dataclass(frozen=True)
class OfferedType:
    """A meeting type as one municipality offers it: shared plus local questions."""

    meeting_type: MeetingType
    questions: list[Question]
    local_instructions: str


def _offered(meeting_type: MeetingType, override: MeetingTypeOverride | None) -> OfferedType:
    questions = [Question.model_validate(q) for q in meeting_type.questions]
    if override is not None:
        questions += [Question.model_validate(q) for q in override.local_questions]
    return OfferedType(meeting_type, questions, override.local_instructions if override else "")


def offered_types(session: Session, municipality_code: str) -> list[OfferedType]:
    """The active types the municipality has not hidden (the public page lists these)."""
    rows = _active_types_with_override(session, municipality_code)
    return [_offered(t, o) for t, o in rows if not (o is not None and o.hidden)]


def offered_type(session: Session, municipality_code: str, slug: str) -> OfferedType:
    for offered in offered_types(session, municipality_code):
        if offered.meeting_type.slug == slug:
            return offered
    raise NotFound(f"Municipality {municipality_code} offers no meeting type {slug!r}.")


# ------------------------------------------------------------------ slots


def taken_seats(
    session: Session, meeting_type: MeetingType, start: datetime, end: datetime
) -> Counter[datetime]:
    """Booked seats per slot start in [start, end)."""
    rows = session.execute(
        select(Booking.starts_at, func.count())
        .where(
            Booking.meeting_type_id == meeting_type.id,
            Booking.seat.is_not(None),
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .group_by(Booking.starts_at)
    ).all()
    return Counter({moment: int(count) for moment, count in rows})


def available_slots(
    session: Session,
    municipality_code: str,
    slug: str,
    *,
    now: datetime | None = None,
    days: int | None = None,
) -> list[Slot]:
    """The free slots the municipality's citizens may book for the type (public: no subject,
    the slots hold no personal data)."""
    now = now or utcnow()
    meeting_type = offered_type(session, municipality_code, slug).meeting_type
    horizon = now + timedelta(days=meeting_type.horizon_days + 2)
    return free_slots(
        meeting_type, taken_seats(session, meeting_type, now, horizon), now, days=days
    )


# ------------------------------------------------------------------ the booking form


def form_token(settings: Settings, municipality_code: str, *, now: datetime | None = None) -> str:
    """The signed timestamp the form carries: proves the form came from us, and when."""
    now = now or utcnow()
    issued = now.timestamp()
    return sign_link(
        settings.signing_key,
        FORM_PURPOSE,
        {"mun": municipality_code, "issued": int(issued)},
        now + FORM_VALID,
    )


def form_actor(
    settings: Settings, token: str, honeypot: str, *, now: datetime | None = None
) -> SignedLinkActor:
    """Who submits the form: anyone holding a form we issued, filled in no faster than a person
    can, with the field hidden from people (``honeypot``) left empty. Costs people nothing."""
    claims = verify_link(
        settings.signing_key,
        token,
        FORM_PURPOSE,
        ("issued",),
        now,
        other_claims=("mun",),
        expired_detail="Formularen er for gammel. Start bookingen forfra.",
        invalid_detail="Formularen kunne ikke genkendes. Start bookingen forfra.",
    )
    filled_in = (now or utcnow()) - datetime.fromtimestamp(int(claims["issued"]), tz=UTC)
    if honeypot.strip() or filled_in < MIN_FILL_TIME:
        raise FormTooFast("Formularen kunne ikke modtages. Vent et øjeblik, og send den igen.")
    return SignedLinkActor(Action.BOOK_MEETING, str(claims["mun"]))


def _answer(question: Question, raw: str | list[str] | None) -> str | list[str] | None:
    """The validated answer, or None when left empty; InvalidInput names the question."""
    values = [raw] if isinstance(raw, str) else list(raw or [])
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        if question.required:
            raise InvalidInput(f"Besvar spørgsmålet: {question.label}")
        return None
    kind = question.kind
    if kind is QuestionKind.MULTIPLE_CHOICE:
        if not set(values) <= set(question.options):
            raise InvalidInput(f"Vælg blandt svarmulighederne: {question.label}")
        return values
    if len(values) != 1:
        raise InvalidInput(f"Giv ét svar: {question.label}")
    value = values[0]
    if kind is QuestionKind.SINGLE_CHOICE and value not in question.options:
        raise InvalidInput(f"Vælg blandt svarmulighederne: {question.label}")
    if kind is QuestionKind.YES_NO and value not in ("yes", "no"):
        raise InvalidInput(f"Svar ja eller nej: {question.label}")
    if kind is QuestionKind.DATE:
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(f"Skriv en dato (åååå-mm-dd): {question.label}") from exc
    limit = LONG_TEXT_MAX if kind is QuestionKind.LONG_TEXT else SHORT_TEXT_MAX
    if len(value) > limit:
        raise InvalidInput(f"Svaret er for langt (højst {limit} tegn): {question.label}")
    return value


def validate_answers(
    questions: list[Question], answers: dict[str, str | list[str]]
) -> list[dict[str, Any]]:
    """The answers in the question order, as kept: key, label, kind, value. Every answer
    passes the CPR guard (the form never asks for a CPR number, and refuses one given)."""
    unknown = set(answers) - {q.key for q in questions}
    if unknown:
        raise InvalidInput(f"Ukendte spørgsmål: {', '.join(sorted(unknown))}.")
    kept = []
    for question in questions:
        value = _answer(question, answers.get(question.key))
        if value is None:
            continue
        refuse_cpr_numbers(
            *([value] if isinstance(value, str) else value), problem=CprNumberInBooking
        )
        kept.append(
            {"key": question.key, "label": question.label, "kind": question.kind, "value": value}
        )
    return kept


def parse_start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SlotUnavailable("Vælg en af de ledige tider.") from exc
    if moment.tzinfo is None:
        raise SlotUnavailable("Vælg en af de ledige tider.")
    return moment.astimezone(UTC)


def _take_seat(
    session: Session, booking: Booking, meeting_type: MeetingType, start: datetime
) -> None:
    """Give ``booking`` a free seat of the slot at ``start``, or raise SlotTaken.

    The unique constraint decides: each attempt is an INSERT/UPDATE in a savepoint; a
    concurrent booking that took the seat first makes it fail (PostgreSQL waits for that
    booking's commit), and the next seat is tried. No check-then-insert race."""
    taken = set(
        session.scalars(
            select(Booking.seat).where(
                Booking.meeting_type_id == meeting_type.id,
                Booking.starts_at == start,
                Booking.seat.is_not(None),
                Booking.id != (booking.id or 0),
            )
        )
    )
    for seat in range(1, meeting_type.parallel_agents + 1):
        if seat in taken:
            continue
        try:
            with session.begin_nested():
                booking.starts_at = start
                booking.ends_at = start + timedelta(minutes=meeting_type.duration_minutes)
                booking.local_month = start.astimezone(COPENHAGEN).strftime("%Y-%m")
                booking.seat = seat
                session.add(booking)
                session.flush()
            return
        except IntegrityError:
            continue
    raise SlotTaken("Tiden er lige blevet taget. Vælg en anden tid.")


def book_meeting(
    session: Session, actor: Principal, municipality_code: str, data: BookingIn,
    *, now: datetime | None = None,
) -> Booking:  # fmt: skip
    """A citizen books a free slot, with the answers and how to reach them."""
    now = now or utcnow()
    require(actor, Action.BOOK_MEETING, municipality_code)
    _require_municipality(session, municipality_code)
    if not data.privacy_accepted:
        raise InvalidInput("Accepter teksten om behandling af personoplysninger for at booke.")
    offered = offered_type(session, municipality_code, data.meeting_type)
    meeting_type = offered.meeting_type
    start = parse_start(data.starts_at)
    if not is_bookable_start(meeting_type, start, now):
        raise SlotUnavailable("Tiden kan ikke bookes. Vælg en af de ledige tider.")
    answers = validate_answers(offered.questions, data.answers)
    email = str(data.citizen_email) if data.citizen_email else None
    refuse_cpr_numbers(data.citizen_name, data.citizen_phone, email, problem=CprNumberInBooking)
    booking = Booking(
        meeting_type_id=meeting_type.id,
        municipality_code=municipality_code,
        citizen_name=data.citizen_name,
        citizen_phone=data.citizen_phone,
        citizen_email=email,
        answers=answers,
        language=data.language,
        booked_at=now,
        state=BookingState.BOOKED.value,
    )
    _take_seat(session, booking, meeting_type, start)
    return booking


# ------------------------------------------------------------------ the citizen's link


def manage_token(settings: Settings, booking: Booking) -> str:
    """Valid until the meeting starts: cancel or move, for this booking only."""
    return sign_link(
        settings.signing_key,
        MANAGE_PURPOSE,
        {"bk": booking.id, "mun": booking.municipality_code},
        booking.starts_at,
    )


def booking_for_link(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> Booking:
    claims = verify_link(
        settings.signing_key,
        token,
        MANAGE_PURPOSE,
        ("bk",),
        now,
        other_claims=("mun",),
        expired_detail="Linket er udløbet: mødet er begyndt eller forbi. Ring til os.",
    )
    booking = session.get(Booking, claims["bk"])
    if booking is None:
        raise SignedLinkInvalid("Linket er ugyldigt. Brug linket præcis som det stod i e-mailen.")
    require(SignedLinkActor(Action.MANAGE_BOOKING, str(claims["mun"])), Action.MANAGE_BOOKING,
            booking.municipality_code)  # fmt: skip
    return booking


def _changeable(booking: Booking, now: datetime) -> None:
    if booking.state != BookingState.BOOKED.value:
        raise BookingClosed("Mødet er aflyst eller holdt og kan ikke ændres længere.")
    if booking.starts_at <= now:
        raise BookingClosed("Mødet er begyndt eller forbi og kan ikke ændres længere.")


def cancel_by_link(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> Booking:
    """The citizen cancels; the seat is free again at once. A second use says so."""
    now = now or utcnow()
    booking = booking_for_link(session, settings, token, now=now)
    _changeable(booking, now)
    booking.state = BookingState.CANCELLED_BY_CITIZEN.value
    booking.seat = None
    booking.cancelled_at = now
    session.flush()
    return booking


def move_by_link(
    session: Session, settings: Settings, token: str, new_start: str,
    *, now: datetime | None = None,
) -> Booking:  # fmt: skip
    """The citizen moves to another free slot of the same type (the same race rules apply)."""
    now = now or utcnow()
    booking = booking_for_link(session, settings, token, now=now)
    _changeable(booking, now)
    meeting_type = session.get_one(MeetingType, booking.meeting_type_id)
    start = parse_start(new_start)
    if not is_bookable_start(meeting_type, start, now):
        raise SlotUnavailable("Tiden kan ikke bookes. Vælg en af de ledige tider.")
    _take_seat(session, booking, meeting_type, start)
    return booking


def cancel_by_municipality(
    session: Session, user: User, booking_id: int, *, now: datetime | None = None
) -> Booking:
    """The municipality (its admin, or an operator) cancels; reports count these apart."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"No booking {booking_id}.")
    require(user, Action.EDIT_LOCAL_MEETINGS, booking.municipality_code)
    _changeable(booking, now or utcnow())
    booking.state = BookingState.CANCELLED_BY_MUNICIPALITY.value
    booking.seat = None
    booking.cancelled_at = now or utcnow()
    session.flush()
    return booking
