"""Contacts in the console: the open contact beside the agent's page, closing it with the
outcome, "Send til kommunen", "Mine henvendelser i dag", the supervisor's shift view, the report
pages (chart + table twin + CSV) and the desk's page behind its signed link (no sign-in).

Hooks into the agent page are two calls: ``agent_page_contact`` (opens the contact when the
municipality is chosen, records an opened article) and the ``contacts_panel.html`` include.
"""

from contextlib import suppress
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.auth.service import SignedIn
from hotline.console.access import Action, open_page, shows
from hotline.console.charts import bar_chart
from hotline.console.errors import danish_message
from hotline.console.forms import ConsoleForm, danish_errors, form_version
from hotline.console.report_pages import GROUP_NAMES, Filter, ReportPage, local_today
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.contacts import forwarding, reports, routing, service
from hotline.contacts.calendar import local_day_start
from hotline.contacts.models import ArticleUse, Authority, Contact, Outcome
from hotline.contacts.schemas import (
    ContactClose,
    ContactOpen,
    ForwardRequest,
    Promise,
    RouteWrite,
)
from hotline.deps import AppSettings, DbSession, RowId, csv_download
from hotline.errors import InvalidInput, Problem
from hotline.kit.time import Day
from hotline.municipalities.models import Municipality
from hotline.satisfaction.service import phone_surveys_of
from hotline.search.service import gaps_for

router = APIRouter()

OUTCOME_KEYS = {  # the accesskey of each outcome button: closing is one keystroke
    Outcome.ANSWERED: "1",
    Outcome.REPLY_SENT: "2",
    Outcome.FORWARDED: "3",
    Outcome.CALLBACK_AGREED: "4",
    Outcome.REFERRED: "5",
    Outcome.DROPPED: "6",
}
AUTHORITY_NAMES = {
    Authority.UDBETALING_DANMARK: "Udbetaling Danmark",
    Authority.SKAT: "Skattestyrelsen",
    Authority.POLITI: "Politiet",
    Authority.SUNDHEDSVAESEN: "Sundhedsvæsenet",
    Authority.FAMILIERETSHUSET: "Familieretshuset",
    Authority.ANDEN: "Anden myndighed",
}
PROMISE_NAMES = {
    Promise.NEXT_WORKING_DAY: "Kommunen ringer tilbage næste hverdag",
    Promise.TWO_WORKING_DAYS: "Inden for 2 hverdage",
    Promise.FIVE_WORKING_DAYS: "Inden for 5 hverdage",
}


def _labels() -> dict[str, Any]:
    return {
        "outcome_keys": OUTCOME_KEYS,
        "outcome_names": reports.OUTCOME_NAMES,
        "channel_name": reports.channel_name,
        "authority_names": AUTHORITY_NAMES,
    }


def agent_page_contact(
    session: Session, user: User, code: str | None, article: str | None, *, panel: bool = True
) -> dict[str, Any]:
    """Choosing the municipality opens a contact (unless one is open); an article read while
    it is open is recorded. Returns what ``contacts_panel.html`` shows, when the page draws
    the panel (``panel``): a fragment without it (search results) only opens the contact."""
    if not code or not shows(user, Action.SEND_REPLY, code):
        return {}
    if not panel and not article and service.has_open_contact(session, user.id):
        return {}
    contact = service.open_contact_of(session, user)
    if contact is None:
        try:
            contact = service.open_contact(session, user, ContactOpen(municipality=code))
        except (Problem, ValidationError):
            return {}
    if article and contact.municipality_code == code:
        with suppress(Problem):  # reading never fails because of the record
            service.record_article(session, user, contact.id, article, ArticleUse.OPENED)
    return {"contact": contact, **_labels()}


def fragment_contact(
    session: Session, agent: SignedIn, code: str | None, *, open_contact: bool | None = None
) -> None:
    """``agent_page_contact`` for a fragment without the panel (the search results), signed in
    as a plain row: only opens the contact when none is open (the account is loaded then).
    ``open_contact``: whether one is, where the caller has asked already."""
    if not code or not shows(agent, Action.SEND_REPLY, code):
        return
    if service.has_open_contact(session, agent.id) if open_contact is None else open_contact:
        return
    user = session.get(User, agent.id)
    if user is not None:
        agent_page_contact(session, user, code, None, panel=False)


def _version_read(form: FormData) -> str:
    """The contact's version its page showed; a form without one is stale, never unchecked."""
    return form_version(form, "version", service.contact_version) or ""


@router.post("/henvendelser/{contact_id}/luk", name="contact_close")
def close(
    request: Request, contact_id: RowId, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    """One button per outcome (accesskey 1-6); a referral takes the chosen authority."""
    outcome = str(form.get("outcome", ""))
    fields: dict[str, Any] = {"outcome": outcome, "note": str(form.get("note", "")) or None}
    if outcome == Outcome.REFERRED:
        fields["referred_to"] = str(form.get("referred_to", "")) or None
    try:
        service.close_contact(
            session,
            user,
            contact_id,
            _version_read(form),
            ContactClose.model_validate(fields),
        )
    except (Problem, ValidationError) as exc:
        session.rollback()
        message = (
            next(iter(danish_errors(exc).values()))
            if isinstance(exc, ValidationError)
            else danish_message(exc.status, exc.slug)
        )
        return today_page(request, session, user, error=message, status_code=422)
    return RedirectResponse(console_path(request, "contacts_today"), status_code=303)


def today_page(
    request: Request, session: Session, user: User, *, status_code: int = 200, **extra: Any
) -> Response:
    """ "Mine henvendelser i dag", with an error when a form on it was refused (satisfaction's
    survey-email button renders it too)."""
    contacts = service.contacts_today(session, user)
    survey_offerable, surveyed = phone_surveys_of(session, contacts)
    context = {
        "nav": "contacts",
        "contacts": contacts,
        "survey_offerable": survey_offerable,
        "surveyed": surveyed,
        "contact": service.open_contact_of(session, user),
        **_labels(),
        **extra,
    }
    return render(request, "contacts_today.html", context, status_code=status_code)


@router.get("/henvendelser", name="contacts_today")
def today(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    """ "Mine henvendelser i dag"."""
    return today_page(request, session, user)


def _forward_page(
    request: Request, contact: Contact, *, values: dict[str, str], errors: dict[str, str],
    status_code: int = 200,
) -> Response:  # fmt: skip
    context = {
        "nav": "contacts",
        "contact": contact,
        "values": values,
        "errors": errors,
        "promises": PROMISE_NAMES,
    }
    return render(request, "contacts_forward.html", context, status_code=status_code)


@router.get("/henvendelser/{contact_id}/videresend", name="contact_forward")
def forward_form(
    request: Request, contact_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    service.editable_contact(session, user, contact_id)  # only its agent, during the shift
    contact = service.get_contact(session, user, contact_id)  # reads the details: audited
    values = {
        "citizen_name": contact.citizen_name or "",
        "citizen_phone": contact.citizen_phone or "",
        "citizen_email": contact.citizen_email or "",
    }
    return _forward_page(request, contact, values=values, errors={})


@router.post("/henvendelser/{contact_id}/videresend", name="contact_forward_send")
def forward_send(
    request: Request,
    contact_id: RowId,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """ "Send til kommunen"."""
    names = ("question", "action_taken", "citizen_name", "citizen_phone", "citizen_email")
    values = {name: str(form.get(name, "")).strip() for name in names}
    values["promise"] = str(form.get("promise", Promise.NEXT_WORKING_DAY.value))
    try:
        forwarding.forward_contact(
            session,
            settings,
            user,
            contact_id,
            _version_read(form),
            ForwardRequest.model_validate({k: v or None for k, v in values.items()}),
        )
    except (Problem, ValidationError) as exc:
        session.rollback()
        errors = (
            danish_errors(exc)
            if isinstance(exc, ValidationError)
            else {"form": danish_message(exc.status, exc.slug)}
        )
        contact = service.get_contact(session, user, contact_id)
        return _forward_page(request, contact, values=values, errors=errors, status_code=422)
    return RedirectResponse(
        with_query(console_path(request, "contacts_today"), sendt="1"), status_code=303
    )


@router.get("/vagt", name="contacts_shift")
def shift(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    """The supervisor's live view of the shift (refreshes itself every 15 seconds)."""
    view = service.shift_view(session, user)
    overdue = forwarding.list_forwards(session, user, "overdue")
    context = {"nav": "shift", "view": view, "overdue": overdue, **_labels()}
    return render(request, "contacts_shift.html", context)


def _chart(report: reports.Report) -> str | None:
    """A bar chart of the contacts (hotline/console/charts.py); the page's table is its twin."""
    return bar_chart(
        f"Henvendelser pr. {GROUP_NAMES[report.query.group_by].lower()}",
        [reports.key_label(report, row.key) for row in report.rows],
        [(reports.REPORT_COLUMNS["contacts"], [row.contacts for row in report.rows])],
    )


REPORTS = ReportPage(
    template="contacts_reports.html",
    nav="reports",
    route="contacts_reports",
    csv_route="contacts_reports_csv",
    csv_prefix="henvendelser",
    groups=GROUP_NAMES,
    default_group=reports.GroupBy.DAY,
)


def _statement_link(request: Request, user: ConsoleUser, query: reports.ReportQuery) -> str | None:
    """The link to the monthly statement for those who may read one (of the municipality the
    report is filtered on, if any); None for the rest, such as an agent (their own numbers)."""
    if not shows(user, Action.READ_CONTACT_REPORTS, user.municipality_code):
        return None
    return with_query(console_path(request, "contacts_statement"), kommune=query.municipality)


@router.get("/tal", name="contacts_reports")
def report_page(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    sent: Filter,
) -> Response:
    """Contacts per day, the hour x weekday heatmap, topics... each chart with its table; the
    topics report shows the searches that found nothing beside them (the knowledge gaps)."""
    query = REPORTS.query(sent)

    def figures() -> dict[str, Any]:
        report = reports.contact_report(session, user, query)
        shown = [*report.rows, report.total]
        shown_figures: dict[str, Any] = {
            "report": report,
            "chart": _chart(report),
            "values": [reports.report_values(report, row, personal=True) for row in shown],
            "columns": reports.REPORT_COLUMNS.values(),
            "statement_link": _statement_link(request, user, query),
        }
        if query.group_by is reports.GroupBy.TOPIC and shows(user, Action.READ_SEARCH_GAPS):
            since = local_day_start(query.date_from)
            gaps = gaps_for(session, user, since=since, municipality_code=query.municipality)
            shown_figures["gaps"] = list(gaps)[:20]
        return shown_figures

    return REPORTS.render(request, query, figures)


@router.get("/tal.csv", name="contacts_reports_csv")
def report_csv(
    user: ConsoleUser,
    session: DbSession,
    sent: Filter,
) -> Response:
    query = REPORTS.query(sent)
    return REPORTS.download(query, reports.report_csv(reports.contact_report(session, user, query)))


# ---------------------------------------------------------------------------- the desk's link


def _desk_error(request: Request, exc: Problem) -> Response:
    """The link's own problems say in Danish what to do; anything else gets the usual text."""
    own = exc.slug.startswith("link-") or exc.slug == "already-handled"
    message = exc.detail if own else danish_message(exc.status, exc.slug)
    return render(request, "contacts_desk.html", {"error": message}, status_code=exc.status)


@router.get("/afdeling/{token}", name="desk_forward")
def desk_page(request: Request, token: str, session: DbSession, settings: AppSettings) -> Response:
    """What the desk sees behind its link: a button, never a change on GET (mail scanners
    follow links)."""
    try:
        forward = forwarding.forward_for_link(session, settings, token)
    except Problem as exc:
        return _desk_error(request, exc)
    return render(request, "contacts_desk.html", {"forward": forward, "token": token})


@router.post("/afdeling/{token}", name="desk_forward_handled")
def desk_handled(
    request: Request, token: str, session: DbSession, settings: AppSettings
) -> Response:
    try:
        forward = forwarding.mark_handled(session, settings, token)
    except Problem as exc:
        session.rollback()
        return _desk_error(request, exc)
    return render(request, "contacts_desk.html", {"forward": forward, "done": True})


# ---------------------------------------------------------------------------- statement


def _last_month() -> date:
    """The statement opens on the last whole month: the one a municipality is billed for."""
    return (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)


def _statement_of(
    session: Session, user: User, kommune: str, maaned: date | None
) -> tuple[list[Municipality], reports.Statement | None]:
    """The municipalities the reader may choose from and the statement asked for (last month
    by default): of ``kommune``, else of the only municipality they may see, else None (the
    reader chooses first)."""
    choices = reports.statement_municipalities(session, user)
    code = kommune or (choices[0].code if len(choices) == 1 else "")
    if not code:
        return choices, None
    return choices, reports.monthly_statement(session, user, code, maaned or _last_month())


@router.get("/tal/opgoerelse", name="contacts_statement")
def statement_page(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    kommune: Annotated[str, Query(max_length=4)] = "",
    maaned: Day | None = None,
) -> Response:
    """The monthly statement (the cost-sharing basis) of one municipality; a reader who may
    see several chooses which first."""
    context: dict[str, Any] = {
        "nav": "reports",
        "kommune": kommune,
        "month": maaned or _last_month(),
        **_labels(),
    }
    try:
        context["choices"], statement = _statement_of(session, user, kommune, maaned)
    except Problem as exc:
        context["error"] = danish_message(exc.status, exc.slug)
        return render(request, "contacts_statement.html", context, status_code=exc.status)
    if statement is None:
        return render(request, "contacts_statement.html", context)
    context.update(
        statement=statement,
        columns=reports.STATEMENT_COLUMNS,
        amount=reports.money(statement.amount) if statement.amount is not None else None,
        price=reports.money(statement.price_per_contact)
        if statement.price_per_contact is not None
        else None,
        csv_link=with_query(
            console_path(request, "contacts_statement_csv"),
            kommune=statement.municipality_code,
            maaned=statement.month,
        ),
    )
    return render(request, "contacts_statement.html", context)


@router.get("/tal/opgoerelse.csv", name="contacts_statement_csv")
def statement_csv(
    user: ConsoleUser,
    session: DbSession,
    kommune: Annotated[str, Query(max_length=4)] = "",
    maaned: Day | None = None,
) -> Response:
    _, statement = _statement_of(session, user, kommune, maaned)
    if statement is None:
        raise InvalidInput("Name the municipality of the statement (kommune).")
    name = f"opgoerelse-{statement.municipality_code}-{statement.month:%Y-%m}.csv"
    return csv_download(reports.statement_csv(statement), name)


# ---------------------------------------------------------------------------- routing


def _routing_page(
    request: Request,
    session: Session,
    user: User,
    code: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "nav": "routing",
        "code": code,
        "routes": routing.routing_table(session, user, code),
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "contacts_routing.html", context, status_code=status_code)


@router.get("/kommune/{code}/videresendelse", name="contacts_routing")
def routing_page(request: Request, code: str, user: ConsoleUser, session: DbSession) -> Response:
    """Which desk receives forwarded contacts, per category: the municipality's own rows and
    the shared ones it inherits."""
    open_page(user, Action.EDIT_ROUTING, code)
    return _routing_page(request, session, user, code)


@router.post("/kommune/{code}/videresendelse", name="contacts_routing_save")
def routing_save(
    request: Request, code: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    """Set the desk of a category (``*``: the default desk), or with ``remove`` go back to
    the shared routing for it."""
    open_page(user, Action.EDIT_ROUTING, code)  # before using the form: no hints to others
    category = str(form.get("category", "")).strip()
    values = {name: str(form.get(name, "")) for name in ("category", "desk_name", "mailbox")}
    try:
        if form.get("remove"):
            routing.remove_local_route(session, user, code, category)
        else:
            routing.set_local_route(
                session, user, code, category, RouteWrite.model_validate(values)
            )
    except (Problem, ValidationError) as exc:
        session.rollback()
        errors = (
            danish_errors(exc)
            if isinstance(exc, ValidationError)
            else {"form": danish_message(exc.status, exc.slug)}
        )
        return _routing_page(
            request, session, user, code, errors=errors, values=values, status_code=422
        )
    return RedirectResponse(console_path(request, "contacts_routing", code=code), status_code=303)
