"""Meeting types in the console: editors define them for every municipality
(``/redaktion/moedetyper``); a municipality's admin hides one, adds local questions and
instructs the agents (``/kommune/{code}/moedetyper``). Plain forms, no JavaScript needed.

Only translation happens here: the form's inputs become ``MeetingTypeIn``/``OverrideIn``
(the rows of questions, the opening hours as "09:00-12:00, 13:00-15:00" per weekday, one date or
article per line), the version travels in a hidden field, and what the schema or service
refuses comes back in Danish beside the field it concerns. The rules are in hotline/meetings.
"""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hotline.console.errors import danish_message
from hotline.console.forms import ConsoleForm, danish_errors
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.deps import DbSession, RowId
from hotline.errors import Problem
from hotline.kit.cpr import CprNumberInText, contains_cpr_number
from hotline.meetings import service
from hotline.meetings.models import MeetingChannel, MeetingType, MeetingTypeOverride
from hotline.meetings.schemas import (
    OPENING_HOURS_ERRORS,
    MeetingTypeIn,
    OverrideIn,
    QuestionKind,
)
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import get_municipality

router = APIRouter()

WEEKDAYS = ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag")
CHANNELS = {MeetingChannel.PHONE.value: "Telefon", MeetingChannel.VIDEO.value: "Video (link)"}
KINDS = {
    QuestionKind.SHORT_TEXT.value: "Kort tekst",
    QuestionKind.LONG_TEXT.value: "Lang tekst",
    QuestionKind.SINGLE_CHOICE.value: "Ét valg",
    QuestionKind.MULTIPLE_CHOICE.value: "Flere valg",
    QuestionKind.DATE.value: "Dato",
    QuestionKind.YES_NO.value: "Ja/nej",
}
CPR_IN_TEXT = (
    "Skriv ikke CPR-numre her: borgerne og medarbejderne læser mødetypens tekster. Ret "
    "teksten, og gem igen."
)
BLANK_ROWS = 2  # empty question rows under the existing ones: save to get more
SETTINGS = ("duration_minutes", "parallel_agents", "horizon_days", "min_notice_hours")


# -- form <-> schema ----------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _windows(text: str) -> list[tuple[str, str]]:
    """ "09:00-12:00, 13:00-15:00" as windows; a piece without one dash is passed on as it is
    written, for the schema to refuse beside its weekday."""
    windows = []
    for piece in (part.strip() for part in text.split(",")):
        if piece:
            start, dash, end = piece.partition("-")
            windows.append((start.strip(), end.strip()) if dash else (piece, ""))
    return windows


def _question_rows(form: FormData) -> list[dict[str, Any]]:
    """Every row of the question table as written (the page shows them back on a refusal)."""
    rows = []
    index = 0
    while f"q{index}_key" in form:
        prefix = f"q{index}_"
        rows.append(
            {
                **{name: str(form.get(prefix + name, "")).strip()
                   for name in ("key", "label", "label_en", "kind")},
                "required": form.get(prefix + "required") == "yes",
                "options": "\n".join(_lines(str(form.get(prefix + "options", "")))),
                "remove": form.get(prefix + "remove") == "yes",
            }
        )  # fmt: skip
        index += 1
    return rows


def _kept(row: Mapping[str, Any]) -> bool:
    """A row counts unless it is marked for removal or left empty."""
    return not row["remove"] and any(row[name] for name in ("key", "label", "options"))


def _questions(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """The questions as the schema takes them, and the row each came from (for errors)."""
    questions, origin = [], []
    for index, row in enumerate(rows):
        if _kept(row):
            question = {
                "key": row["key"],
                "label": row["label"],
                "kind": row["kind"],
                "required": row["required"],
                "options": _lines(row["options"]),
            }
            if row["label_en"]:
                question["label_en"] = row["label_en"]
            questions.append(question)
            origin.append(index)
    return questions, origin


def _rows_of(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "key": q["key"],
            "label": q["label"],
            "label_en": q.get("label_en") or "",
            "kind": q["kind"],
            "required": bool(q.get("required")),
            "options": "\n".join(q.get("options") or []),
            "remove": False,
        }
        for q in questions
    ]


def _with_blank_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    blank = {"key": "", "label": "", "label_en": "", "kind": "short_text", "required": False,
             "options": "", "remove": False}  # fmt: skip
    return rows + [dict(blank) for _ in range(BLANK_ROWS)]


def _field_of(questions_field: str, origin: list[int]):  # type: ignore[no-untyped-def]
    """Where a schema error belongs on the page: a question's row, a weekday's hours."""

    def field_of(error: Mapping[str, Any]) -> str | None:
        loc = error["loc"]
        if loc[:1] == (questions_field,) and len(loc) > 1 and isinstance(loc[1], int):
            return f"q{origin[loc[1]]}"
        if error["type"] in OPENING_HOURS_ERRORS:
            return f"hours_{error['ctx']['weekday']}"
        return None

    return field_of


def _type_values(meeting_type: MeetingType) -> dict[str, Any]:
    """A stored type as its form shows it."""
    return {
        "slug": meeting_type.slug,
        "title": meeting_type.title,
        "description": meeting_type.description,
        "channel": meeting_type.channel,
        **{name: str(getattr(meeting_type, name)) for name in SETTINGS},
        **{
            f"hours_{day}": ", ".join(f"{start}-{end}" for start, end in windows)
            for day, windows in meeting_type.opening_hours.items()
        },
        "closed_days": "\n".join(meeting_type.closed_days),
        "article_slugs": "\n".join(meeting_type.article_slugs),
        "rows": _rows_of(meeting_type.questions),
        "version": service.type_version(meeting_type),
    }


def _posted_type(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip()
        for name in ("slug", "title", "description", "channel", "closed_days", "article_slugs",
                     "version", *SETTINGS, *(f"hours_{day}" for day in range(7)))
    }  # fmt: skip
    values["rows"] = _question_rows(form)
    return values


def _type_data(values: Mapping[str, Any]) -> tuple[MeetingTypeIn | None, dict[str, str]]:
    questions, origin = _questions(values["rows"])
    data: dict[str, Any] = {
        "slug": values["slug"],
        "title": values["title"],
        "description": values["description"],
        "questions": questions,
        "article_slugs": _lines(values["article_slugs"]),
        "closed_days": _lines(values["closed_days"]),
        "opening_hours": {
            day: _windows(values[f"hours_{day}"]) for day in range(7) if values[f"hours_{day}"]
        },
    }
    # Left empty, a number keeps its default (a required one is reported missing).
    data |= {name: values[name] for name in (*SETTINGS, "channel") if values[name]}
    try:
        return MeetingTypeIn.model_validate(data), {}
    except ValidationError as exc:
        return None, danish_errors(exc, _field_of("questions", origin), MeetingTypeIn)


def _form_context(
    meeting_type: MeetingType | None, values: dict[str, Any], errors: dict[str, str] | None,
    saved: bool,
) -> dict[str, Any]:  # fmt: skip
    """What both forms (the editor's type, the admin's override) show."""
    return {
        "sub": "meeting_types",
        "meeting_type": meeting_type,
        "values": values | {"rows": _with_blank_rows(values.get("rows", []))},
        "errors": errors or {},
        "saved": saved,
        "weekdays": WEEKDAYS,
        "channels": CHANNELS,
        "kinds": KINDS,
    }


# -- editors: the shared types ---------------------------------------------------------------


def _type_page(
    request: Request, meeting_type: MeetingType | None, values: dict[str, Any], *,
    errors: dict[str, str] | None = None, saved: bool = False,
) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        **_form_context(meeting_type, values, errors, saved),
        "nav": "editor",
        "action": console_path(request, "editor_meeting_type", type_id=meeting_type.id)
        if meeting_type
        else console_path(request, "editor_meeting_type_new"),
    }
    return render(request, "meeting_type.html", context, status_code=422 if errors else 200)


def _cpr_field(values: Mapping[str, Any], text_fields: tuple[str, ...]) -> str:
    """The first input holding a CPR number: the service refuses the whole type (the guard
    reads every text at once), the page shows the message beside the text to correct."""
    for name in text_fields:
        if contains_cpr_number(values.get(name) or ""):
            return name
    for index, row in enumerate(values.get("rows", [])):
        if any(contains_cpr_number(row[name]) for name in ("key", "label", "label_en", "options")):
            return f"q{index}"
    return "form"


def _refusal(exc: Problem, values: Mapping[str, Any]) -> dict[str, str]:
    """A refusal of the service beside the field it concerns, in Danish."""
    if isinstance(exc, CprNumberInText):
        return {_cpr_field(values, ("title", "description")): CPR_IN_TEXT}
    if exc.status in (409, 412, 428):
        message = (
            "Der findes allerede en mødetype med den adresse (slug). Vælg en anden."
            if exc.status == 409
            else danish_message(412)
        )
        return {"slug" if exc.status == 409 else "form": message}
    return {"article_slugs" if isinstance(exc, service.UnknownArticles) else "form": exc.detail}


@router.get("/redaktion/moedetyper", name="editor_meeting_types")
def type_list(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    context = {
        "nav": "editor",
        "sub": "meeting_types",
        "types": service.meeting_types(session, user),
        "channels": CHANNELS,
    }
    return render(request, "meeting_types.html", context)


@router.get("/redaktion/moedetyper/ny", name="editor_meeting_type_new")
def type_new(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    service.authorise_type_editing(user)
    defaults = {"channel": "phone", "duration_minutes": "30", "parallel_agents": "1",
                "horizon_days": "30", "min_notice_hours": "2"}  # fmt: skip
    return _type_page(request, None, defaults)


@router.post("/redaktion/moedetyper/ny")
def type_create(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    service.authorise_type_editing(user)
    values = _posted_type(form)
    data, errors = _type_data(values)
    if data is not None:
        try:
            meeting_type = service.create_meeting_type(session, user, data)
        except Problem as exc:
            errors = _refusal(exc, values)
    if errors:
        return _type_page(request, None, values, errors=errors)
    target = console_path(request, "editor_meeting_type", type_id=meeting_type.id)
    return RedirectResponse(with_query(target, gemt=1), status_code=303)


@router.get("/redaktion/moedetyper/{type_id}", name="editor_meeting_type")
def type_edit(request: Request, type_id: RowId, user: ConsoleUser, session: DbSession) -> Response:
    meeting_type = service.get_meeting_type(session, user, type_id)
    saved = request.query_params.get("gemt") == "1"
    return _type_page(request, meeting_type, _type_values(meeting_type), saved=saved)


@router.post("/redaktion/moedetyper/{type_id}")
def type_save(
    request: Request, type_id: RowId, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    meeting_type = service.get_meeting_type(session, user, type_id)
    values = _posted_type(form) | {"slug": meeting_type.slug}
    data, errors = _type_data(values)
    if data is not None:
        try:
            service.update_meeting_type(session, user, type_id, values["version"] or None, data)
        except Problem as exc:
            errors = _refusal(exc, values)
    if errors:
        return _type_page(request, meeting_type, values, errors=errors)
    return _type_page(request, meeting_type, _type_values(meeting_type), saved=True)


@router.post("/redaktion/moedetyper/{type_id}/tilbyd", name="editor_meeting_type_active")
def type_active(
    request: Request, type_id: RowId, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    """Withdraw the type from the booking pages, or offer it again."""
    meeting_type = service.get_meeting_type(session, user, type_id)
    version = str(form.get("version", "")) or None
    try:
        service.set_active(session, user, type_id, version, form.get("active") == "yes")
    except Problem as exc:
        values = _type_values(meeting_type)
        return _type_page(request, meeting_type, values, errors=_refusal(exc, values))
    target = console_path(request, "editor_meeting_type", type_id=type_id)
    return RedirectResponse(with_query(target, gemt=1), status_code=303)


# -- a municipality's admin: its override ---------------------------------------------------


def _override_values(override: MeetingTypeOverride | None) -> dict[str, Any]:
    if override is None:
        return {"hidden": False, "local_instructions": "", "rows": [], "version": ""}
    return {
        "hidden": override.hidden,
        "local_instructions": override.local_instructions,
        "rows": _rows_of(override.local_questions),
        "version": service.override_version(override),
    }


def _override_page(
    request: Request, municipality: Municipality, meeting_type: MeetingType,
    values: dict[str, Any], *, errors: dict[str, str] | None = None, saved: bool = False,
) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        **_form_context(meeting_type, values, errors, saved),
        "nav": "admin",
        "m": municipality,
        "may_edit": True,
        "action": console_path(
            request, "admin_meeting_type", code=municipality.code, type_id=meeting_type.id
        ),
    }
    status_code = 422 if errors else 200
    return render(request, "meeting_type_local.html", context, status_code=status_code)


@router.get("/kommune/{code}/moedetyper", name="admin_meeting_types")
def local_list(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    rows = service.overrides_of(session, user, code)
    context = {
        "nav": "admin",
        "sub": "meeting_types",
        "m": get_municipality(session, code),
        "may_edit": True,
        "rows": rows,
        "channels": CHANNELS,
    }
    return render(request, "meeting_types_local.html", context)


@router.get("/kommune/{code}/moedetyper/{type_id}", name="admin_meeting_type")
def local_edit(
    request: Request, code: str, type_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    meeting_type, override = service.override_for(session, user, code, type_id)
    return _override_page(
        request, get_municipality(session, code), meeting_type, _override_values(override),
        saved=request.query_params.get("gemt") == "1",
    )  # fmt: skip


@router.post("/kommune/{code}/moedetyper/{type_id}")
def local_save(
    request: Request,
    code: str,
    type_id: RowId,
    user: ConsoleUser,
    session: DbSession,
    form: ConsoleForm,
) -> Response:
    meeting_type, _override = service.override_for(session, user, code, type_id)
    values: dict[str, Any] = {
        "hidden": form.get("hidden") == "yes",
        "local_instructions": str(form.get("local_instructions", "")).strip(),
        "rows": _question_rows(form),
        "version": str(form.get("version", "")),
    }
    questions, origin = _questions(values["rows"])
    errors: dict[str, str] = {}
    try:
        data = OverrideIn.model_validate(
            {
                "hidden": values["hidden"],
                "local_instructions": values["local_instructions"],
                "local_questions": questions,
            }
        )
        service.set_override(session, user, code, type_id, data, values["version"] or None)
    except ValidationError as exc:
        errors = danish_errors(exc, _field_of("local_questions", origin))
    except CprNumberInText:
        errors = {_cpr_field(values, ("local_instructions",)): CPR_IN_TEXT}
    except Problem as exc:
        errors = {"form": danish_message(412) if exc.status in (412, 428) else exc.detail}
    municipality = get_municipality(session, code)
    if errors:
        return _override_page(request, municipality, meeting_type, values, errors=errors)
    target = console_path(request, "admin_meeting_type", code=code, type_id=type_id)
    return RedirectResponse(with_query(target, gemt=1), status_code=303)
