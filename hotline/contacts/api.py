"""Contacts, forwards, routing, prices and reports over HTTP: translation only (JSON <-> schema,
ETag <-> version, CSV/JSON), every rule is in the services."""

from datetime import timedelta
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Query, Response

from hotline.contacts import forwarding, reports, routing, service
from hotline.contacts.models import ArticleUse, Contact
from hotline.contacts.schemas import (
    ArticleTouched,
    ContactClose,
    ContactOpen,
    ContactRead,
    ContactUpdate,
    ForwardRead,
    ForwardRequest,
    PriceRead,
    PriceWrite,
    RouteRead,
    RouteWrite,
    SharedRouteWrite,
)
from hotline.db import utcnow
from hotline.deps import (
    CSV_OR_JSON,
    AppSettings,
    CurrentUser,
    DbSession,
    RowId,
    SignedInApi,
    csv_download,
)
from hotline.errors import PreconditionRequired
from hotline.etags import IfMatch
from hotline.kit.time import Day, Instant

router = APIRouter(tags=["contacts"])


def contact_etag(contact: Contact | ContactRead) -> str:
    return service.contact_version(contact.version)


def expected_version(if_match: str | None) -> str:
    """If-Match as sent (required: a correction must say what it corrects); the service
    compares it with the contact's version."""
    if if_match is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read of the contact."
        )
    return if_match


_Answer = TypeVar("_Answer", Contact, ContactRead)


def _read(contact: _Answer, response: Response) -> _Answer:
    response.headers["ETag"] = contact_etag(contact)
    return contact


@router.post("/contacts", response_model=ContactRead, status_code=201)
async def open_contact(data: ContactOpen, api: SignedInApi, response: Response) -> ContactRead:
    """Open a contact for the citizen's municipality (the console does it on choosing one)."""
    contact = await api.act(
        lambda session, user: ContactRead.model_validate(service.open_contact(session, user, data))
    )
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    return _read(contact, response)


@router.get("/contacts", response_model=list[ContactRead])
def list_contacts(
    session: DbSession,
    user: CurrentUser,
    since: Instant | None = None,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> object:
    """Contacts started since ``since`` (default: the last 24 hours): yours, or every one for
    supervisors and operators."""
    return service.list_contacts(
        session,
        user,
        since=since or utcnow() - timedelta(hours=24),
        municipality=municipality,
        limit=limit,
    )


@router.get("/contacts/{contact_id}", response_model=ContactRead)
def get_contact(
    contact_id: RowId, session: DbSession, user: CurrentUser, response: Response
) -> object:
    """One contact with the citizen's details (the read is audited)."""
    return _read(service.get_contact(session, user, contact_id), response)


@router.patch("/contacts/{contact_id}", response_model=ContactRead)
def correct_contact(
    contact_id: RowId,
    data: ContactUpdate,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Correct your own contact during the shift (12 hours from its start)."""
    contact = service.update_contact(session, user, contact_id, expected_version(if_match), data)
    return _read(contact, response)


@router.post("/contacts/{contact_id}/close", response_model=ContactRead)
async def close_contact(
    contact_id: RowId,
    data: ContactClose,
    api: SignedInApi,
    response: Response,
    if_match: IfMatch = None,
) -> ContactRead:
    contact = await api.act(  # the account first: a stranger learns nothing of If-Match
        lambda session, user: ContactRead.model_validate(
            service.close_contact(session, user, contact_id, expected_version(if_match), data)
        )
    )
    return _read(contact, response)


@router.post("/contacts/{contact_id}/articles", response_model=ContactRead)
async def touch_article(
    contact_id: RowId, data: ArticleTouched, api: SignedInApi, response: Response
) -> ContactRead:
    """Record an article opened or attached (idempotent: once per article and use)."""
    contact = await api.act(
        lambda session, user: ContactRead.model_validate(
            service.record_article(session, user, contact_id, data.slug, ArticleUse(data.use))
        )
    )
    return _read(contact, response)


@router.post("/contacts/{contact_id}/forward", response_model=ForwardRead, status_code=202)
def forward_contact(
    contact_id: RowId,
    data: ForwardRequest,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
    if_match: IfMatch = None,
) -> object:
    """ "Send til kommunen": queue the message to the municipality's desk for this topic."""
    return forwarding.forward_contact(
        session, settings, user, contact_id, expected_version(if_match), data
    )


@router.get("/forwards", response_model=list[ForwardRead])
def list_forwards(
    session: DbSession,
    user: CurrentUser,
    state: Literal["open", "handled", "overdue", "all"] = "all",
) -> object:
    return forwarding.list_forwards(session, user, state)


@router.get("/routing/{code}", response_model=list[RouteRead])
def routing_table(code: str, session: DbSession, user: CurrentUser) -> object:
    """The municipality's desks: its own rows and those it inherits from the shared routing."""
    return routing.routing_table(session, user, code)


@router.put("/routing/{code}/{category}", response_model=RouteRead)
def set_route(
    code: str, category: str, data: RouteWrite, session: DbSession, user: CurrentUser
) -> object:
    """The municipality's own desk for a category (``*``: its default desk)."""
    return routing.set_local_route(session, user, code, category, data)


@router.delete("/routing/{code}/{category}", status_code=204)
def remove_route(code: str, category: str, session: DbSession, user: CurrentUser) -> None:
    routing.remove_local_route(session, user, code, category)


@router.put("/routing-shared/{category}", response_model=RouteRead)
def set_shared_route(
    category: str, data: SharedRouteWrite, session: DbSession, user: CurrentUser
) -> object:
    row = routing.set_shared_route(session, user, category, data)
    return RouteRead(
        category=row.category,
        desk_name=row.desk_name,
        mailbox=f"{row.mailbox_local_part}@<kommunens domæne>",
        source="shared",
    )


@router.put("/contact-prices/{month}", response_model=PriceRead)
def set_price(month: Day, data: PriceWrite, session: DbSession, user: CurrentUser) -> object:
    """The hotline's price per contact from ``month`` (its first day) on."""
    return reports.set_price(session, user, month, data.price_per_contact)


@router.get("/contact-reports", responses=CSV_OR_JSON)
def contact_report(
    session: DbSession,
    user: CurrentUser,
    date_from: Annotated[Day, Query(alias="from")],
    date_to: Annotated[Day, Query(alias="to")],
    group_by: reports.GroupBy = reports.GroupBy.DAY,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    format: Literal["json", "csv"] = "json",
) -> object:
    """Counts, median/p90 handling time, first-contact and forwarded shares, forwards handled
    in time and non-member contacts, scoped to what your role may count. No personal data."""
    report = reports.contact_report(
        session, user, reports.ReportQuery(date_from, date_to, group_by, municipality)
    )
    if format == "csv":
        return csv_download(
            reports.report_csv(report), f"henvendelser-{date_from}-{date_to}-{group_by}.csv"
        )
    return reports.report_json(report)


@router.get("/contact-statements/{code}/{month}", responses=CSV_OR_JSON)
def monthly_statement(
    code: str,
    month: Day,
    session: DbSession,
    user: CurrentUser,
    format: Literal["json", "csv"] = "json",
) -> object:
    """One municipality's month: contacts by channel and outcome, priced when a price is set."""
    statement = reports.monthly_statement(session, user, code, month)
    if format == "csv":
        return csv_download(
            reports.statement_csv(statement), f"opgoerelse-{code}-{statement.month:%Y-%m}.csv"
        )
    return {
        "municipality": statement.municipality_code,
        "name": statement.municipality_name,
        "member": statement.member,
        "month": statement.month.isoformat(),
        "by_channel_and_outcome": [
            {"channel": channel, "outcome": outcome or None, "contacts": n}
            for (channel, outcome), n in sorted(statement.by_channel_and_outcome.items())
        ],
        "total": statement.total,
        "price_per_contact": str(statement.price_per_contact)
        if statement.price_per_contact is not None
        else None,
        "amount": str(statement.amount) if statement.amount is not None else None,
        "amount_text": reports.money(statement.amount) if statement.amount is not None else None,
    }
