"""Editors' pages: shared articles with revisions, diffs and the impact of a change; the fact
catalogue the shared articles draw on."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.console.access import Action, open_page
from hotline.console.errors import danish_message
from hotline.console.forms import (
    ARTICLE_TEXT_FIELDS,
    FACT_TYPES,
    ConsoleForm,
    article_fields,
    article_problem,
    article_values,
    form_version,
    validate_article,
    validate_form,
)
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render, with_query
from hotline.deps import DbSession
from hotline.errors import (
    Conflict,
    InvalidInput,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
)
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import Article, Fact, FactType
from hotline.knowledge.resolve import FACT_KEY
from hotline.knowledge.schemas import ArticleCreate, FactCreate, FactFields
from hotline.municipalities.service import list_municipalities
from hotline.search.service import gaps_for

router = APIRouter(prefix="/redaktion")
EFFECT_NAMES = {
    knowledge.Effect.OVERRIDE_STALE: "har en lokal tilpasning, som skal gennemses",
    knowledge.Effect.OVERRIDE_ALREADY_STALE: "har en lokal tilpasning, der allerede venter på "
    "gennemsyn",
    knowledge.Effect.HIDDEN: "viser ikke artiklen (gælder ikke i kommunen)",
    knowledge.Effect.MISSING_FACTS: "mangler fakta, som den nye tekst bruger",
}


def _editor(user: User) -> None:
    open_page(user, Action.EDIT_SHARED_KNOWLEDGE)


@router.get("/artikler", name="editor_articles")
def article_list(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    _editor(user)
    return render(
        request,
        "editor_articles.html",
        {"nav": "editor", "articles": knowledge.list_articles(session)},
    )


def _article_page(
    request: Request,
    session: Session,
    article: Article | None,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    diff: tuple[int, int, str] | None = None,
    confirm: knowledge.ChangeImpact | None = None,
) -> Response:
    """``confirm``: the change is held until the editor confirms the municipalities it reaches."""
    context: dict[str, Any] = {
        "nav": "editor",
        "article": article,
        "values": values,
        "errors": errors or {},
        "saved": saved,
        "diff": diff,
        "confirm": confirm,
        "effects": EFFECT_NAMES,
    }
    if article is not None:
        context["impact"] = confirm or knowledge.change_impact(session, article)
        context["revisions"] = knowledge.list_revisions(session, article)
    return render(request, "editor_article.html", context, status_code=422 if errors else 200)


@router.get("/artikler/ny", name="editor_article_new")
def article_new(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    _editor(user)
    return _article_page(request, session, None, {})


@router.post("/artikler/ny")
def article_create(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    _editor(user)
    values = article_fields(form)
    data, errors = validate_article(values, ArticleCreate)
    if data is not None:
        try:
            knowledge.add_article(session, user, data)
        except Problem as exc:
            errors = {"slug" if exc.status == 409 else "body": article_problem(exc)}
    if data is None or errors:
        return _article_page(request, session, None, values, errors=errors)
    target = console_path(request, "editor_article", slug=data.slug)
    return RedirectResponse(target, status_code=303)


@router.get("/artikler/{slug}", name="editor_article")
def article_form(
    request: Request,
    slug: str,
    user: ConsoleUser,
    session: DbSession,
    fra: Annotated[int | None, Query(ge=1)] = None,
    til: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The article, its revisions, and with ``fra``/``til`` the diff between two of them."""
    _editor(user)
    article = knowledge.get_article(session, slug)
    diff = None
    if fra is not None:
        to = til or article.revision
        diff = (fra, to, knowledge.revision_diff(session, article, fra, to))
    return _article_page(request, session, article, article_values(article), diff=diff)


@router.post("/artikler/{slug}")
def article_save(
    request: Request, slug: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    _editor(user)
    article = knowledge.get_article(session, slug)
    values = article_fields(form) | {"slug": slug}
    reason = str(form.get("reason", ""))
    confirmed = frozenset(str(form.get("confirmed", "")).split())
    data, errors = validate_article(values, ArticleCreate)
    # The page drawn again (to confirm, or with errors) keeps the revision the editor read.
    values |= {"reason": reason, "revision": str(form.get("revision", ""))}
    if data is not None:
        changes = data.model_dump(include=set(ARTICLE_TEXT_FIELDS))
        try:
            knowledge.edit_article(
                session,
                user,
                slug,
                changes,
                expected=form_version(form),
                reason=reason,
                confirmed=confirmed,
            )
        except knowledge.ChangeNotConfirmed:
            impact = knowledge.change_impact(session, article, changes)
            return _article_page(request, session, article, values, confirm=impact)
        except (PreconditionFailed, PreconditionRequired):
            errors = {"form": danish_message(412)}
        except knowledge.ReasonTooLong:
            errors = {"reason": "Begrundelsen må højst være på 500 tegn."}
        except Problem as exc:
            errors = {"body": article_problem(exc)}
    if errors:
        return _article_page(request, session, article, values, errors=errors)
    return _article_page(request, session, article, article_values(article), saved=True)


# ---------------------------------------------------------------------------- knowledge gaps


@router.get("/huller", name="editor_gaps")
def knowledge_gaps(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    kommune: Annotated[str | None, Query(max_length=4, pattern=r"^\d{4}$")] = None,
    dage: Annotated[int, Query(ge=1, le=3660)] = 30,
) -> Response:
    """What agents searched for in vain, most asked first: the articles that are missing."""
    since = datetime.now(UTC) - timedelta(days=dage)
    gaps = gaps_for(session, user, since=since, municipality_code=kommune)
    names = {m.code: m.name for m in list_municipalities(session)}
    context = {"nav": "editor", "gaps": gaps, "names": names, "kommune": kommune, "dage": dage}
    return render(request, "editor_gaps.html", context)


# ---------------------------------------------------------------------------- fact catalogue


@router.get("/fakta", name="editor_facts")
def fact_list(
    request: Request,
    user: ConsoleUser,
    session: DbSession,
    slettet: Annotated[str | None, Query(max_length=80, pattern=f"^{FACT_KEY}$")] = None,
) -> Response:
    _editor(user)
    context = {
        "nav": "editor",
        "facts": knowledge.list_facts(session),
        "counts": knowledge.value_counts(session),
        "fact_types": FACT_TYPES,
        "deleted": slettet,
    }
    return render(request, "editor_facts.html", context)


def _fact_page(
    request: Request,
    session: Session,
    fact: Fact | None,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    context: dict[str, Any] = {
        "nav": "editor",
        "fact": fact,
        "values": values,
        "errors": errors or {},
        "saved": saved,
        "fact_types": FACT_TYPES,
    }
    if fact is not None:
        context["used_by"] = knowledge.texts_using_fact(session, fact.key)
        context["values_given"] = knowledge.value_counts(session).get(fact.key, 0)
    return render(request, "editor_fact.html", context, status_code=422 if errors else 200)


FACT_FORM_FIELDS = ("description", "type", "label", "default_value")


def _fact_values(fact: Fact) -> dict[str, Any]:
    return {name: getattr(fact, name) or "" for name in (*FACT_FORM_FIELDS, "revision")}


def _fact_form(form: FormData, names: tuple[str, ...]) -> dict[str, str | None]:
    """The form's fields; an empty label or default is none (None), not an empty text."""
    values = {name: str(form.get(name, "")).strip() for name in names}
    return {
        name: value or None if name in ("label", "default_value") else value
        for name, value in values.items()
    }


@router.get("/fakta/ny", name="editor_fact_new")
def fact_new(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    _editor(user)
    return _fact_page(request, session, None, {"type": FactType.TEXT.value})


@router.post("/fakta/ny")
def fact_create(
    request: Request, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    _editor(user)
    values = _fact_form(form, ("key", *FACT_FORM_FIELDS))
    data, errors = validate_form(FactCreate, values)
    if data is not None:
        try:
            knowledge.add_fact(session, user, data)
        except Conflict:
            errors = {"key": "Der findes allerede en fakta med dette navn."}
    if data is None or errors:
        return _fact_page(request, session, None, values, errors=errors)
    return RedirectResponse(console_path(request, "editor_fact", key=data.key), status_code=303)


@router.get("/fakta/{key}", name="editor_fact")
def fact_form(request: Request, key: str, user: ConsoleUser, session: DbSession) -> Response:
    _editor(user)
    fact = knowledge.get_fact(session, key)
    return _fact_page(request, session, fact, _fact_values(fact))


@router.post("/fakta/{key}")
def fact_save(
    request: Request, key: str, user: ConsoleUser, session: DbSession, form: ConsoleForm
) -> Response:
    """A new type must fit every value already given; the refusal names the municipalities."""
    _editor(user)
    fact = knowledge.get_fact(session, key)
    values = _fact_form(form, FACT_FORM_FIELDS)
    data, errors = validate_form(FactFields, values)
    if data is not None:
        try:
            changes = data.model_dump(mode="json")
            knowledge.edit_fact(session, user, key, changes, expected=form_version(form))
        except (PreconditionFailed, PreconditionRequired):
            errors = {"form": danish_message(412)}
        except InvalidInput:
            if unfit := knowledge.values_not_fitting(session, fact.key, data.type.value):
                errors = {"type": f"Værdierne fra {', '.join(unfit)} passer ikke til den nye type."}
            else:
                errors = {"default_value": "Standardværdien passer ikke til typen."}
    if errors:
        return _fact_page(request, session, fact, values, errors=errors)
    return _fact_page(request, session, fact, _fact_values(fact), saved=True)


@router.post("/fakta/{key}/slet", name="editor_fact_delete")
def fact_delete(request: Request, key: str, user: ConsoleUser, session: DbSession) -> Response:
    """Refused while any text uses the fact; the values municipalities gave go with it."""
    _editor(user)
    fact = knowledge.get_fact(session, key)
    try:
        knowledge.remove_fact(session, user, key, expected=None)
    except Conflict:
        errors = {"form": "Faktaen bruges stadig i teksterne herunder og kan ikke slettes."}
        return _fact_page(request, session, fact, _fact_values(fact), errors=errors)
    target = with_query(console_path(request, "editor_facts"), slettet=key)
    return RedirectResponse(target, status_code=303)
