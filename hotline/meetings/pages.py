"""The public booking page ``/book/<code>``: plain HTML forms, no JavaScript, on the
municipality's letterhead, Danish with an English toggle (hotline/public).

Steps: choose a type; choose a day (links) and a time (radio buttons) and answer the form in
one POST; the answer is the citizen's own page for the booking (its signed link), where it can
be cancelled or moved. Only translation happens here: every rule is in service.py.
"""

from collections import defaultdict
from datetime import date, datetime
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hotline.config import Settings
from hotline.db import transaction, utcnow
from hotline.deps import DbSession, client_address
from hotline.errors import InvalidInput, NotFound, Problem
from hotline.kit.cpr import CprNumberInText, contains_cpr_number
from hotline.kit.danish_calendar import COPENHAGEN
from hotline.kit.signed_links import SignedLinkExpired, SignedLinkInvalid
from hotline.letterheads.service import letterhead_for
from hotline.meetings import service
from hotline.meetings.confirmation import queue_confirmation
from hotline.meetings.models import Booking, BookingState, MeetingType
from hotline.meetings.schemas import BookingIn
from hotline.meetings.slots import Slot
from hotline.municipalities.models import Municipality
from hotline.public.errors import (
    PublicRoute,
    cpr_message,
    error_page,
    field_messages,
    problem_message,
)
from hotline.public.layout import Language, language_of, link_with_language, render_public
from hotline.ratelimit.service import count_request

router = APIRouter(prefix="/book", include_in_schema=False, route_class=PublicRoute)
HONEYPOT = "website"  # hidden from people (and from assistive technology); bots fill it in


async def _form(request: Request) -> FormData:
    """The posted form, read before the (synchronous) handler runs in the thread pool: a
    handler blocking on the database inside the event loop would stall every other request,
    including the one holding the lock it waits for."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_form)]


def request_time() -> datetime:
    """The one clock reading a submit uses for its rate limit, form check and booking (tests
    set the clock with ``app.dependency_overrides``)."""
    return utcnow()


RequestTime = Annotated[datetime, Depends(request_time)]


TEXT: dict[str, dict[str, str]] = {
    "da": {
        "choose_type": "Book et møde",
        "intro": "Vælg, hvad mødet handler om. Du svarer på nogle spørgsmål, så medarbejderen "
        "er forberedt.",
        "no_types": "Der kan ikke bookes møder lige nu.",
        "minutes": "minutter",
        "phone": "telefonmøde",
        "video": "videomøde",
        "choose_day": "Vælg dag",
        "choose_time": "Vælg tidspunkt",
        "no_slots": "Der er ingen ledige tider. Prøv igen senere.",
        "questions": "Spørgsmål før mødet",
        "required": "skal udfyldes",
        "yes": "Ja",
        "no": "Nej",
        "you": "Dine kontaktoplysninger",
        "name": "Navn",
        "phone_label": "Telefonnummer",
        "email_label": "E-mail",
        "reach_hint": "Giv telefonnummer, e-mail eller begge. Skriv aldrig dit CPR-nummer.",
        # {days}: HOTLINE_BOOKING_RETENTION_DAYS, the period the worker really erases after.
        "privacy_label": "Behandling af dine oplysninger",
        "privacy": "Jeg har læst, at kommunen gemmer mine svar og kontaktoplysninger til mødet "
        "og sletter dem {days} dage efter mødet.",
        "book": "Book mødet",
        "honeypot": "Lad dette felt være tomt",
        "booked": "Dit møde er booket",
        "your_meeting": "Dit møde",
        "when": "Tidspunkt",
        "cancel": "Aflys mødet",
        "move": "Flyt mødet",
        "cancelled": "Mødet er aflyst.",
        "state_closed": "Mødet kan ikke ændres længere.",
        "error": "Der er en fejl",
        "fix_fields": "Ret de markerede felter, og send igen.",
        "reach_missing": "Giv et telefonnummer eller en e-mailadresse (eller begge).",
        "privacy_missing": "Sæt kryds for at vise, at du har læst teksten om dine oplysninger.",
        "form_expired": "Formularen er for gammel eller kunne ikke genkendes. Send den igen.",
        "back": "Tilbage til mødetyperne",
        "mail_sent": "Vi har sendt en bekræftelse med en kalenderfil til din e-mail.",
        "keep_link": "Gem linket til denne side: her kan du aflyse eller flytte mødet.",
    },
    "en": {
        "choose_type": "Book a meeting",
        "intro": "Choose what the meeting is about. You answer a few questions so that the "
        "staff member is prepared.",
        "no_types": "No meetings can be booked right now.",
        "minutes": "minutes",
        "phone": "phone meeting",
        "video": "video meeting",
        "choose_day": "Choose a day",
        "choose_time": "Choose a time",
        "no_slots": "There are no free times. Please try again later.",
        "questions": "Questions before the meeting",
        "required": "required",
        "yes": "Yes",
        "no": "No",
        "you": "Your contact details",
        "name": "Name",
        "phone_label": "Phone number",
        "email_label": "Email",
        "reach_hint": "Give a phone number, an email address or both. Never write your CPR number.",
        "privacy_label": "How your details are handled",
        "privacy": "I have read that the municipality keeps my answers and contact details for "
        "the meeting and deletes them {days} days after the meeting.",
        "book": "Book the meeting",
        "honeypot": "Leave this field empty",
        "booked": "Your meeting is booked",
        "your_meeting": "Your meeting",
        "when": "Time",
        "cancel": "Cancel the meeting",
        "move": "Move the meeting",
        "cancelled": "The meeting is cancelled.",
        "state_closed": "The meeting can no longer be changed.",
        "error": "There is a problem",
        "fix_fields": "Correct the marked fields and send the form again.",
        "reach_missing": "Give a phone number or an email address (or both).",
        "privacy_missing": "Tick the box to show that you have read the text about your details.",
        "form_expired": "The form is too old or could not be recognised. Please send it again.",
        "check_answer": "Check your answer to this question.",
        "back": "Back to the meeting types",
        "mail_sent": "We have sent a confirmation with a calendar file to your email.",
        "keep_link": "Keep the link to this page: here you can cancel or move the meeting.",
    },
}
LOCALE = {"da": "da_DK", "en": "en_GB"}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _language(request: Request) -> Language:
    """The booking pages carry their language in the query (``?lang=en``), forms included."""
    return language_of(request.query_params.get("lang"))


def _municipality(session: Session, code: str) -> Municipality:
    municipality = session.get(Municipality, code)
    if municipality is None:
        raise NotFound(f"No municipality {code}.")
    return municipality


def day_label(day: date, lang: Language) -> str:
    return format_date(day, format="EEEE d. MMMM", locale=LOCALE[lang])


def choices(question: Any, text: dict[str, str]) -> list[tuple[str, str]]:
    """(value, label) of a choice question; yes/no answers are "yes" and "no"."""
    if question.kind == "yes_no":
        return [("yes", text["yes"]), ("no", text["no"])]
    return [(option, option) for option in question.options]


def _days(slots: list[Slot]) -> dict[date, list[Slot]]:
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.local_start.date()].append(slot)
    return dict(by_day)


def _page(
    request: Request, session: Session, code: str, template: str, title_key: str,
    context: dict[str, Any], status_code: int = 200,
) -> Response:  # fmt: skip
    lang = _language(request)
    letterhead = letterhead_for(session, _settings(request), _municipality(session, code))
    return render_public(
        request, template, letterhead, lang,
        {"t": TEXT[lang], "code": code, "link": link_with_language, "day_label": day_label,
         "choices": choices, "tz": COPENHAGEN, "title": TEXT[lang][title_key], **context},
        status_code=status_code,
    )  # fmt: skip


# The citizen's own page (its signed link) first: /manage/... is not a municipality code.


def _manage_page(
    request: Request, session: Session, token: str, booking: Booking, *,
    error: str | None = None, status_code: int = 200, day: str | None = None,
) -> Response:  # fmt: skip
    meeting_type = session.get_one(MeetingType, booking.meeting_type_id)
    by_day: dict[date, list[Slot]] = {}
    if booking.state == BookingState.BOOKED:
        by_day = _days(service.available_slots(session, booking.municipality_code,
                                               meeting_type.slug))  # fmt: skip
    chosen = date.fromisoformat(day) if day and _iso(day) else None
    if chosen not in by_day:
        chosen = next(iter(by_day), None)
    return _page(
        request, session, booking.municipality_code, "book_manage.html", "your_meeting",
        {
            "booking": booking,
            "meeting_type": meeting_type,
            "token": token,
            "booked": request.query_params.get("booked") == "1",
            "days": list(by_day),
            "day": chosen,
            "slots": by_day.get(chosen, []) if chosen else [],
            "error": error,
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/manage/{token}", name="book_manage")
def manage(request: Request, session: DbSession, token: str, day: str | None = None) -> Response:
    booking = service.booking_for_link(session, _settings(request), token)
    return _manage_page(request, session, token, booking, day=day)


def _refused_change(request: Request, session: Session, token: str, exc: Problem) -> Response:
    """The citizen's page again, as the booking now is, saying why nothing changed (a second
    tab that cancels a cancelled meeting, a time just taken); a link that does not work has
    no page to show it on (``PublicRoute``'s error page)."""
    session.rollback()
    booking = service.booking_for_link(session, _settings(request), token)
    message = problem_message(exc, _language(request))
    return _manage_page(request, session, token, booking, error=message, status_code=exc.status)


@router.post("/manage/{token}/cancel", name="book_cancel")
def cancel(request: Request, session: DbSession, token: str) -> Response:
    try:
        booking = service.cancel_by_link(session, _settings(request), token)
    except Problem as exc:
        return _refused_change(request, session, token, exc)
    return _manage_page(request, session, token, booking)


@router.post("/manage/{token}/move", name="book_move")
def move(request: Request, session: DbSession, form: PostedForm, token: str) -> Response:
    settings = _settings(request)
    try:
        booking = service.move_by_link(session, settings, token, str(form.get("starts_at", "")))
        queue_confirmation(session, settings, booking)
    except Problem as exc:
        return _refused_change(request, session, token, exc)
    return _manage_page(request, session, token, booking)


@router.get("/{code}", name="book_types")
def choose_type(request: Request, session: DbSession, code: str) -> Response:
    _municipality(session, code)
    return _page(
        request, session, code, "book_types.html", "choose_type",
        {"offered": service.offered_types(session, code)},
    )  # fmt: skip


def _not_offered(request: Request, session: Session, code: str, exc: NotFound) -> Response:
    """A type the municipality does not offer (any more): on its letterhead, back to its
    types. An unknown municipality has no page to go back to (``PublicRoute``)."""
    lang = _language(request)
    letterhead = letterhead_for(session, _settings(request), _municipality(session, code))
    back = (link_with_language(f"/book/{code}", lang), TEXT[lang]["back"])
    return error_page(request, lang, exc, letterhead=letterhead, back=back)


def _form_page(
    request: Request, session: Session, code: str, slug: str, *, chosen_day: str | None,
    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    try:
        offered = service.offered_type(session, code, slug)
    except NotFound as exc:
        return _not_offered(request, session, code, exc)
    by_day = _days(service.available_slots(session, code, slug))
    day = date.fromisoformat(chosen_day) if chosen_day else None
    if day not in by_day:
        day = next(iter(by_day), None)
    return _page(
        request, session, code, "book_form.html", "choose_type",
        {
            "offered": offered,
            "days": list(by_day),
            "day": day,
            "slots": by_day.get(day, []) if day else [],
            "form_token": service.form_token(_settings(request), code),
            "honeypot": HONEYPOT,
            "retention_days": _settings(request).booking_retention_days,
            "errors": errors or {},
            "error_list": _error_list(errors or {}, offered, _language(request)),
            "values": values or {},
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/{code}/{slug}", name="book_form")
def booking_form(
    request: Request, session: DbSession, code: str, slug: str, day: str | None = None
) -> Response:
    try:
        date.fromisoformat(day) if day else None
    except ValueError:
        day = None
    return _form_page(request, session, code, slug, chosen_day=day)


def _form_values(form: Any, questions: list[Any]) -> dict[str, Any]:
    answers: dict[str, str | list[str]] = {}
    for question in questions:
        values = [str(v) for v in form.getlist(f"q_{question.key}")]
        answers[question.key] = (
            values if question.kind == "multiple_choice" else (values or [""])[0]
        )
    return {
        "starts_at": str(form.get("starts_at", "")),
        "answers": answers,
        "citizen_name": str(form.get("citizen_name", "")),
        "citizen_phone": str(form.get("citizen_phone", "")),
        "citizen_email": str(form.get("citizen_email", "")),
        "privacy_accepted": form.get("privacy_accepted") == "yes",
    }


def _field_of(loc: tuple[Any, ...]) -> str:
    """The form's input a BookingIn error belongs to; the model's one rule over several
    fields (a phone number or an email address) is shown beside both, as "contact"."""
    if not loc:
        return "contact"
    if loc[0] == "answers" and len(loc) > 1:
        return f"q_{loc[1]}"
    return str(loc[0]) if loc[0] in FIELD_IDS else "form"


# The inputs an error can be shown beside, and the id of the element the summary links to.
FIELD_IDS = {
    "starts_at": "times",
    "citizen_name": "citizen_name",
    "citizen_phone": "citizen_phone",
    "citizen_email": "citizen_email",
    "contact": "reach-hint",
    "privacy_accepted": "privacy_accepted",
}
FIELD_LABELS = {
    "starts_at": "choose_time",
    "citizen_name": "name",
    "citizen_phone": "phone_label",
    "citizen_email": "email_label",
    "contact": "you",
    "privacy_accepted": "privacy_label",
}


def _error_list(errors: dict[str, str], offered: Any, lang: Language) -> list[tuple[str, str, str]]:
    """The summary at the top: (the id to jump to, the field's label, the message)."""
    questions = {f"q_{q.key}": q for q in offered.questions}
    listed = []
    for field, message in errors.items():
        if field in questions:
            question = questions[field]
            label = question.label_en if lang == "en" and question.label_en else question.label
            listed.append((field, label, message))
        elif field in FIELD_IDS:
            listed.append((FIELD_IDS[field], TEXT[lang][FIELD_LABELS[field]], message))
    return listed


def _cpr_field(values: dict[str, Any]) -> str:
    """The first input that holds a CPR number (the service refuses the booking, not a field)."""
    texts = {
        "citizen_name": values["citizen_name"],
        "citizen_phone": values["citizen_phone"],
        "citizen_email": values["citizen_email"],
        **{f"q_{key}": " ".join(answer) if isinstance(answer, list) else answer
           for key, answer in values["answers"].items()},
    }  # fmt: skip
    return next((field for field, text in texts.items() if contains_cpr_number(text)), "form")


def _refused_answer(offered: Any, values: dict[str, Any]) -> str:
    """The question whose answer the service refused: the first it refuses on its own."""
    for question in offered.questions:
        try:
            service.validate_answers([question], {question.key: values["answers"][question.key]})
        except Problem:
            return f"q_{question.key}"
    return "form"


def _refusal(exc: Problem, offered: Any, values: dict[str, Any], lang: Language) -> dict[str, str]:
    """The service's refusal of a booking, in the page's words beside the input it concerns."""
    text = TEXT[lang]
    if isinstance(exc, CprNumberInText):
        return {_cpr_field(values): cpr_message(lang)}
    if isinstance(exc, SignedLinkInvalid | SignedLinkExpired):  # the form's own token
        return {"form": text["form_expired"]}
    if exc.slug in ("slot-taken", "slot-unavailable"):
        return {"starts_at": problem_message(exc, lang)}
    if type(exc) is InvalidInput and not values["privacy_accepted"]:
        return {"privacy_accepted": text["privacy_missing"]}
    if type(exc) is InvalidInput:
        field = _refused_answer(offered, values)
        if field != "form":  # the service names the question and what is wrong, in Danish
            return {field: exc.detail if lang == "da" else text["check_answer"]}
    return {"form": problem_message(exc, lang)}


@router.post("/{code}/{slug}", name="book_submit")
def submit_booking(
    request: Request, session: DbSession, form: PostedForm, code: str, slug: str, now: RequestTime
) -> Response:
    settings = _settings(request)
    lang = _language(request)
    with transaction(request.app.state.sessionmaker) as counting:  # kept even if booking fails
        count_request(
            counting, "book", client_address(request),
            limit=settings.booking_attempts_per_address,
            window_seconds=settings.booking_attempt_window_seconds,
            now=now,
        )  # fmt: skip
    offered = service.offered_type(session, code, slug)
    values = _form_values(form, offered.questions)
    chosen = values["starts_at"]
    day = (
        datetime.fromisoformat(chosen).astimezone(COPENHAGEN).date().isoformat()
        if _iso(chosen)
        else None
    )
    try:
        actor = service.form_actor(
            settings, str(form.get("form_token", "")), str(form.get(HONEYPOT, "")), now=now
        )
        data = BookingIn.model_validate({**values, "meeting_type": slug, "language": lang})
        booking = service.book_meeting(session, actor, code, data, now=now)
        queue_confirmation(session, settings, booking)
    except ValidationError as exc:
        session.rollback()
        errors = field_messages(exc, lang, _field_of)
        if "contact" in errors:
            errors["contact"] = TEXT[lang]["reach_missing"]
        return _form_page(
            request, session, code, slug, chosen_day=day, values=values, status_code=422,
            errors=errors,
        )  # fmt: skip
    except Problem as exc:
        session.rollback()
        return _form_page(
            request, session, code, slug, chosen_day=day, values=values,
            status_code=exc.status, errors=_refusal(exc, offered, values, lang),
        )  # fmt: skip
    token = service.manage_token(settings, booking)
    return RedirectResponse(link_with_language(f"/book/manage/{token}", lang, booked=1), 303)


def _iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
