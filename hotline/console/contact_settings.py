"""The hotline's own contact settings in the console: the shared default routing (category ->
desk, which every municipality inherits until its admin sets its own) and the price per contact
the monthly statement applies. The services authorise, check the version the form carries and
validate; these pages only translate forms and Danish messages."""

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.console.access import Action, open_page
from hotline.console.forms import ConsoleForm, danish_errors, form_errors, form_version
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render
from hotline.contacts import reports, routing
from hotline.contacts.schemas import PriceWrite, SharedRouteWrite
from hotline.deps import DbSession
from hotline.errors import Problem
from hotline.kit.money import AmountError, format_kroner, parse_kroner
from hotline.kit.time import within_bounds

router = APIRouter()

ROUTE_FIELDS = ("category", "desk_name", "mailbox_local_part", "version")
PRICE_FIELDS = ("month", "price", "version")


# ---------------------------------------------------------------------------- shared routing


def _settings_page(
    request: Request,
    template: str,
    rows: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """A settings page: its rows (``rows``: the template's name for them and the rows), and its
    form with the values and version it read or was sent, and the Danish errors."""
    context = {"values": values, "errors": errors or {}, "kroner": format_kroner, **rows}
    return render(request, template, context, status_code=status_code)


def _shared_routing_page(
    request: Request, session: Session, user: User, values: dict[str, str], **refused: Any
) -> Response:
    rows = {"nav": "shared_routing", "routes": routing.shared_routes(session, user)}
    return _settings_page(request, "contacts_shared_routing.html", rows, values, **refused)


@router.get("/videresendelse", name="contacts_shared_routing")
def shared_routing_page(
    request: Request, user: ConsoleUser, session: DbSession, kategori: str | None = None
) -> Response:
    """The shared routing; ``?kategori=`` fills the form with that row and its version."""
    values: dict[str, str] = {}
    for row in routing.shared_routes(session, user):
        if row.category == kategori:
            values = {
                "category": row.category,
                "desk_name": row.desk_name,
                "mailbox_local_part": row.mailbox_local_part,
                "version": str(row.version),
            }
    return _shared_routing_page(request, session, user, values)


@router.post("/videresendelse", name="contacts_shared_routing_save")
def shared_routing_save(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    open_page(user, Action.EDIT_SHARED_ROUTING)  # before using the form: no hints to others
    values = {name: str(form.get(name, "")).strip() for name in ROUTE_FIELDS}
    try:
        routing.set_shared_route(
            session,
            user,
            values["category"],
            SharedRouteWrite.model_validate(values),
            form_version(form, "version"),
        )
    except (Problem, ValidationError) as exc:
        session.rollback()
        return _shared_routing_page(
            request, session, user, values, errors=form_errors(exc), status_code=422
        )
    return RedirectResponse(console_path(request, "contacts_shared_routing"), status_code=303)


# ---------------------------------------------------------------------------- price


def _prices_page(
    request: Request, session: Session, user: User, values: dict[str, str], **refused: Any
) -> Response:
    rows = {"nav": "prices", "prices": reports.prices(session, user)}
    return _settings_page(request, "contacts_prices.html", rows, values, **refused)


@router.get("/pris", name="contacts_prices")
def prices_page(
    request: Request, user: ConsoleUser, session: DbSession, maaned: str | None = None
) -> Response:
    """The price per contact by month; ``?maaned=YYYY-MM`` fills the form with that price."""
    values: dict[str, str] = {}
    for row in reports.prices(session, user):
        if f"{row.valid_from:%Y-%m}" == maaned:
            values = {
                "month": maaned,
                "price": format_kroner(row.price_per_contact).removesuffix(" kr."),
                "version": str(row.version),
            }
    return _prices_page(request, session, user, values)


def _month(sent: str) -> date | None:
    try:
        return within_bounds(date.fromisoformat(f"{sent}-01"))
    except ValueError:
        return None


@router.post("/pris", name="contacts_prices_save")
def prices_save(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    open_page(user, Action.SET_CONTACT_PRICE)  # before using the form: no hints to others
    values = {name: str(form.get(name, "")).strip() for name in PRICE_FIELDS}
    errors: dict[str, str] = {}
    month = _month(values["month"])
    if month is None:
        errors["month"] = "Vælg den måned, prisen gælder fra."
    price: Decimal | None = None
    try:
        price = parse_kroner(values["price"])
    except AmountError as exc:
        errors["price"] = f"Skriv prisen i kroner, fx 12,50. {exc.danish}".strip()
    if month is None or price is None:
        return _prices_page(request, session, user, values, errors=errors, status_code=422)
    data: dict[str, Any] = {"price_per_contact": price}
    try:
        checked = PriceWrite.model_validate(data)
        reports.set_price(
            session, user, month, checked.price_per_contact, form_version(form, "version")
        )
    except ValidationError as exc:
        errors = {"price": next(iter(danish_errors(exc).values()))}
        return _prices_page(request, session, user, values, errors=errors, status_code=422)
    except Problem as exc:
        session.rollback()
        return _prices_page(
            request, session, user, values, errors=form_errors(exc), status_code=422
        )
    return RedirectResponse(console_path(request, "contacts_prices"), status_code=303)
