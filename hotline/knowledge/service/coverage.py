"""What a municipality should look at: gaps, outdated overrides, overdue reviews."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.permissions import (
    Action,
    Principal,
    scope_to_municipalities,
)
from hotline.knowledge.models import (
    ArticleStatus,
    Source,
)
from hotline.knowledge.resolve import (
    resolve_all,
    today,
)
from hotline.knowledge.schemas import (
    ArticleDue,
    ArticleRef,
    CoverageReport,
    MissingFact,
    StaleOverride,
)
from hotline.knowledge.service.overrides import list_overrides
from hotline.municipalities.models import Municipality

# --- coverage --------------------------------------------------------------------------------


def administered_codes(session: Session, user: Principal) -> Sequence[str]:
    """Member municipalities whose local knowledge the user administers."""
    stmt = select(Municipality.code).where(Municipality.member.is_(True))
    stmt = scope_to_municipalities(stmt, user, Action.READ_LOCAL_ADMIN, Municipality.code)
    return session.scalars(stmt.order_by(Municipality.code)).all()


def coverage(session: Session, municipality_code: str) -> CoverageReport:
    """What a municipality should look at: gaps, outdated overrides, overdue reviews."""
    resolved = resolve_all(session, municipality_code)
    missing: dict[str, list[str]] = defaultdict(list)
    for article in resolved:
        for key in article.missing_facts:
            missing[key].append(article.slug)
    overrides = list_overrides(session, municipality_code)
    now = today()
    articles = {a.slug: ArticleRef(title=a.title, source=a.source) for a in resolved}
    for o in overrides:  # hidden or unpublished ones are not among the resolved
        title = o.title or o.article.title
        articles.setdefault(o.article.slug, ArticleRef(title=title, source=Source.OVERRIDE))
    return CoverageReport(
        municipality_code=municipality_code,
        missing_facts=[MissingFact(key=k, articles=v) for k, v in sorted(missing.items())],
        stale_overrides=[
            StaleOverride(
                slug=o.article.slug,
                based_on_revision=o.based_on_revision,
                shared_revision=o.article.revision,
            )
            for o in overrides
            if o.based_on_revision < o.article.revision
        ],
        past_review_by=[
            ArticleDue(slug=a.slug, source=a.source, review_by=a.review_by)
            for a in resolved
            if a.review_by is not None and a.review_by < now
        ],
        overrides_of_unpublished=[
            o.article.slug for o in overrides if o.article.status != ArticleStatus.PUBLISHED
        ],
        articles=articles,
    )
