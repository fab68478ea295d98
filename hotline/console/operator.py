"""Operators' pages: the municipalities (member and contact columns) and the accounts."""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from hotline.auth import service as accounts
from hotline.auth.schemas import UserCreate
from hotline.console.access import ROLE_NAMES, Action, open_page, shows
from hotline.console.errors import danish_message
from hotline.console.forms import PASSWORD_BLANK, ConsoleForm, blank_to_none, validate_form
from hotline.console.session import CSRF_FIELD, ConsoleUser
from hotline.console.templating import console_path, render
from hotline.deps import DbSession, RowId
from hotline.errors import Conflict, Problem
from hotline.municipalities import service as municipalities
from hotline.municipalities.models import Municipality
from hotline.municipalities.schemas import CONTACT_COLUMNS, HOTLINE_COLUMNS, MunicipalityUpdate

router = APIRouter(prefix="/drift")


@router.get("/kommuner", name="operator_municipalities")
def municipality_list(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    open_page(user, Action.EDIT_MUNICIPALITY_HOTLINE_COLUMNS)
    return render(
        request,
        "operator_municipalities.html",
        {"nav": "municipalities", "municipalities": municipalities.list_municipalities(session)},
    )


@router.get("/kommuner/{code}", name="operator_municipality")
def municipality_form(
    request: Request, code: str, user: ConsoleUser, session: DbSession
) -> Response:
    municipality = municipalities.get_municipality(session, code)
    open_page(user, Action.EDIT_MUNICIPALITY_CONTACT, municipality.code)
    return _municipality_page(request, municipality, {}, {}, saved=False)


def _municipality_page(
    request: Request, municipality: Municipality, values: dict, errors: dict, *, saved: bool
) -> Response:
    user = request.state.console_user
    return render(
        request,
        "operator_municipality.html",
        {
            "nav": "municipalities",
            "m": municipality,
            "values": values,
            "errors": errors,
            "saved": saved,
            "may_edit_hotline_columns": shows(
                user, Action.EDIT_MUNICIPALITY_HOTLINE_COLUMNS, municipality.code
            ),
        },
        status_code=422 if errors else 200,
    )


@router.post("/kommuner/{code}")
def municipality_save(
    request: Request, code: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    municipality = municipalities.get_municipality(session, code)
    open_page(user, Action.EDIT_MUNICIPALITY_CONTACT, municipality.code)
    columns = set(CONTACT_COLUMNS)
    if shows(user, Action.EDIT_MUNICIPALITY_HOTLINE_COLUMNS, municipality.code):
        columns |= HOTLINE_COLUMNS
    values: dict[str, str | bool] = {
        column: str(form.get(column, "")).strip() for column in columns
    }
    if "member" in columns:
        values["member"] = "member" in form
    changes, errors = validate_form(MunicipalityUpdate, values)
    if changes is None:
        return _municipality_page(request, municipality, values, errors, saved=False)
    try:
        accounts.edit_municipality(session, user, municipality.code, changes)  # decides columns
    except Problem as exc:
        errors = _municipality_refusal(exc, municipality, changes)
        return _municipality_page(request, municipality, values, errors, saved=False)
    return _municipality_page(request, municipality, {}, {}, saved=True)


def _municipality_refusal(
    exc: Problem, municipality: Municipality, changes: MunicipalityUpdate
) -> dict[str, str]:
    """The service's refusal beside the field it concerns: a sender address outside the email
    domain (the rule is the service's) is told with the domain it must lie in, the one just
    typed when an operator changes it, and who can change that domain."""
    refused = {error.get("field") for error in exc.extra.get("errors", [])}
    if "body.sender_email" not in refused:
        return {"form": danish_message(exc.status, exc.slug)}
    domain = changes.email_domain or municipality.email_domain
    rule = (
        f"Afsenderadressen skal ligge i kommunens e-maildomæne {domain}, fx borgerservice@{domain}."
    )
    if "email_domain" not in changes.model_fields_set:
        return {"sender_email": f"{rule} Kun driften kan ændre e-maildomænet."}
    errors = {"sender_email": rule}
    if domain != municipality.email_domain:
        errors["email_domain"] = (
            "Afsenderadressen ligger ikke i det nye domæne. Ret den samtidig, "
            "eller behold det gamle domæne."
        )
    return errors


@router.get("/konti", name="operator_accounts")
def account_list(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    open_page(user, Action.LIST_ACCOUNTS, user.municipality_code)
    return _accounts_page(request, session, {}, {})


def _accounts_page(
    request: Request, session: DbSession, values: dict, errors: dict, status_code: int = 200
) -> Response:
    user = request.state.console_user
    return render(
        request,
        "operator_accounts.html",
        {
            "nav": "accounts",
            "accounts": accounts.list_users(session, user),
            "role_names": ROLE_NAMES,
            "municipalities": municipalities.list_municipalities(session, member=True),
            "values": values,
            "errors": errors,
            "may_manage": shows(user, Action.MANAGE_ACCOUNTS),
        },
        status_code=status_code,
    )


@router.post("/konti")
def account_create(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    open_page(user, Action.MANAGE_ACCOUNTS)
    sent = {key: str(value).strip() for key, value in form.items()}
    sent.pop(CSRF_FIELD, None)
    values = blank_to_none(sent)
    data, errors = validate_form(UserCreate, values)
    if errors.get("password", PASSWORD_BLANK) != PASSWORD_BLANK:
        errors["password"] = "Adgangskoden skal have mindst 12 tegn."  # noqa: S105 (a message)
    if data is not None:
        try:
            accounts.create_account(session, user, data)
        except Conflict:
            errors["email"] = "Der findes allerede en konto med den e-mailadresse."
        else:
            return RedirectResponse(console_path(request, "operator_accounts"), status_code=303)
    values.pop("password", None)
    return _accounts_page(request, session, values, errors, status_code=422)


@router.post("/konti/{account_id}/aktiv", name="operator_account_active")
def account_toggle(
    request: Request, account_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    accounts.toggle_account(session, user, account_id)
    return RedirectResponse(console_path(request, "operator_accounts"), status_code=303)
