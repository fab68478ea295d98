"""Property: a municipality's resolved text never contains another municipality's text."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hotline.knowledge import service
from hotline.knowledge.models import FactType, OverrideMode
from hotline.knowledge.resolve import resolve, resolve_all
from hotline.knowledge.schemas import ArticleCreate, FactCreate
from tests.knowledge.conftest import ADMIN, add_article, add_override

CODES = ("0751", "0461", "0101")
SHARED = ("pas", "storskrald")
LOCAL_SLUGS = ("dokk1", "faerge", "lokal")  # several municipalities may use the same slug
MODES = st.sampled_from([*OverrideMode, None])
WORDS = st.text(alphabet="abcæøå *_#>-\n", max_size=30)


def marker(code: str) -> str:
    return f"⟦{code}⟧"


plans = st.fixed_dictionaries(
    {
        "overrides": st.dictionaries(
            st.tuples(st.sampled_from(CODES), st.sampled_from(SHARED)), MODES
        ),
        "locals": st.lists(
            st.tuples(st.sampled_from(CODES), st.sampled_from(LOCAL_SLUGS)), unique=True
        ),
        "valued": st.sets(st.sampled_from(CODES)),
        "words": WORDS,
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans)
def test_no_municipality_sees_another_municipalitys_text(
    session: Session, municipalities: None, plan: dict
) -> None:
    words = plan["words"]
    try:
        service.create_fact(
            session, FactCreate(key="kommune_navn", description="Navn", type=FactType.TEXT), ADMIN
        )
        for code in plan["valued"]:
            service.set_fact_value(session, code, "kommune_navn", f"By {marker(code)}", ADMIN)
        articles = {
            slug: add_article(session, slug, f"Fælles {{{{ kommune_navn }}}} {words}")
            for slug in SHARED
        }
        for (code, slug), mode in plan["overrides"].items():
            if mode is not None:
                text = f"{words} {marker(code)} {{{{ kommune_navn }}}}"
                title = f"Titel {marker(code)}" if mode is OverrideMode.REPLACE else None
                add_override(session, code, articles[slug], mode, text, title)
        for code, slug in plan["locals"]:
            data = ArticleCreate(
                slug=slug,
                title=f"Lokal {marker(code)}",
                category="T",
                body=f"{words} {marker(code)}",
            )
            service.create_local_article(session, code, data, ADMIN)

        for code in CODES:
            foreign = [marker(other) for other in CODES if other != code]
            seen = resolve_all(session, code)
            for article in seen:
                text = article.title + article.body_markdown + article.body_html
                assert not any(m in text for m in foreign), (code, article.slug, text)
                assert article.slug == resolve(session, article.slug, code).slug
            # Not vacuous: what the municipality wrote itself does show.
            own = {slug for c, slug in plan["locals"] if c == code} | {
                slug
                for (c, slug), mode in plan["overrides"].items()
                if c == code and mode in (OverrideMode.REPLACE, OverrideMode.APPEND)
            }
            for article in seen:
                if article.slug in own:
                    assert marker(code) in article.body_markdown
            assert own <= {article.slug for article in seen}
    finally:
        session.rollback()
