"""The agent's one screen: citizen's municipality, search, article, reply, delivery status."""

import base64
import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.auth.service import SignedIn
from hotline.composer.rendering import TemplateProblem
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import (
    ComposedReply,
    UnfilledPlaceholder,
    find_template,
    list_templates,
    preview_of,
    refuse_unfilled_placeholders,
)
from hotline.config import Settings
from hotline.console.access import Action, open_page, shows
from hotline.console.articles import show_article
from hotline.console.contacts import agent_page_contact, fragment_contact
from hotline.console.errors import danish_message
from hotline.console.forms import ConsoleForm, cpr_field, danish_errors, template_problem
from hotline.console.session import ConsoleUser, signed_in_from_loop, signed_in_transaction
from hotline.console.templating import (
    console_path,
    drawn_block,
    is_htmx,
    render,
    with_query,
)
from hotline.contacts.service import has_open_contact_from_loop
from hotline.db import LoopReads, NeedsDatabase, session_without_database
from hotline.deps import AppSettings, DbSession, RowId
from hotline.errors import NotFound, Problem
from hotline.kit.cpr import CprNumberInReply
from hotline.knowledge.resolve import Source
from hotline.knowledge.service import local_contradictions, resolved_article_for
from hotline.knowledge.service.night import municipality_now
from hotline.letterheads.render import logo_data_uri
from hotline.letterheads.service import letterhead_for
from hotline.municipalities.models import Municipality
from hotline.municipalities.schemas import MunicipalityRead, PostalDistrict
from hotline.municipalities.service import (
    get_municipality,
    list_municipalities,
    lookup_postcode,
    municipality_read,
)
from hotline.replies import service as replies
from hotline.replies.models import SETTLED, Reply, ReplyStatus
from hotline.satisfaction import service as satisfaction_service
from hotline.search.schemas import MAX_QUERY
from hotline.search.service import CprNumberInSearch, search_for

router = APIRouter()
AGENT_PAGE = "agent.html"
RESULTS_TEMPLATE = "_results.html"  # what the page's ``results`` block includes
MAX_CANDIDATES = 12
NEUTRAL_COLOUR = "#3d4650"
COMPOSE_FIELDS = ("to", "citizen_name", "subject", "body_markdown", "template")
STATUS_NAMES = {
    ReplyStatus.QUEUED: "I kø",
    ReplyStatus.SENDING: "Sendes",
    ReplyStatus.SENT: "Sendt",
    ReplyStatus.RETRYING: "Prøver igen",
    ReplyStatus.FAILED: "Kunne ikke sendes",
}


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    member: bool
    why: str  # how the typed text matched, e.g. "Postnummer 8000 Aarhus C"
    # Its postal districts when the typed postcode is shared, so the agent can ask the area.
    districts: list[PostalDistrict] = field(default_factory=list)


@dataclass(frozen=True)
class ChosenMunicipality:
    """What keeps the agent from answering for the wrong municipality: name, colour, logo."""

    municipality: Municipality
    colour: str
    logo_src: str | None
    logo_alt: str


@dataclass
class Draft:
    """The reply being written, as the form holds it between requests."""

    municipality: str
    to: str = ""
    citizen_name: str = ""
    subject: str = ""
    body_markdown: str = ""
    template: str = ""
    article_slugs: list[str] = field(default_factory=list)
    idempotency_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @classmethod
    def from_form(cls, form: FormData) -> "Draft":
        values = {name: str(form.get(name, "")) for name in COMPOSE_FIELDS}
        slugs = [str(slug) for slug in form.getlist("article_slugs") if slug]
        key = str(form.get("idempotency_key") or "") or secrets.token_urlsafe(16)
        municipality = str(form.get("municipality", ""))
        return cls(municipality, **values, article_slugs=slugs, idempotency_key=key)

    def request_data(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "to": self.to.strip(),
            "citizen_name": self.citizen_name.strip() or None,
            "subject": self.subject,
            "body_markdown": self.body_markdown,
            "article_slugs": list(dict.fromkeys(self.article_slugs)),
            "template": self.template or None,
        }


def find_municipalities(session: Session, text: str) -> list[Candidate]:
    """Candidates for a typed name, kommunekode or postcode (one postcode may span several)."""
    text = text.strip()
    if not text:
        return []
    found: dict[str, Candidate] = {}
    if text.isdigit() and len(text) == 4:
        try:
            for place in lookup_postcode(session, text).municipalities:
                found[place.code] = Candidate(
                    place.code,
                    place.name,
                    place.member,
                    f"Postnummer {text} {place.city}",
                    place.districts,
                )
        except NotFound:
            pass
    for municipality in list_municipalities(session, query=text):
        found.setdefault(
            municipality.code,
            Candidate(
                municipality.code,
                municipality.name,
                municipality.member,
                f"Kommunekode {municipality.code}" if text.isdigit() else municipality.region,
            ),
        )
    return list(found.values())[:MAX_CANDIDATES]


_Chosen = TypeVar("_Chosen", Municipality, MunicipalityRead)


def find_chosen(
    session: Session,
    code: str | None,
    read: Callable[[Session, str], _Chosen] = get_municipality,  # type: ignore[assignment]
) -> _Chosen | None:
    """The municipality the agent chose, as ``read`` reads it; None for no or an unknown code."""
    if not code:
        return None
    try:
        return read(session, code)
    except (NotFound, ValueError):
        return None


def branding(
    session: Session, settings: Settings, municipality: Municipality
) -> ChosenMunicipality:
    letterhead = letterhead_for(session, settings, municipality)
    return ChosenMunicipality(
        municipality=municipality,
        colour=NEUTRAL_COLOUR if letterhead.on_behalf else letterhead.theme.colors.primary,
        logo_src=None if letterhead.on_behalf else logo_data_uri(letterhead),
        logo_alt=letterhead.theme.logo_alt or f"Logo for {municipality.name}",
    )


def _article_view(session: Session, user: User, slug: str | None, code: str) -> dict[str, Any]:
    if not slug:
        return {}
    try:
        article = resolved_article_for(session, user, code, slug)
    except Problem as exc:
        return {"article_error": danish_message(exc.status, exc.slug)}
    flags = [] if article.source is Source.SHARED else local_contradictions(session, code, slug)
    return {"shown": show_article(session, article), "contradictions": flags}


def _compose_context(
    session: Session, user: User, municipality: Municipality, draft: Draft | None
) -> dict[str, Any]:
    code = municipality.code
    if not shows(user, Action.SEND_REPLY, code):
        return {"may_send": False}
    draft = draft or Draft(municipality=code)
    titles = {}
    for slug in draft.article_slugs:
        try:
            titles[slug] = resolved_article_for(session, user, code, slug).title
        except Problem:
            titles[slug] = slug
    return {
        "may_send": True,
        "draft": draft,
        "attached": titles,
        "templates": list_templates(session, code),
    }


# The search form's fields and their longest accepted values (as the query parameters had).
SEARCH_FIELDS = {"kommune": 4, "q": MAX_QUERY, "kategori": 80, "artikel": 120}


def search_as_you_type(request: Request) -> bool:
    """Search-as-you-type: htmx fired by the search box itself, not by submitting its form
    (Enter, the button, or the plain form without JavaScript): partial words are no gaps."""
    return is_htmx(request) and request.headers.get("HX-Trigger-Name") == "q"


def _page_context(
    kommune: str | None,
    municipality: Municipality | MunicipalityRead | None,
    *,
    find: str | None = None,
    candidates: list[Candidate] | None = None,
    q: str | None = None,
    kategori: str | None = None,
    artikel: str | None = None,
    errors: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "nav": "agent",
        "find": find or "",
        "candidates": candidates or [],
        "unknown_code": bool(kommune) and municipality is None,
        "errors": errors or {},
        "artikel": artikel or "",
        "q": q or "",
        "kategori": kategori or "",
        **extra,
    }
    if municipality is not None:
        context["m"] = municipality
    return context


def _search_context(
    request: Request,
    session: Session,
    user: User | SignedIn,
    code: str,
    q: str | None,
    kategori: str | None,
) -> dict[str, Any]:
    """The results block's search: a knowledge gap only for a submitted search (not for the
    words typed so far); a CPR number refused in Danish and not written back into the page."""
    if not (q and q.strip()):
        return {}
    try:
        found = search_for(
            session,
            user,
            q,
            code,
            category=kategori or None,
            limit=10,
            log_gap=not search_as_you_type(request),
        )
    except CprNumberInSearch as exc:
        return {"q": "", "search_error": exc.detail.split(" / ")[0]}
    # Each result with its link, made here: called from the template, ``with_query`` went
    # through Jinja's call machinery per result, 2 % of a search box answer's instructions.
    home = console_path(request, "home")
    results = [(r, with_query(home, kommune=code, artikel=r.slug)) for r in found.results]
    return {"found": found, "results": results}


def _agent_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    kommune: str | None,
    q: str | None = None,
    kategori: str | None = None,
    artikel: str | None = None,
    draft: Draft | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    municipality = find_chosen(session, kommune)
    # An htmx request draws one block: compute only what that block shows.
    target = drawn_block(request, AGENT_PAGE)
    context = _page_context(kommune, municipality, q=q, kategori=kategori, artikel=artikel, **extra)
    if municipality is not None:
        code = municipality.code
        if target in (None, "main"):
            context["chosen"] = branding(session, settings, municipality)
            context["night"] = municipality_now(session, user, code)
        if target in (None, "main", "results"):
            context.update(_search_context(request, session, user, code, q, kategori))
        if target in (None, "main", "article"):
            context.update(_article_view(session, user, artikel, code))
        if target in (None, "main", "article", "compose", "preview"):
            context.update(_compose_context(session, user, municipality, draft))
    return render(request, AGENT_PAGE, context, status_code=status_code)


def _results_fragment(
    request: Request,
    session: Session,
    agent: SignedIn,
    kommune: str | None,
    q: str,
    kategori: str | None,
    *,
    open_contact: bool | None = None,
) -> Response:
    """The search box's htmx answer: the results block alone, with only what it draws (and the
    contact that choosing the municipality opens, as the whole page does). ``open_contact`` as
    ``fragment_contact`` takes it."""
    fragment_contact(session, agent, kommune, open_contact=open_contact)
    municipality = find_chosen(session, kommune, municipality_read)  # the register row alone
    context = _page_context(kommune, municipality, q=q, kategori=kategori)
    if municipality is not None:
        context.update(_search_context(request, session, agent, municipality.code, q, kategori))
    return render(request, RESULTS_TEMPLATE, context, partial=True)


def _draws_panel(request: Request) -> bool:
    """Whether the answer draws the open contact's panel (the whole page or its main block)."""
    return drawn_block(request, AGENT_PAGE) in (None, "main")


@router.get("/", name="home")
def home(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    kommune: Annotated[str | None, Query(max_length=4)] = None,
    find: Annotated[str | None, Query(max_length=80)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kategori: Annotated[str | None, Query(max_length=80)] = None,
    artikel: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    open_page(user, Action.READ_KNOWLEDGE)
    candidates = find_municipalities(session, find) if find else []
    if len(candidates) == 1 and not is_htmx(request):
        # Enter on an unambiguous name, code or postcode selects it at once.
        target = with_query(console_path(request, "home"), kommune=candidates[0].code)
        return RedirectResponse(target, status_code=303)
    return _agent_page(
        request,
        session,
        settings,
        user,
        kommune=kommune,
        find=find,
        candidates=candidates,
        q=q,
        kategori=kategori,
        artikel=artikel,
        # contacts: open + record, and the panel when the page draws it
        **agent_page_contact(session, user, kommune, artikel, panel=_draws_panel(request)),
    )


@router.post("/soeg", name="search")
async def search_submit(request: Request) -> Response:
    """The search box posts its words: they never stand in a URL, so neither the browser's
    history nor any log of requested addresses (proxies, servers) holds what was searched.

    Typing asks for this many times a minute: the account is one plain row and the results
    block is drawn from what it shows (``_results_fragment``); only a form posted without
    JavaScript draws (and computes) the whole page. The results block is drawn on the event
    loop where what the process keeps answers it, as the API's hot reads are
    (``hotline.deps.SignedInCall``); anything else runs in one worker thread: on PostgreSQL its
    round trips would otherwise hold up every other request of this process."""
    form = await request.form()
    words = {key: str(form.get(key, ""))[:limit] for key, limit in SEARCH_FIELDS.items()}
    reads: LoopReads | None = request.app.state.loop_reads
    if reads is not None and drawn_block(request, AGENT_PAGE) == "results":
        with contextlib.suppress(NeedsDatabase):
            return await _results_on_loop(request, reads, words)
    return await run_in_threadpool(_searched_page, request, words)


async def _results_on_loop(request: Request, reads: LoopReads, words: dict[str, str]) -> Response:
    """The results block without a thread: ``NeedsDatabase`` where it must ask the database
    (a contact to open, a search gap to log, what the index is due to look up)."""
    agent = await signed_in_from_loop(request, reads)
    open_page(agent, Action.READ_KNOWLEDGE)
    open_contact = await has_open_contact_from_loop(reads, agent.id)
    with session_without_database(request.app.state.sessionmaker) as session:
        return _results_fragment(
            request,
            session,
            agent,
            words["kommune"] or None,
            words["q"],
            words["kategori"] or None,
            open_contact=open_contact,
        )


def _searched_page(request: Request, words: dict[str, str]) -> Response:
    kommune, kategori = words["kommune"] or None, words["kategori"] or None
    with signed_in_transaction(request) as (session, agent):
        open_page(agent, Action.READ_KNOWLEDGE)
        if drawn_block(request, AGENT_PAGE) == "results":
            return _results_fragment(request, session, agent, kommune, words["q"], kategori)
        user = session.get_one(User, agent.id)
        return _agent_page(
            request,
            session,
            request.app.state.settings,
            user,
            kommune=kommune,
            q=words["q"],
            kategori=kategori,
            artikel=words["artikel"] or None,
            **agent_page_contact(session, user, kommune, None, panel=_draws_panel(request)),
        )


# ---------------------------------------------------------------------------- replies


def _draft_errors(draft: Draft, exc: Problem | ValidationError) -> dict[str, str]:
    """Danish messages next to the fields; the CPR guard's next to the field that has one."""
    if isinstance(exc, ValidationError):
        return danish_errors(exc)
    if isinstance(exc, UnfilledPlaceholder):
        return {"body_markdown": exc.detail}  # the service names the placeholder and its line
    if isinstance(exc, CprNumberInReply):
        held = cpr_field({name: getattr(draft, name) for name in COMPOSE_FIELDS}, "body_markdown")
        return {held: danish_message(exc.status, exc.slug)}
    if isinstance(exc, TemplateProblem):
        unknown = exc.extra.get("placeholders") or []
        in_subject = any(name in draft.subject for name in unknown)
        return {"subject" if in_subject else "body_markdown": template_problem(exc)}
    return {"form": danish_message(exc.status, exc.slug)}


def _compose(
    session: Session, settings: Settings, user: User, draft: Draft
) -> tuple[ComposedReply | None, dict[str, str]]:
    try:
        request = ReplyRequest.model_validate(draft.request_data())
        composed = satisfaction_service.compose_preview(session, settings, request, user)
    except (Problem, ValidationError) as exc:
        return None, _draft_errors(draft, exc)
    try:  # the letter is shown, and beside the text what would stop it from being sent
        refuse_unfilled_placeholders(session, request)
    except UnfilledPlaceholder as exc:
        return composed, _draft_errors(draft, exc)
    return composed, {}


def browser_html(composed: ComposedReply) -> str:
    """The sent HTML with its ``cid:`` images inlined as data URIs, which browsers can show."""
    html = composed.html
    for image in composed.inline_images:
        data = base64.b64encode(image.data).decode("ascii")
        html = html.replace(f"cid:{image.cid}", f"data:{image.content_type};base64,{data}")
    return html


@router.post("/svar/udkast", name="reply_draft")
def reply_draft(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """Re-draw the reply form with a template applied or an article attached (unticking an
    attached article's box removes it)."""
    draft = Draft.from_form(form)
    attach = str(form.get("attach", ""))
    if attach and attach not in draft.article_slugs:
        draft.article_slugs.append(attach)
    if form.get("apply_template") and draft.template:
        template = find_template(session, draft.template, draft.municipality)
        draft.subject = template.subject or draft.subject
        draft.body_markdown = template.body_markdown
    return _agent_page(
        request,
        session,
        settings,
        user,
        kommune=draft.municipality,
        draft=draft,
        focus_body=bool(form.get("apply_template")),  # continue writing in the template's text
    )


@router.post("/svar/forhaandsvisning", name="reply_preview")
def reply_preview(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    """The letter exactly as it will be sent, on the municipality's letterhead."""
    draft = Draft.from_form(form)
    composed, errors = _compose(session, settings, user, draft)
    preview = preview_of(composed) if composed else None
    return _agent_page(
        request,
        session,
        settings,
        user,
        kommune=draft.municipality,
        draft=draft,
        errors=errors,
        preview=preview,
        preview_html=browser_html(composed) if composed else None,
    )


@router.post("/svar", name="reply_send")
def reply_send(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    settings: AppSettings,
    form: ConsoleForm,
) -> Response:
    draft = Draft.from_form(form)
    try:
        reply_request = ReplyRequest.model_validate(draft.request_data())
        reply, _replayed = satisfaction_service.send_reply(
            session, settings, reply_request, user, draft.idempotency_key
        )
    except (Problem, ValidationError) as exc:
        session.rollback()  # nothing of a refused reply may be stored
        return _agent_page(
            request,
            session,
            settings,
            user,
            kommune=draft.municipality,
            draft=draft,
            errors=_draft_errors(draft, exc),
            status_code=422,
        )
    if not is_htmx(request):
        return RedirectResponse(
            console_path(request, "reply_status", reply_id=reply.id), status_code=303
        )
    return _agent_page(
        request, session, settings, user, kommune=draft.municipality, sent=_reply_view(reply)
    )


@dataclass(frozen=True)
class ReplyView:
    reply: Reply
    status_name: str
    settled: bool
    failed: bool


def _reply_view(reply: Reply) -> ReplyView:
    status = ReplyStatus(reply.status)
    return ReplyView(
        reply=reply,
        status_name=STATUS_NAMES[status],
        settled=status in SETTLED,
        failed=status is ReplyStatus.FAILED,
    )


@router.get("/svar/{reply_id}", name="reply_status")
def reply_status(
    request: Request, reply_id: RowId, user: ConsoleUser, session: DbSession
) -> Response:
    """The reply's delivery state; htmx polls the status block until it settles."""
    reply = replies.get_reply(session, user, reply_id)
    return render(request, "reply.html", {"nav": "replies", "sent": _reply_view(reply)})


@router.get("/svar", name="my_replies")
def my_replies(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    views = [_reply_view(reply) for reply in replies.list_replies(session, user, limit=30)]
    names = {m.code: m.name for m in list_municipalities(session)}
    context = {"nav": "replies", "replies": views, "names": names}
    return render(request, "replies.html", context)
