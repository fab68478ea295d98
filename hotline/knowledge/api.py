"""Knowledge base endpoints: shared articles, facts, and each municipality's view and changes.

Reads answer an ``ETag``; every update needs ``If-Match`` with it (428 without, 412 when
someone else changed the resource meanwhile), so two admins editing at once lose nothing.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from hotline.auth.service import SignedIn
from hotline.deps import CurrentUser, DbSession, SignedInApi
from hotline.etags import IfMatch, IfNoneMatch, not_modified
from hotline.kit.time import Day
from hotline.kit.versions import revision_version
from hotline.knowledge import service
from hotline.knowledge.models import Article, ArticleStatus, Fact, FactValue, LocalArticle, Override
from hotline.knowledge.schemas import (
    ArticleCreate,
    ArticleRead,
    ArticleUpdate,
    CoverageReport,
    FactCreate,
    FactRead,
    FactUpdate,
    FactValueRead,
    FactValueWrite,
    LocalArticleRead,
    OverrideRead,
    OverrideWrite,
    ResolvedArticleRead,
    RevisionDiff,
    RevisionRead,
    SharedArticleUpdate,
)
from hotline.municipalities.service import get_municipality

router = APIRouter(tags=["knowledge"])
# The articles as a municipality reads them: what every agent's screen asks for, many times a
# minute. A router of their own, so the app can match them before the editors' routes
# (``hotline.app.API_ROUTERS``).
resolved_router = APIRouter(tags=["knowledge"])

At = Annotated[Day | None, Query(description="Resolve as of this day (YYYY-MM-DD); default today")]


# --- ETags -----------------------------------------------------------------------------------


def etag_of(item: Article | LocalArticle | Fact | FactValue | Override) -> str:
    """Revision-based; an override's tag also moves when the shared article it overrides does."""
    if isinstance(item, Override):
        return service.override_version(item)
    return revision_version(item.revision)


# --- shared articles -------------------------------------------------------------------------


@router.get("/articles", response_model=list[ArticleRead])
def list_articles(
    session: DbSession,
    user: CurrentUser,
    category: str | None = None,
    tag: str | None = None,
    status_: Annotated[ArticleStatus | None, Query(alias="status")] = None,
) -> object:
    """Shared articles; only editors and operators see drafts."""
    return service.articles_for(session, user, category=category, tag=tag, status=status_)


@router.post("/articles", response_model=ArticleRead, status_code=201)
def create_article(
    data: ArticleCreate, session: DbSession, user: CurrentUser, response: Response
) -> object:
    article = service.add_article(session, user, data)
    response.headers["ETag"] = etag_of(article)
    response.headers["Location"] = f"/api/v1/articles/{article.slug}"
    return article


@router.get("/articles/{slug}", response_model=ArticleRead)
def get_article(slug: str, session: DbSession, user: CurrentUser, response: Response) -> object:
    article = service.readable_article(session, user, slug)
    response.headers["ETag"] = etag_of(article)
    return article


@router.patch("/articles/{slug}", response_model=ArticleRead)
def update_article(
    slug: str,
    data: SharedArticleUpdate,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """A new revision when something changed; overrides of it become stale if the text did."""
    changes = data.model_dump(exclude_unset=True)
    reason = changes.pop("reason", None)
    article = service.edit_article(session, user, slug, changes, expected=if_match, reason=reason)
    response.headers["ETag"] = etag_of(article)
    return article


@router.delete("/articles/{slug}", status_code=204)
def delete_article(
    slug: str, session: DbSession, user: CurrentUser, if_match: IfMatch = None
) -> None:
    """Refused (409) while municipalities override it. If-Match is checked when sent."""
    service.remove_article(session, user, slug, expected=if_match)


@router.get("/articles/{slug}/revisions", response_model=list[RevisionRead])
def list_revisions(slug: str, session: DbSession, user: CurrentUser) -> object:
    """Who changed what and when, oldest first."""
    article = service.readable_article(session, user, slug)
    return service.list_revisions(session, article)


@router.get("/articles/{slug}/diff", response_model=RevisionDiff)
def diff_revisions(
    slug: str,
    session: DbSession,
    user: CurrentUser,
    from_revision: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1)],
    to_revision: Annotated[int | None, Query(alias="to", ge=1, le=2**31 - 1)] = None,
) -> RevisionDiff:
    """Unified diff of title and body between two revisions (``to`` defaults to the newest)."""
    article = service.readable_article(session, user, slug)
    to = to_revision or article.revision
    return RevisionDiff(
        slug=slug,
        from_revision=from_revision,
        to_revision=to,
        diff=service.revision_diff(session, article, from_revision, to),
    )


# --- fact catalogue --------------------------------------------------------------------------


@router.get("/facts", response_model=list[FactRead])
def list_facts(session: DbSession, user: CurrentUser) -> object:
    return service.facts_for(session, user)


@router.post("/facts", response_model=FactRead, status_code=201)
def create_fact(
    data: FactCreate, session: DbSession, user: CurrentUser, response: Response
) -> object:
    fact = service.add_fact(session, user, data)
    response.headers["ETag"] = etag_of(fact)
    response.headers["Location"] = f"/api/v1/facts/{fact.key}"
    return fact


@router.get("/facts/{key}", response_model=FactRead)
def get_fact(key: str, session: DbSession, user: CurrentUser, response: Response) -> object:
    fact = service.readable_fact(session, user, key)
    response.headers["ETag"] = etag_of(fact)
    return fact


@router.patch("/facts/{key}", response_model=FactRead)
def update_fact(
    key: str,
    data: FactUpdate,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    changes = data.model_dump(exclude_unset=True)
    fact = service.edit_fact(session, user, key, changes, expected=if_match)
    response.headers["ETag"] = etag_of(fact)
    return fact


@router.delete("/facts/{key}", status_code=204)
def delete_fact(key: str, session: DbSession, user: CurrentUser, if_match: IfMatch = None) -> None:
    """Refused (409) while any text still uses the fact."""
    service.remove_fact(session, user, key, expected=if_match)


# --- a municipality's view -------------------------------------------------------------------


def _code(session: Session, code: str) -> str:
    return get_municipality(session, code).code


@resolved_router.get("/municipalities/{code}/articles", response_model=list[ResolvedArticleRead])
def list_resolved(
    code: str,
    session: DbSession,
    user: CurrentUser,
    at: At = None,
    category: str | None = None,
    drafts: Annotated[bool, Query(description="Include drafts (editors, own admins)")] = False,
) -> object:
    """Every article as it reads in this municipality: hidden ones left out, overrides applied."""
    return service.resolved_articles_for(
        session, user, code, at=at, category=category, drafts=drafts
    )


@resolved_router.get(
    "/municipalities/{code}/articles/{slug}",
    response_model=ResolvedArticleRead,
    responses={304: {"description": "Not modified: the ETag in If-None-Match is current"}},
)
async def get_resolved(
    code: str,
    slug: str,
    api: SignedInApi,
    response: Response,
    if_none_match: IfNoneMatch = None,
    at: At = None,
    drafts: bool = False,
) -> object:
    """One article as it reads here; 404 ``not-applicable-in-municipality`` when hidden.

    The ETag comes from the revisions and fact values read first, so a current
    ``If-None-Match`` is answered 304 before anything is combined or rendered."""

    def read(session: Session, caller: SignedIn) -> tuple[str, ResolvedArticleRead | None]:
        sources = service.resolved_article_sources_for(
            session, caller, code, slug, at=at, drafts=drafts
        )
        if not_modified(if_none_match, sources.version):
            return sources.version, None
        return sources.version, ResolvedArticleRead.model_validate(sources.resolved())

    etag, body = await api.run(read)
    if body is None:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return body


@router.get("/coverage", response_model=list[CoverageReport])
def list_coverage(session: DbSession, user: CurrentUser) -> object:
    """The coverage of every member municipality you administer (all of them for operators)."""
    return [service.coverage(session, code) for code in service.administered_codes(session, user)]


@router.get("/municipalities/{code}/coverage", response_model=CoverageReport)
def get_coverage(code: str, session: DbSession, user: CurrentUser) -> object:
    """Missing facts, stale overrides, overdue reviews, overrides of unpublished articles."""
    return service.coverage_for(session, user, code)


# --- a municipality's fact values ------------------------------------------------------------


@router.get("/municipalities/{code}/facts", response_model=list[FactValueRead])
def list_fact_values(code: str, session: DbSession, user: CurrentUser) -> object:
    """The whole catalogue with this municipality's values (None where missing)."""
    return service.fact_values_for(session, user, code)


def _fact_value_read(session: Session, code: str, key: str) -> FactValueRead:
    return next(v for v in service.municipality_facts(session, code) if v.key == key)


@router.get("/municipalities/{code}/facts/{key}", response_model=FactValueRead)
def get_fact_value(
    code: str, key: str, session: DbSession, user: CurrentUser, response: Response
) -> object:
    read, value = service.fact_value_for(session, user, code, key)
    if value is not None:
        response.headers["ETag"] = etag_of(value)
    return read


@router.put("/municipalities/{code}/facts/{key}", response_model=FactValueRead)
def put_fact_value(
    code: str,
    key: str,
    data: FactValueWrite,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Create (201, no If-Match needed) or change (If-Match required) the value."""
    code = _code(session, code)
    value, created = service.write_fact_value(
        session, user, code, key, data.value, expected=if_match
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    response.headers["ETag"] = etag_of(value)
    return _fact_value_read(session, code, key)


@router.delete("/municipalities/{code}/facts/{key}", status_code=204)
def delete_fact_value(
    code: str, key: str, session: DbSession, user: CurrentUser, if_match: IfMatch = None
) -> None:
    service.remove_fact_value(session, user, _code(session, code), key, expected=if_match)


# --- a municipality's overrides --------------------------------------------------------------


@router.get("/municipalities/{code}/overrides", response_model=list[OverrideRead])
def list_overrides(
    code: str, session: DbSession, user: CurrentUser, stale: bool | None = None
) -> object:
    return service.overrides_for(session, user, code, stale=stale)


@router.get("/municipalities/{code}/overrides/{slug}", response_model=OverrideRead)
def get_override(
    code: str, slug: str, session: DbSession, user: CurrentUser, response: Response
) -> object:
    """When stale, ``shared_diff`` shows what changed in the shared text since it was written."""
    override = service.readable_override(session, user, code, slug)
    response.headers["ETag"] = etag_of(override)
    return service.override_read(session, override)


@router.put("/municipalities/{code}/overrides/{slug}", response_model=OverrideRead)
def put_override(
    code: str,
    slug: str,
    data: OverrideWrite,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Create (201) or replace (If-Match required); either way it confirms the shared text."""
    code = _code(session, code)
    override, created = service.save_override(session, user, code, slug, data, expected=if_match)
    if created:
        response.status_code = status.HTTP_201_CREATED
    response.headers["ETag"] = etag_of(override)
    return service.override_read(session, override)


@router.post("/municipalities/{code}/overrides/{slug}/confirm", response_model=OverrideRead)
def confirm_override(
    code: str,
    slug: str,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Our override still holds for the new shared text; If-Match proves which text was read."""
    code = _code(session, code)
    override = service.reconfirm_override(session, user, code, slug, expected=if_match)
    response.headers["ETag"] = etag_of(override)
    return service.override_read(session, override)


@router.delete("/municipalities/{code}/overrides/{slug}", status_code=204)
def delete_override(
    code: str, slug: str, session: DbSession, user: CurrentUser, if_match: IfMatch = None
) -> None:
    service.remove_override(session, user, _code(session, code), slug, expected=if_match)


# --- a municipality's local articles ---------------------------------------------------------


@router.get("/municipalities/{code}/local-articles", response_model=list[LocalArticleRead])
def list_local_articles(code: str, session: DbSession, user: CurrentUser) -> object:
    return service.local_articles_for(session, user, _code(session, code))


@router.post(
    "/municipalities/{code}/local-articles", response_model=LocalArticleRead, status_code=201
)
def create_local_article(
    code: str,
    data: ArticleCreate,
    session: DbSession,
    user: CurrentUser,
    response: Response,
) -> object:
    code = _code(session, code)
    local = service.add_local_article(session, user, code, data)
    response.headers["ETag"] = etag_of(local)
    response.headers["Location"] = f"/api/v1/municipalities/{code}/local-articles/{local.slug}"
    return local


@router.get("/municipalities/{code}/local-articles/{slug}", response_model=LocalArticleRead)
def get_local_article(
    code: str, slug: str, session: DbSession, user: CurrentUser, response: Response
) -> object:
    local = service.readable_local_article(session, user, _code(session, code), slug)
    response.headers["ETag"] = etag_of(local)
    return local


@router.patch("/municipalities/{code}/local-articles/{slug}", response_model=LocalArticleRead)
def update_local_article(
    code: str,
    slug: str,
    data: ArticleUpdate,
    session: DbSession,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    changes = data.model_dump(exclude_unset=True)
    local = service.edit_local_article(
        session, user, _code(session, code), slug, changes, expected=if_match
    )
    response.headers["ETag"] = etag_of(local)
    return local


@router.delete("/municipalities/{code}/local-articles/{slug}", status_code=204)
def delete_local_article(
    code: str, slug: str, session: DbSession, user: CurrentUser, if_match: IfMatch = None
) -> None:
    service.remove_local_article(session, user, _code(session, code), slug, expected=if_match)
