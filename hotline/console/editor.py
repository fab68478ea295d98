"""Editors' pages: shared articles with revisions, diffs and the impact of a change."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.auth.permissions import Action, require
from hotline.console.errors import danish_message
from hotline.console.forms import (
    ARTICLE_TEXT_FIELDS,
    article_fields,
    article_problem,
    article_values,
    validate_article,
)
from hotline.console.session import ConsoleUser
from hotline.console.templating import console_path, render
from hotline.db import DbSession
from hotline.errors import Problem
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import Article
from hotline.knowledge.schemas import ArticleCreate

router = APIRouter(prefix="/redaktion")


def _editor(user: User) -> None:
    require(user, Action.EDIT_SHARED_KNOWLEDGE)


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
) -> Response:
    context: dict[str, Any] = {
        "nav": "editor",
        "article": article,
        "values": values,
        "errors": errors or {},
        "saved": saved,
        "diff": diff,
    }
    if article is not None:
        context["impact"] = knowledge.change_impact(session, article)
        context["revisions"] = knowledge.list_revisions(session, article)
    return render(request, "editor_article.html", context, status_code=422 if errors else 200)


@router.get("/artikler/ny", name="editor_article_new")
def article_new(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    _editor(user)
    return _article_page(request, session, None, {})


@router.post("/artikler/ny")
async def article_create(request: Request, user: ConsoleUser, session: DbSession) -> Response:
    _editor(user)
    values = article_fields(await request.form())
    data, errors = validate_article(values, ArticleCreate)
    if data is not None:
        try:
            knowledge.create_article(session, data, user.email)
        except Problem as exc:
            errors = {"slug" if exc.status == 409 else "body": article_problem(exc)}
    if errors:
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
async def article_save(
    request: Request, slug: str, user: ConsoleUser, session: DbSession
) -> Response:
    _editor(user)
    article = knowledge.get_article(session, slug)
    form = await request.form()
    values = article_fields(form) | {"slug": slug}
    if str(article.revision) != form.get("revision"):
        errors = {"form": danish_message(412)}
        return _article_page(request, session, article, values, errors=errors)
    data, errors = validate_article(values, ArticleCreate)
    if data is not None:
        try:
            changes = data.model_dump(include=set(ARTICLE_TEXT_FIELDS))
            knowledge.update_article(session, article, changes, user.email)
        except Problem as exc:
            errors = {"body": article_problem(exc)}
    if errors:
        return _article_page(request, session, article, values, errors=errors)
    return _article_page(request, session, article, article_values(article), saved=True)
