"""Municipality admins' pages: overrides, facts, local articles, letterhead, coverage.

An admin sees only their own municipality (operators any); every decision goes through
``hotline.auth.permissions``.
"""

from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.config import Settings
from hotline.console.access import Action, open_page, shows
from hotline.console.articles import highlight_facts, show_article
from hotline.console.errors import danish_message
from hotline.console.forms import (
    ARTICLE_TEXT_FIELDS,
    FACT_TYPES,
    ConsoleForm,
    article_fields,
    article_problem,
    article_values,
    blank_to_none,
    danish_errors,
    form_version,
    validate_article,
    validate_form,
)
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render
from hotline.deps import AppSettings, DbSession
from hotline.errors import InvalidInput, PreconditionFailed, PreconditionRequired, Problem
from hotline.kit.markdown import markdown_to_html
from hotline.kit.money import AmountError, format_kroner, parse_kroner
from hotline.kit.time import today
from hotline.knowledge import service as knowledge
from hotline.knowledge.gaps import fact_gaps
from hotline.knowledge.models import FactType, OverrideMode
from hotline.knowledge.resolve import fact_values, render_facts
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from hotline.letterheads.render import LetterContent, logo_data_uri, render_letter
from hotline.letterheads.schemas import ThemeUpdate
from hotline.letterheads.service import (
    MAX_LOGO_BYTES,
    MIN_CONTRAST,
    ContrastProblem,
    CprNumberInLetterhead,
    InsufficientContrast,
    Letterhead,
    contrast_problems,
    letterhead_for,
    preview_theme,
    reset_letterhead,
    set_logo,
    update_theme,
)
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import get_municipality

router = APIRouter(prefix="/kommune/{code}")

MODE_NAMES = {
    OverrideMode.REPLACE: "Erstatter den fælles tekst",
    OverrideMode.APPEND: "Tilføjer et lokalt afsnit",
    OverrideMode.HIDE: "Gælder ikke i kommunen",
}
CONFLICT = danish_message(412)


def _municipality(session: Session, user: User, code: str, action: Action) -> Municipality:
    municipality = get_municipality(session, code)
    open_page(user, action, municipality.code)
    return municipality


def _page(
    request: Request, name: str, m: Municipality, status_code: int | None = None, **context: Any
) -> Response:
    status_code = status_code or (422 if context.get("errors") else 200)
    user = request.state.console_user
    may_edit = shows(user, Action.EDIT_LOCAL_KNOWLEDGE, m.code)
    return render(
        request,
        name,
        {"nav": "admin", "m": m, "may_edit": may_edit, "errors": {}, **context},
        status_code=status_code,
    )


@router.get("", name="admin_home")
def admin_home(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    """The municipality's to-do list first, then everything it has written."""
    m = _municipality(session, user, code, Action.READ_LOCAL_ADMIN)
    overrides = [
        knowledge.override_read(session, o) for o in knowledge.list_overrides(session, m.code)
    ]
    shared = knowledge.list_articles(session)
    return _page(
        request,
        "admin_home.html",
        m,
        coverage=knowledge.coverage(session, m.code),
        overrides=overrides,
        locals=knowledge.list_local_articles(session, m.code),
        shared=shared,
        shared_titles={article.slug: article.title for article in shared},
        mode_names=MODE_NAMES,
        fact_names={fact.key: fact.description for fact in knowledge.list_facts(session)},
        contradictions=knowledge.local_contradictions(session, m.code),
    )


# ---------------------------------------------------------------------------- overrides


def _override_page(
    request: Request,
    session: Session,
    m: Municipality,
    slug: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: str | None = None,
    status: int | None = None,
    preview: knowledge.OverridePreview | None = None,
    confirm_delete: bool = False,
) -> Response:
    article = knowledge.get_article(session, slug)
    override = knowledge.find_override(session, m.code, slug)
    facts = fact_values(session, m.code)
    gaps = fact_gaps(session, m.code)
    text, _missing, used = render_facts(article.body, facts, gaps.substitutes())
    if preview is None and override is not None and not values:
        saved_text = OverrideWrite(
            mode=OverrideMode(override.mode), title=override.title, body=override.body
        )
        preview = knowledge.preview_override(
            session, request.state.console_user, m.code, slug, saved_text
        )
    if preview is not None and not preview.hidden:
        body = values.get("body", "") if values else (override.body if override else "")
        flags = knowledge.contradictions_in(
            knowledge.municipality_facts(session, m.code), slug, body
        )
    else:
        flags = []
    return _page(
        request,
        "admin_override.html",
        m,
        article=article,
        shared_html=highlight_facts(markdown_to_html(text), facts, used, gaps),
        override=knowledge.override_read(session, override) if override else None,
        version=knowledge.override_version(override) if override else "",
        values=values or {},
        errors=errors or {},
        saved=saved,
        mode_names=MODE_NAMES,
        status_code=status,
        preview=show_article(session, preview.article) if preview else None,
        preview_starts=preview.starts if preview else None,
        preview_hidden=preview.hidden if preview else False,
        contradictions=flags,
        confirm_delete=confirm_delete,
    )


@router.get("/tilpasninger/{slug}", name="admin_override")
def override_form(
    request: Request, code: str, slug: str, user: ConsoleUser, session: DbSession
) -> Response:
    m = _municipality(session, user, code, Action.READ_LOCAL_ADMIN)
    return _override_page(request, session, m, slug)


@router.post("/tilpasninger/{slug}")
def override_save(
    request: Request, code: str, slug: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    """Save, preview, re-confirm (the shared text was read and the override still holds) or
    remove, which first asks (a page of its own: it works without JavaScript).

    The hidden ``version`` carries what the page showed: the override's revision and the
    shared article's, so a confirmation never covers a shared text the admin did not see.
    """
    m = _municipality(session, user, code, Action.EDIT_LOCAL_KNOWLEDGE)
    action = str(form.get("action", "save"))
    values = {key: str(form.get(key, "")) for key in ("mode", "title", "body", "agent_notes")}
    expected = str(form.get("version", "")) or None
    try:
        if action == "delete":  # the question first; nothing is removed yet
            return _override_page(request, session, m, slug, confirm_delete=True)
        if action == "delete_confirmed":
            knowledge.remove_override(session, user, m.code, slug, expected=expected)
            saved = "Den lokale tilpasning er fjernet."
        elif action == "confirm":
            knowledge.reconfirm_override(session, user, m.code, slug, expected=expected)
            saved = "Tilpasningen er bekræftet."
        else:
            data, errors = validate_form(
                OverrideWrite,
                blank_to_none(values)
                | {"body": values["body"], "agent_notes": values["agent_notes"]},
            )
            if data is None:
                return _override_page(request, session, m, slug, values=values, errors=errors)
            if action == "preview":
                preview = knowledge.preview_override(session, user, m.code, slug, data)
                return _override_page(request, session, m, slug, values=values, preview=preview)
            knowledge.save_override(session, user, m.code, slug, data, expected=expected)
            saved = "Tilpasningen er gemt."
    except (PreconditionFailed, PreconditionRequired) as exc:
        return _override_page(
            request, session, m, slug, values=values, errors={"form": CONFLICT}, status=exc.status
        )
    except InvalidInput as exc:
        errors = {"body": article_problem(exc)}
        return _override_page(request, session, m, slug, values=values, errors=errors)
    return _override_page(request, session, m, slug, saved=saved)


# ---------------------------------------------------------------------------- facts


@router.get("/fakta", name="admin_facts")
def facts_form(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    m = _municipality(session, user, code, Action.READ_LOCAL_ADMIN)
    return _facts_page(request, session, m)


def _facts_page(
    request: Request,
    session: Session,
    m: Municipality,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    understood: dict[str, str] | None = None,
    seen: dict[str, str] | None = None,
) -> Response:
    """``seen``: the revision of each value the admin's page showed (its hidden fields), kept
    while the form comes back, so a value changed meanwhile is refused, not overwritten."""
    return _page(
        request,
        "admin_facts.html",
        m,
        facts=knowledge.municipality_facts(session, m.code),
        seen=seen or {},
        fact_types=FACT_TYPES,
        values=values or {},
        errors=errors or {},
        saved=saved,
        understood=understood or {},
    )


def _amounts_to_confirm(facts: Any, form: FormData, errors: dict[str, str]) -> dict[str, str]:
    """Changed money values written other than as plain kroner (1.600, 195,-, 1.600,50), as
    understood (``1.600,00 kr.``), unless that very text was already shown and confirmed."""
    understood = {}
    for fact in facts:
        sent = str(form.get(f"fact-{fact.key}", "")).strip()
        if fact.type != FactType.MONEY or not sent or sent == (fact.value or ""):
            continue
        try:
            amount = parse_kroner(sent)
        except AmountError as exc:
            hint = FACT_TYPES[FactType.MONEY].hint
            errors[f"fact-{fact.key}"] = f"Ugyldig værdi. {hint}. {exc.danish}".strip()
            continue
        if not sent.isdigit() and form.get(f"confirmed-{fact.key}") != sent:
            understood[fact.key] = format_kroner(amount)
    return understood


@router.post("/fakta")
def facts_save(
    request: Request, code: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    """Only changed values are written, all or none (``knowledge.write_fact_values``): while
    any is refused, nothing is saved and every typed value comes back, each refused one
    explained next to its input."""
    m = _municipality(session, user, code, Action.EDIT_LOCAL_KNOWLEDGE)
    facts = knowledge.municipality_facts(session, m.code)
    amount_errors: dict[str, str] = {}
    seen = {fact.key: str(form.get(f"revision-{fact.key}", "")) for fact in facts}
    understood = _amounts_to_confirm(facts, form, amount_errors)
    values = {fact.key: str(form.get(f"fact-{fact.key}", "")).strip() for fact in facts}
    if understood and not amount_errors:  # nothing is saved before the amounts are confirmed
        return _facts_page(request, session, m, values, understood=understood, seen=seen)
    edits = [
        knowledge.FactEdit(fact.key, values[fact.key], form_version(form, f"revision-{fact.key}"))
        for fact in facts
        if values[fact.key] != (fact.value or "")
    ]
    try:
        knowledge.write_fact_values(session, user, m.code, edits)
    except knowledge.FactValuesRefused as refused:
        types = {fact.key: FactType(fact.type) for fact in facts}
        errors: dict[str, str] = {}
        for key, problem in refused.refused.items():
            if isinstance(problem, InvalidInput):
                errors[f"fact-{key}"] = amount_errors.get(
                    f"fact-{key}", f"Ugyldig værdi. {FACT_TYPES[types[key]].hint}."
                )
            else:  # changed (or removed) since the page was read
                errors[f"fact-{key}"] = CONFLICT
                seen.pop(key)  # shown again with the current revision, to overwrite knowingly
        return _facts_page(request, session, m, values, errors, seen=seen)
    return _facts_page(request, session, m, saved=True)


# ---------------------------------------------------------------------------- local articles


def _local_page(
    request: Request,
    m: Municipality,
    *,
    slug: str | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    saved: bool = False,
    preview: knowledge.LocalPreview | None = None,
    session: Session | None = None,
) -> Response:
    shown = show_article(session, preview.article) if preview and session else None
    return _page(
        request,
        "admin_local.html",
        m,
        slug=slug,
        values=values,
        errors=errors or {},
        saved=saved,
        preview=shown,
        preview_starts=preview.starts if preview else None,
    )


def _local_preview(
    request: Request,
    session: Session,
    user: User,
    m: Municipality,
    slug: str | None,
    values: dict[str, Any],
    data: ArticleCreate,
) -> Response:
    """The "Vis forhåndsvisning" button: the article as agents will read it; nothing saved."""
    try:
        preview = knowledge.preview_local_article(session, user, m.code, data)
    except InvalidInput as exc:
        errors = {"body": article_problem(exc)}
        return _local_page(request, m, slug=slug, values=values, errors=errors)
    return _local_page(request, m, slug=slug, values=values, preview=preview, session=session)


@router.get("/lokale-artikler/ny", name="admin_local_new")
def local_new(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    m = _municipality(session, user, code, Action.READ_LOCAL_ADMIN)
    return _local_page(request, m, slug=None, values={"category": ""})


@router.get("/lokale-artikler/{slug}", name="admin_local")
def local_form(
    request: Request, code: str, slug: str, user: ConsoleUser, session: DbSession
) -> Response:
    m = _municipality(session, user, code, Action.READ_LOCAL_ADMIN)
    local = knowledge.get_local_article(session, m.code, slug)
    return _local_page(request, m, slug=slug, values=article_values(local))


@router.post("/lokale-artikler/ny")
def local_create(
    request: Request, code: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    m = _municipality(session, user, code, Action.EDIT_LOCAL_KNOWLEDGE)
    values = article_fields(form)
    data, errors = validate_article(values, ArticleCreate)
    if data is not None and form.get("action") == "preview":
        return _local_preview(request, session, user, m, None, values, data)
    if data is not None:
        try:
            knowledge.add_local_article(session, user, m.code, data)
        except Problem as exc:
            errors = {"slug" if exc.status == 409 else "body": article_problem(exc)}
    if data is None or errors:
        return _local_page(request, m, slug=None, values=values, errors=errors)
    target = console_path(request, "admin_local", code=m.code, slug=data.slug)
    return RedirectResponse(target, status_code=303)


@router.post("/lokale-artikler/{slug}")
def local_save(
    request: Request, code: str, slug: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    m = _municipality(session, user, code, Action.EDIT_LOCAL_KNOWLEDGE)
    local = knowledge.get_local_article(session, m.code, slug)
    values = article_fields(form) | {"slug": slug}
    data, errors = validate_article(values, ArticleCreate)
    values["revision"] = str(form.get("revision", ""))  # what the editor read, kept on redraw
    if data is not None and form.get("action") == "preview":
        return _local_preview(request, session, user, m, slug, values, data)
    if data is not None:
        changes = data.model_dump(include=set(ARTICLE_TEXT_FIELDS))
        try:
            local = knowledge.edit_local_article(
                session, user, m.code, slug, changes, expected=form_version(form)
            )
        except (PreconditionFailed, PreconditionRequired):
            errors = {"form": CONFLICT}
        except Problem as exc:
            errors = {"body": article_problem(exc)}
    if errors:
        return _local_page(request, m, slug=slug, values=values, errors=errors)
    return _local_page(request, m, slug=slug, values=article_values(local), saved=True)


# ---------------------------------------------------------------------------- letterhead

SAMPLE_BODY = Markup("<p>Tak for din henvendelse. Her er svaret på dit spørgsmål.</p>")


THEME_COLOR_FIELDS = ("primary", "on_primary", "accent", "background")


def _theme_changes(form: FormData) -> dict[str, Any]:
    """The letterhead form as a ThemeUpdate: blank colours keep theirs; a blank text drops
    the admin's value, so the theme file's shows again (the service's merge decides)."""
    colors = {
        name: str(form.get(f"color-{name}", "")).strip() or None for name in THEME_COLOR_FIELDS
    }
    lines = {
        name: [line.strip() for line in str(form.get(name, "")).splitlines() if line.strip()]
        for name in ("address_lines", "signature_lines")
    }
    texts = {
        name: str(form.get(name, "")).strip() or None
        for name in ("sender_name", "department", "closing", "footer", "logo_alt")
    }
    return {**texts, **lines, "colors": {k: v for k, v in colors.items() if v}}


def _sample_letter(settings: Settings, letterhead: Letterhead, user: User) -> str:
    letter = LetterContent(
        subject="Svar på din henvendelse",
        day=today(),
        greeting="Kære borger,",
        body_html=SAMPLE_BODY,
        body_text=SAMPLE_BODY.striptags(),
        agent_first_name=user.first_name,
    )
    html, _text = render_letter(settings, letterhead, letter, logo_src=logo_data_uri(letterhead))
    return html


def _ratio(value: float) -> str:
    return format_decimal(value, format="0.0#", locale="da_DK")


def _contrast_errors(problems: list[ContrastProblem]) -> dict[str, str]:
    """The refused pairs in Danish: all of them above the colours, each beside its colour."""
    needed = _ratio(MIN_CONTRAST)
    described = [
        f"{p.pair.where}: {p.foreground} på {p.background} har kontrast {_ratio(p.ratio)}:1"
        for p in problems
    ]
    errors = {
        "colors": f"Farverne har for lav kontrast (WCAG AA kræver mindst {needed}:1): "
        + "; ".join(described)
        + "."
    }
    for problem, text in zip(problems, described, strict=True):
        if problem.field:
            errors.setdefault(f"color-{problem.field}", f"{text} (mindst {needed}:1).")
    return errors


def _letterhead_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    m: Municipality,
    *,
    changes: ThemeUpdate | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    """The editor; with ``changes`` it shows them (unsaved) in the form and the preview."""
    letterhead = letterhead_for(session, settings, m)
    shown = preview_theme(session, settings, m, changes, user) if changes else letterhead
    problems = contrast_problems(shown.theme) if changes and not errors else []
    return _page(
        request,
        "admin_letterhead.html",
        m,
        letterhead=letterhead,
        theme=shown.theme,
        preview_html=_sample_letter(settings, shown, user),
        may_edit_letterhead=shows(request.state.console_user, Action.EDIT_LETTERHEAD, m.code),
        errors=errors or {},
        contrast_warning=_contrast_errors(problems)["colors"] if problems else None,
        saved=saved,
    )


@router.get("/brevpapir", name="admin_letterhead")
def letterhead_form(
    request: Request, code: str, user: ConsoleUser, session: DbSession, settings: AppSettings
) -> Response:
    m = _municipality(session, user, code, Action.READ_LOCAL_ADMIN)
    return _letterhead_page(request, session, settings, user, m)


def _theme_form(form: FormData) -> tuple[ThemeUpdate | None, dict[str, str]]:
    """(the changes, Danish errors). When fields are refused the changes are the valid rest,
    so the page keeps showing what the admin chose."""
    raw = _theme_changes(form)
    try:
        return ThemeUpdate.model_validate(raw), {}
    except ValidationError as exc:
        refused = {error["loc"][0] for error in exc.errors() if error["loc"]}
        kept = {name: value for name, value in raw.items() if name not in refused}
        return (ThemeUpdate.model_validate(kept) if kept else None), danish_errors(exc)


@router.post("/brevpapir/forhaandsvisning", name="admin_letterhead_preview")
def letterhead_preview(
    request: Request,
    code: str,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """The letter with the unsaved changes, while the admin edits; colours the save would
    refuse are shown with the pairs that fail."""
    m = _municipality(session, user, code, Action.EDIT_LETTERHEAD)
    changes, errors = _theme_form(form)
    return _letterhead_page(request, session, settings, user, m, changes=changes, errors=errors)


@router.post("/brevpapir")
def letterhead_save(
    request: Request,
    code: str,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    m = _municipality(session, user, code, Action.EDIT_LETTERHEAD)
    etag = form.get("etag")
    changes, errors = _theme_form(form)
    if errors or changes is None:
        return _letterhead_page(request, session, settings, user, m, changes=changes, errors=errors)
    try:
        update_theme(session, settings, m, changes, user, if_match=str(etag) if etag else None)
    except InsufficientContrast as exc:  # the admin's colours stay in the form, with the pairs
        errors = _contrast_errors(exc.problems)
        return _letterhead_page(request, session, settings, user, m, changes=changes, errors=errors)
    except CprNumberInLetterhead as exc:  # beside each text holding one, the admin's text kept
        message = danish_message(exc.status, exc.slug)
        errors = {field: message for field in exc.fields} or {"form": message}
        return _letterhead_page(request, session, settings, user, m, changes=changes, errors=errors)
    except Problem as exc:  # changed meanwhile (412), or a non-member without a letterhead
        errors = {"form": danish_message(exc.status, exc.slug)}
        return _letterhead_page(request, session, settings, user, m, errors=errors)
    return _letterhead_page(request, session, settings, user, m, saved=True)


@router.post("/brevpapir/logo", name="admin_logo")
def logo_upload(
    request: Request,
    code: str,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """A PNG or JPEG logo; the letterheads package checks its type and size from the bytes."""
    m = _municipality(session, user, code, Action.EDIT_LETTERHEAD)
    upload = form.get("logo")
    data = upload.file.read(MAX_LOGO_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        if not data:
            raise InvalidInput("No file was chosen.")
        set_logo(session, settings, m, data, user)
    except InvalidInput:
        errors = {
            "logo": "Logoet skal være en PNG- eller JPEG-fil på højst 200 kB og 600 × 200 pixel."
        }
        return _letterhead_page(request, session, settings, user, m, errors=errors)
    return _letterhead_page(request, session, settings, user, m, saved=True)


@router.post("/brevpapir/nulstil", name="admin_letterhead_reset")
def letterhead_reset(
    request: Request,
    code: str,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """Drop the admin's changes: the municipality's theme files apply again."""
    m = _municipality(session, user, code, Action.EDIT_LETTERHEAD)
    etag = form.get("etag")
    try:
        reset_letterhead(session, settings, m, user, if_match=str(etag) if etag else None)
    except Problem as exc:
        errors = {"form": danish_message(exc.status, exc.slug)}
        return _letterhead_page(request, session, settings, user, m, errors=errors)
    return _letterhead_page(request, session, settings, user, m, saved=True)
