"""The knowledge a signed-in subject reads: each read use case authorises here, so the API and
the console cannot differ on who sees what. Drafts are scoped through ``visibility``."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from hotline.auth.permissions import Action, Principal, require
from hotline.knowledge.models import Fact, FactValue, Override
from hotline.knowledge.resolve import (
    ArticleSources,
    KeptArticle,
    ResolvedArticle,
    article_sources,
    resolve_all,
)
from hotline.knowledge.schemas import CoverageReport, FactValueRead, OverrideRead
from hotline.knowledge.service.coverage import coverage
from hotline.knowledge.service.facts import (
    get_fact,
    get_fact_value,
    list_facts,
    municipality_facts,
)
from hotline.knowledge.service.overrides import get_override, list_overrides, override_read
from hotline.knowledge.service.visibility import drafts_wanted
from hotline.municipalities.service import registered_code


def _code(session: Session, code: str) -> str:
    """The municipality's normalised code; 404 when there is none."""
    return registered_code(session, code)


def facts_for(session: Session, actor: Principal) -> Sequence[Fact]:
    """The fact catalogue."""
    require(actor, Action.READ_KNOWLEDGE)
    return list_facts(session)


def readable_fact(session: Session, actor: Principal, key: str) -> Fact:
    require(actor, Action.READ_KNOWLEDGE)
    return get_fact(session, key)


def resolved_articles_for(
    session: Session,
    actor: Principal,
    code: str,
    *,
    at: date | None = None,
    category: str | None = None,
    drafts: bool = False,
) -> list[ResolvedArticle]:
    """Every article as it reads in the municipality; drafts only to those who see them."""
    require(actor, Action.READ_KNOWLEDGE)
    code = _code(session, code)
    articles = resolve_all(session, code, at=at, include_drafts=drafts_wanted(actor, code, drafts))
    return [a for a in articles if category is None or a.category == category]


def resolved_article_for(
    session: Session,
    actor: Principal,
    code: str,
    slug: str,
    *,
    at: date | None = None,
    drafts: bool = False,
) -> ResolvedArticle:
    return resolved_article_sources_for(session, actor, code, slug, at=at, drafts=drafts).resolved()


def resolved_article_sources_for(
    session: Session,
    actor: Principal,
    code: str,
    slug: str,
    *,
    at: date | None = None,
    drafts: bool = False,
) -> ArticleSources | KeptArticle:
    """What the article is made of here, loaded and checked but not rendered: its ``version``
    answers a client's ``If-None-Match`` before any rendering."""
    require(actor, Action.READ_KNOWLEDGE)
    code = _code(session, code)
    drafts_too = drafts_wanted(actor, code, drafts)
    return article_sources(session, slug, code, at=at, include_drafts=drafts_too)


def coverage_for(session: Session, actor: Principal, code: str) -> CoverageReport:
    """A municipality's to-do list, for its own admins and the hotline's operators."""
    code = _code(session, code)
    require(actor, Action.READ_LOCAL_ADMIN, code)
    return coverage(session, code)


def fact_values_for(session: Session, actor: Principal, code: str) -> list[FactValueRead]:
    """The whole catalogue with this municipality's values (None where missing)."""
    require(actor, Action.READ_KNOWLEDGE)
    return municipality_facts(session, _code(session, code))


def fact_value_for(
    session: Session, actor: Principal, code: str, key: str
) -> tuple[FactValueRead, FactValue | None]:
    """(the value as read, its row for the version; None while the municipality has none)."""
    require(actor, Action.READ_KNOWLEDGE)
    code = _code(session, code)
    get_fact(session, key)  # 404 for a key outside the catalogue
    read = next(v for v in municipality_facts(session, code) if v.key == key)
    return read, get_fact_value(session, code, key)


def overrides_for(
    session: Session, actor: Principal, code: str, *, stale: bool | None = None
) -> list[OverrideRead]:
    require(actor, Action.READ_KNOWLEDGE)
    reads = [override_read(session, o) for o in list_overrides(session, _code(session, code))]
    return [r for r in reads if stale is None or r.stale == stale]


def readable_override(session: Session, actor: Principal, code: str, slug: str) -> Override:
    """When stale, its read (``override_read``) shows what changed in the shared text."""
    require(actor, Action.READ_KNOWLEDGE)
    return get_override(session, _code(session, code), slug)
