"""Reply templates in the console: editors keep the shared ones (``/redaktion``), each
municipality's admin its own (``/kommune/{code}``); an own template of the same key is used
instead of the shared one for that municipality's citizens."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.composer import service as composer
from hotline.composer.models import ReplyTemplate
from hotline.composer.rendering import TemplateProblem
from hotline.composer.schemas import TEMPLATE_KEY, ReplyTemplateCreate, ReplyTemplateUpdate
from hotline.console.errors import danish_message
from hotline.console.forms import (
    ConsoleForm,
    blank_to_none,
    cpr_field,
    template_problem,
    validate_form,
)
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.deps import DbSession, RowId
from hotline.errors import Conflict, NotFound, Problem
from hotline.kit.cpr import CprNumberInText
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import get_municipality

router = APIRouter()

SHARED = "/redaktion/svarskabeloner"
OWN = "/kommune/{code}/svarskabeloner"
FIELDS = ("title", "subject", "body_markdown")
# What a template may use, shown beside the text box.
PLACEHOLDERS = (
    "{{ citizen_name }}, {{ municipality }}, {{ municipality_phone }}, "
    '{{ municipality_website }}, {{ agent_first_name }}, {{ today }}, {{ article("slug") }} '
    "og kommunens fakta, fx {{ gebyr_pas }}"
)


def _owner(session: Session, user: User, code: str | None) -> Municipality | None:
    """The municipality whose templates these are (None: the shared ones), once allowed."""
    composer.require_template_edit(user, code)
    return None if code is None else get_municipality(session, code)


def _template(session: Session, template_id: int, code: str | None) -> ReplyTemplate:
    template = composer.get_template(session, template_id)
    if template.municipality_code != code:
        raise NotFound(f"No reply template has the id {template_id} there.")
    return template


def _path(request: Request, code: str | None, page: str, **params: Any) -> str:
    """The same page in the editors' part (shared templates) or the municipality's."""
    if code is None:
        return console_path(request, f"editor_{page}", **params)
    return console_path(request, f"admin_{page}", code=code, **params)


def _list_page(
    request: Request, session: Session, owner: Municipality | None, deleted: str | None
) -> Response:
    code = owner.code if owner else None
    templates = composer.list_templates(session, code)
    own = [t for t in templates if t.municipality_code == code]
    context = {
        "nav": "admin" if owner else "editor",
        "m": owner,
        "may_edit": True,
        "own": [(t, _path(request, code, "template", template_id=t.id)) for t in own],
        "own_keys": {t.key for t in own},
        "shared": [t for t in templates if t.municipality_code is None] if owner else [],
        "deleted": deleted,
        "new_path": _path(request, code, "template_new"),
    }
    return render(request, "reply_templates.html", context)


def _form_page(
    request: Request,
    owner: Municipality | None,
    template: ReplyTemplate | None,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    code = owner.code if owner else None
    context: dict[str, Any] = {
        "nav": "admin" if owner else "editor",
        "m": owner,
        "may_edit": True,
        "template": template,
        "values": values,
        "errors": errors or {},
        "saved": saved,
        "placeholders": PLACEHOLDERS,
        "list_path": _path(request, code, "templates"),
        "action": _path(request, code, "template", template_id=template.id)
        if template
        else _path(request, code, "template_new"),
        "delete_path": _path(request, code, "template_delete", template_id=template.id)
        if template
        else None,
    }
    return render(request, "reply_template.html", context, status_code=422 if errors else 200)


def _values(template: ReplyTemplate) -> dict[str, Any]:
    return {
        "key": template.key,
        "title": template.title,
        "subject": template.subject or "",
        "body_markdown": template.body_markdown,
        "version": template.version,
    }


def _problem(exc: Problem, values: dict[str, str]) -> dict[str, str]:
    """The service's refusal in Danish, beside the field it concerns."""
    if isinstance(exc, TemplateProblem):
        return {"body_markdown": template_problem(exc, "Skabelonen")}
    if isinstance(exc, CprNumberInText):
        return {cpr_field(values, "body_markdown"): danish_message(exc.status, exc.slug)}
    return {"form": danish_message(exc.status, exc.slug)}


# -- the handlers both places share ----------------------------------------------------------


def _list(
    request: Request, session: Session, user: User, code: str | None, deleted: str | None
) -> Response:
    return _list_page(request, session, _owner(session, user, code), deleted)


def _new(
    request: Request, session: Session, user: User, code: str | None, based_on: int | None
) -> Response:
    """With ``based_on``: a copy of a shared template, to make the municipality's own."""
    owner = _owner(session, user, code)
    values: dict[str, Any] = {}
    if based_on is not None and code is not None:
        values = _values(_template(session, based_on, None))
    return _form_page(request, owner, None, values)


def _create(
    request: Request, session: Session, user: User, code: str | None, form: FormData
) -> Response:
    owner = _owner(session, user, code)
    values = {name: str(form.get(name, "")).strip() for name in ("key", *FIELDS)}
    data, errors = validate_form(
        ReplyTemplateCreate, blank_to_none(values) | {"municipality_code": code}
    )
    if data is not None:
        try:
            template = composer.create_template(session, data, user)
        except Conflict:
            errors = {"key": "Der findes allerede en skabelon med dette navn her."}
        except Problem as exc:
            errors = _problem(exc, values)
    if errors:
        return _form_page(request, owner, None, values, errors=errors)
    target = _path(request, code, "template", template_id=template.id)
    return RedirectResponse(target, status_code=303)


def _edit(
    request: Request, session: Session, user: User, code: str | None, template_id: int
) -> Response:
    owner = _owner(session, user, code)
    template = _template(session, template_id, code)
    return _form_page(request, owner, template, _values(template))


def _save(
    request: Request,
    session: Session,
    user: User,
    code: str | None,
    template_id: int,
    form: FormData,
) -> Response:
    owner = _owner(session, user, code)
    template = _template(session, template_id, code)
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    seen = str(form.get("version", ""))  # the version the page showed; the service compares
    values |= {"key": template.key, "version": seen}
    changes = {name: values[name] for name in FIELDS} | {"subject": values["subject"] or None}
    data, errors = validate_form(ReplyTemplateUpdate, changes)
    if data is not None:
        try:
            composer.update_template(
                session, template, data, user, if_match=composer.template_version(template.id, seen)
            )
        except Problem as exc:
            errors = _problem(exc, values)
    if errors:
        return _form_page(request, owner, template, values, errors=errors)
    return _form_page(request, owner, template, _values(template), saved=True)


def _delete(
    request: Request, session: Session, user: User, code: str | None, template_id: int
) -> Response:
    _owner(session, user, code)
    template = _template(session, template_id, code)
    key = template.key
    composer.delete_template(session, template, user)
    target = with_query(_path(request, code, "templates"), slettet=key)
    return RedirectResponse(target, status_code=303)


# -- routes -----------------------------------------------------------------------------------

Deleted = Annotated[str | None, Query(max_length=80, pattern=TEMPLATE_KEY)]
BasedOn = Annotated[int | None, Query()]


@router.get(SHARED, name="editor_templates")
def shared_list(
    request: Request, user: ConsoleUser, session: DbSession, slettet: Deleted = None
) -> Response:
    return _list(request, session, user, None, slettet)


@router.get(OWN, name="admin_templates")
def own_list(
    request: Request, code: str, user: ConsoleUser, session: DbSession, slettet: Deleted = None
) -> Response:
    return _list(request, session, user, code, slettet)


@router.get(SHARED + "/ny", name="editor_template_new")
def shared_new(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    return _new(request, session, user, None, None)


@router.get(OWN + "/ny", name="admin_template_new")
def own_new(
    request: Request, code: str, user: ConsoleUser, session: DbSession, fra: BasedOn = None
) -> Response:
    return _new(request, session, user, code, fra)


@router.post(SHARED + "/ny")
def shared_create(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    return _create(request, session, user, None, form)


@router.post(OWN + "/ny")
def own_create(
    request: Request, code: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    return _create(request, session, user, code, form)


@router.get(SHARED + "/{template_id}", name="editor_template")
def shared_edit(
    request: Request, template_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    return _edit(request, session, user, None, template_id)


@router.get(OWN + "/{template_id}", name="admin_template")
def own_edit(
    request: Request, code: str, template_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    return _edit(request, session, user, code, template_id)


@router.post(SHARED + "/{template_id}")
def shared_save(
    request: Request, template_id: RowId, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    return _save(request, session, user, None, template_id, form)


@router.post(OWN + "/{template_id}")
def own_save(
    request: Request,
    code: str,
    template_id: RowId,
    user: ConsoleUser,
    session: DbSession,
    form: ConsoleForm,
) -> Response:
    return _save(request, session, user, code, template_id, form)


@router.post(SHARED + "/{template_id}/slet", name="editor_template_delete")
def shared_delete(
    request: Request, template_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    return _delete(request, session, user, None, template_id)


@router.post(OWN + "/{template_id}/slet", name="admin_template_delete")
def own_delete(
    request: Request, code: str, template_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    return _delete(request, session, user, code, template_id)
