"""The citizen's survey page behind the signed link: ``/tilfredshed/<token>``. Translation only
(form <-> schema, Problem -> a message on the page); the rules are in the service.

GET shows the survey and records nothing (mail scanners open links); POST saves, counted per
client address in the database (``hotline/ratelimit``), then redirects to GET (no resubmit on
reload). Danish with an English toggle, no JavaScript, on the municipality's letterhead.
"""

from datetime import datetime
from typing import Annotated, Any

from babel.dates import format_datetime
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from hotline.contacts.calendar import COPENHAGEN
from hotline.db import transaction, utcnow
from hotline.deps import AppSettings, DbSession
from hotline.errors import Problem
from hotline.kit.cpr import CprNumberInText
from hotline.letterheads.service import Letterhead, letterhead_for
from hotline.public.errors import PublicRoute, error_page, problem_message
from hotline.public.layout import Language, language_of, render_public
from hotline.ratelimit.service import count_request
from hotline.satisfaction import rounds, service
from hotline.satisfaction.models import COMMENT_MAX_CHARS
from hotline.satisfaction.schemas import PartnerAnswerWrite, SurveyAnswer

router = APIRouter(tags=["satisfaction"], include_in_schema=False, route_class=PublicRoute)

TEXTS: dict[str, dict[str, Any]] = {
    "da": {
        "title": "Hvor tilfreds er du med hjælpen?",
        "intro": "Din vurdering hjælper os med at svare bedre. Det tager et minut.",
        "q_rating": "Hvor tilfreds er du med hjælpen?",
        "ratings": [
            (1, "Meget utilfreds"),
            (2, "Utilfreds"),
            (3, "Hverken eller"),
            (4, "Tilfreds"),
            (5, "Meget tilfreds"),
        ],
        "q_answer": "Fik du svar på dit spørgsmål?",
        "answers": [("ja", "Ja"), ("delvist", "Delvist"), ("nej", "Nej")],
        "q_comment": "Kommentar (frivillig)",
        "comment_hint": f"Højst {COMMENT_MAX_CHARS} tegn. Skriv ikke CPR-nummer eller andre "
        "personlige oplysninger.",
        "submit": "Send vurdering",
        "change": "Ret min vurdering",
        "thanks": "Tak for din vurdering. Den er gemt.",
        "change_until": "Du kan rette din vurdering indtil",
        "locked": "Tak, vi har din vurdering. Den kan ikke længere rettes.",
        "missing": "Vælg et svar på begge spørgsmål.",
        "too_long": f"Kommentaren må højst være {COMMENT_MAX_CHARS} tegn.",
        "cpr": "Skriv ikke CPR-numre i kommentaren. Ret kommentaren, og send igen.",
        "link_invalid": "Linket er ugyldigt. Brug linket præcis som det stod i e-mailen.",
        "link_expired": "Linket er udløbet. Tak for din interesse.",
    },
    "en": {
        "title": "How satisfied are you with the help you got?",
        "intro": "Your rating helps us answer better. It takes a minute.",
        "q_rating": "How satisfied are you with the help you got?",
        "ratings": [
            (1, "Very dissatisfied"),
            (2, "Dissatisfied"),
            (3, "Neutral"),
            (4, "Satisfied"),
            (5, "Very satisfied"),
        ],
        "q_answer": "Did you get an answer to your question?",
        "answers": [("ja", "Yes"), ("delvist", "Partly"), ("nej", "No")],
        "q_comment": "Comment (optional)",
        "comment_hint": f"At most {COMMENT_MAX_CHARS} characters. Do not write your CPR number "
        "or other personal details.",
        "submit": "Send rating",
        "change": "Change my rating",
        "thanks": "Thank you for your rating. It has been saved.",
        "change_until": "You can change your rating until",
        "locked": "Thank you, we have your rating. It can no longer be changed.",
        "missing": "Choose an answer to both questions.",
        "too_long": f"The comment may be at most {COMMENT_MAX_CHARS} characters.",
        "cpr": "Do not write CPR numbers in the comment. Correct the comment and send it again.",
        "link_invalid": "The link is not valid. Use the link exactly as it was in the email.",
        "link_expired": "The link has expired. Thank you for your interest.",
    },
}


def _when(moment: datetime | None, language: Language) -> str | None:
    if moment is None:
        return None
    locale = "da_DK" if language == "da" else "en_GB"
    return format_datetime(moment, "d. MMMM y HH:mm", tzinfo=COPENHAGEN, locale=locale)


def _link_error(request: Request, language: Language, exc: Problem) -> Response:
    """An invalid or expired link (or too many tries): a page on the hotline's neutral
    letterhead (no municipality is known), never a 5xx."""
    words = TEXTS[language]
    message = {400: words["link_invalid"], 410: words["link_expired"]}.get(exc.status)
    return error_page(request, language, exc, message=message)


def _comment_errors(exc: Problem, language: Language, texts: dict[str, Any]) -> dict[str, str]:
    """The service's refusal of an answer in the page's own words: a CPR number beside the
    comment that holds it, anything else for the whole form."""
    if isinstance(exc, CprNumberInText):
        return {"comment": texts["cpr"]}
    return {"form": problem_message(exc, language)}


def _page(
    request: Request,
    survey: service.Survey,
    language: Language,
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    posted: dict[str, str | None] | None = None,
    status_code: int = 200,
) -> Response:
    """``posted``: what the citizen sent, shown again on a refusal (not the stored answer)."""
    now = utcnow()
    response = survey.response
    shown = posted or {
        "rating": str(response.rating) if response else None,
        "got_answer": response.got_answer if response else None,
        "comment": response.comment if response else None,
    }
    context = {
        "t": TEXTS[language],
        "survey": survey,
        "response": response,
        "may_change": survey.may_change(now),
        "changeable_until": _when(survey.changeable_until, language),
        "saved": saved,
        "errors": errors or {},
        "shown": shown,
        "comment_max": COMMENT_MAX_CHARS,
        "action": request.url.path,
    }
    return render_public(
        request, "survey.html", survey.letterhead, language, context, status_code=status_code
    )


@router.get("/tilfredshed/{token}", name="survey_page")
def survey_page(
    request: Request,
    token: str,
    session: DbSession,
    settings: AppSettings,
    lang: str | None = None,
    gemt: str | None = None,
) -> Response:
    language = language_of(lang)
    try:
        survey = service.survey_for_link(session, settings, token)
    except Problem as exc:
        return _link_error(request, language, exc)
    return _page(request, survey, language, saved=gemt == "1")


@router.post("/tilfredshed/{token}", name="survey_submit")
def survey_submit(
    request: Request,
    token: str,
    session: DbSession,
    settings: AppSettings,
    lang: Annotated[str | None, Form()] = None,
    rating: Annotated[str | None, Form()] = None,
    got_answer: Annotated[str | None, Form()] = None,
    comment: Annotated[str | None, Form()] = None,
) -> Response:
    language = language_of(lang)
    address = request.client.host if request.client else "unknown"
    try:
        with transaction(request.app.state.sessionmaker) as counting:
            count_request(
                counting,
                "survey",
                address,
                limit=settings.survey_requests_per_address,
                window_seconds=settings.survey_rate_window_seconds,
                now=utcnow(),
            )
        survey = service.survey_for_link(session, settings, token)
    except Problem as exc:
        return _link_error(request, language, exc)
    posted = {"rating": rating, "got_answer": got_answer, "comment": comment}
    try:
        answer = SurveyAnswer(rating=rating, got_answer=got_answer, comment=comment)
    except ValidationError as exc:
        too_long = any(error["loc"] == ("comment",) for error in exc.errors())
        errors = {"comment": TEXTS[language]["too_long"]} if too_long else {}
        if any(error["loc"] != ("comment",) for error in exc.errors()):
            errors["form"] = TEXTS[language]["missing"]
        return _page(request, survey, language, errors=errors, posted=posted, status_code=422)
    try:
        service.answer_survey(session, settings, token, answer)
    except Problem as exc:
        session.rollback()
        errors = _comment_errors(exc, language, TEXTS[language])
        return _page(
            request, survey, language, errors=errors, posted=posted, status_code=exc.status
        )
    suffix = "&lang=en" if language == "en" else ""
    return RedirectResponse(f"{request.url.path}?gemt=1{suffix}", status_code=303)


# ---------------------------------------------------------------------------- partner rounds

PARTNER_TEXTS: dict[str, dict[str, Any]] = {
    "da": {
        "title": "Hvordan vurderer I hotlinen?",
        "intro": "Giv kommunens vurdering (1 = meget dårlig, 5 = meget god). I kan rette den "
        "indtil",
        "questions": [(name, text) for name, text in rounds.QUESTIONS],
        "low": "meget dårlig",
        "high": "meget god",
        "comment": "Kommentar (frivillig)",
        "submit": "Gem vurdering",
        "thanks": "Tak, kommunens vurdering er gemt.",
        "closed": "Runden er lukket. Tak for jeres interesse.",
        "missing": "Giv en vurdering (1-5) på alle tre spørgsmål.",
        "cpr": "Skriv ikke CPR-numre i kommentaren. Ret kommentaren, og gem igen.",
    },
    "en": {
        "title": "How do you rate the hotline?",
        "intro": "Give the municipality's rating (1 = very poor, 5 = very good). You may change "
        "it until",
        "questions": [
            ("quality_of_answers", "Quality of the answers the hotline gives in your name"),
            ("quality_of_forwards", "Quality of the cases the hotline forwards to you"),
            ("cooperation", "Cooperation with the hotline"),
        ],
        "low": "very poor",
        "high": "very good",
        "comment": "Comment (optional)",
        "submit": "Save rating",
        "thanks": "Thank you, the municipality's rating is saved.",
        "closed": "The round is closed. Thank you for your interest.",
        "missing": "Rate all three questions (1-5).",
        "cpr": "Do not write CPR numbers in the comment. Correct the comment and save again.",
    },
}


def _partner_page(
    request: Request,
    letterhead: Letterhead,
    form: rounds.PartnerForm,
    language: Language,
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """``posted``: what the municipality sent, shown again on a refusal (not the stored one)."""
    answer = form.answer
    fields = (*(name for name, _ in rounds.QUESTIONS), "comment")
    shown = posted or {
        name: "" if answer is None or getattr(answer, name) is None else str(getattr(answer, name))
        for name in fields
    }
    context = {
        "t": PARTNER_TEXTS[language],
        "form": form,
        "open": rounds.is_open(form.feedback_round, utcnow()),
        "closes": f"{form.feedback_round.closes_on:%d.%m.%Y}",
        "saved": saved,
        "errors": errors or {},
        "shown": shown,
        "comment_max": COMMENT_MAX_CHARS,
        "action": request.url.path,
    }
    return render_public(
        request, "partner.html", letterhead, language, context, status_code=status_code
    )


@router.get("/partner/{token}", name="partner_page")
def partner_page(
    request: Request,
    token: str,
    session: DbSession,
    settings: AppSettings,
    lang: str | None = None,
    gemt: str | None = None,
) -> Response:
    language = language_of(lang)
    try:
        form = rounds.form_for_link(session, settings, token)
    except Problem as exc:
        return _link_error(request, language, exc)
    return _partner_page(
        request,
        letterhead_for(session, settings, form.municipality),
        form,
        language,
        saved=gemt == "1",
    )


@router.post("/partner/{token}", name="partner_submit")
async def partner_submit(
    request: Request, token: str, session: DbSession, settings: AppSettings
) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items()}
    language = language_of(values.pop("lang", None))
    try:
        form = rounds.form_for_link(session, settings, token)
    except Problem as exc:
        return _link_error(request, language, exc)
    try:
        data = PartnerAnswerWrite.model_validate({k: v or None for k, v in values.items()})
    except ValidationError:
        return _partner_page(
            request,
            letterhead_for(session, settings, form.municipality),
            form,
            language,
            errors={"form": PARTNER_TEXTS[language]["missing"]},
            posted=values,
            status_code=422,
        )
    try:
        rounds.answer_by_link(session, settings, token, data)
    except Problem as exc:
        session.rollback()
        return _partner_page(
            request,
            letterhead_for(session, settings, form.municipality),
            form,
            language,
            errors=_comment_errors(exc, language, PARTNER_TEXTS[language]),
            posted=values,
            status_code=exc.status,
        )
    suffix = "&lang=en" if language == "en" else ""
    return RedirectResponse(f"{request.url.path}?gemt=1{suffix}", status_code=303)
