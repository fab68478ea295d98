"""resolve(): what an article says in one municipality, on one day."""

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hotline.errors import InvalidInput, NotFound
from hotline.knowledge import service
from hotline.knowledge.models import FactType, OverrideMode, Source
from hotline.knowledge.resolve import (
    ArticleNotApplicable,
    fact_keys_in,
    resolve,
    resolve_all,
    resolve_many,
)
from hotline.knowledge.schemas import ArticleCreate, FactCreate
from hotline.search.indexing import index_of
from tests.knowledge.conftest import (
    AARHUS,
    ADMIN,
    EDITOR,
    KOBENHAVN,
    ODENSE,
    PAS_BODY,
    add_article,
    add_override,
)


def test_shared_article_gets_each_municipalitys_facts(kb: Session) -> None:
    aarhus = resolve(kb, "pas", AARHUS)
    assert aarhus.source is Source.SHARED and aarhus.mode is None
    assert aarhus.body_markdown == (
        "Et pas i Aarhus Kommune koster 1.234,50 kr. Ring på +45 89 40 20 00."
    )
    assert aarhus.missing_facts == []
    assert aarhus.facts_used == ["gebyr_pas", "kommune_navn", "telefon"]
    assert aarhus.shared_revision == 1 and aarhus.override_revision is None

    odense = resolve(kb, "pas", ODENSE)
    assert odense.body_markdown == (
        "Et pas i Odense Kommune koster 893 kr. "
        "Ring på [telefon oplyses af Odense Kommune: https://www.odense.dk]."
    )
    assert odense.missing_facts == ["telefon"]


def test_municipality_without_any_values_is_named_and_points_to_its_website(
    kb: Session,
) -> None:
    """Its name comes from the municipality register; each missing value reads as a pointer to
    its website named by the fact's definition (here the description, as the fixture's facts
    have no label), the unit ("kr.") going with it and the sentence's full stop kept."""
    resolved = resolve(kb, "pas", KOBENHAVN)
    assert resolved.missing_facts == ["gebyr_pas", "telefon"]
    assert resolved.body_markdown == (
        "Et pas i Københavns Kommune koster "
        "[gebyr_pas oplyses af Københavns Kommune: https://www.kk.dk]. "
        "Ring på [telefon oplyses af Københavns Kommune: https://www.kk.dk]."
    )
    assert "mangler" not in resolved.body_html


def test_a_shared_default_fills_every_municipality_until_it_gives_its_own(kb: Session) -> None:
    service.create_fact(
        kb,
        FactCreate(
            key="politi_telefon",
            description="Politiet, når det ikke er akut",
            type=FactType.PHONE,
            default_value="114",
        ),
        EDITOR,
    )
    service.set_fact_value(kb, AARHUS, "politi_telefon", "+45 87 31 14 48", ADMIN)
    add_article(kb, "politi", "Ring til politiet på {{ politi_telefon }}.")
    assert resolve(kb, "politi", ODENSE).body_markdown == "Ring til politiet på 114."
    assert resolve(kb, "politi", AARHUS).body_markdown == "Ring til politiet på +45 87 31 14 48."
    assert resolve(kb, "politi", ODENSE).missing_facts == []


def test_a_default_must_fit_the_facts_type() -> None:
    with pytest.raises(ValidationError):
        FactCreate(key="politi_telefon", description="x", type=FactType.PHONE, default_value="ring")


def test_replace_uses_the_local_title_and_text_only(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    add_override(kb, AARHUS, article, OverrideMode.REPLACE, "Kun i {{ kommune_navn }}.", "Pas her")
    resolved = resolve(kb, "pas", AARHUS)
    assert (resolved.source, resolved.mode, resolved.title) == (
        Source.OVERRIDE,
        OverrideMode.REPLACE,
        "Pas her",
    )
    assert [p.source for p in resolved.parts] == [Source.OVERRIDE]
    assert resolved.body_markdown == "Kun i Aarhus Kommune."
    assert resolved.override_revision == 1
    assert resolve(kb, "pas", ODENSE).source is Source.SHARED


def test_append_adds_a_marked_local_section_after_the_shared_text(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    add_override(kb, AARHUS, article, OverrideMode.APPEND, "## Særligt i Aarhus\nDokk1.")
    resolved = resolve(kb, "pas", AARHUS)
    assert resolved.mode is OverrideMode.APPEND
    assert [p.source for p in resolved.parts] == [Source.SHARED, Source.OVERRIDE]
    assert resolved.body_markdown.endswith("## Særligt i Aarhus\nDokk1.")
    local_html = '<div class="kb-local" data-source="override"><h2>Særligt i Aarhus</h2>'
    assert resolved.body_html.endswith(local_html + "\n<p>Dokk1.</p>\n</div>")


def test_hide_makes_the_article_not_applicable_there_only(kb: Session) -> None:
    add_override(kb, AARHUS, service.get_article(kb, "pas"), OverrideMode.HIDE)
    with pytest.raises(ArticleNotApplicable) as raised:
        resolve(kb, "pas", AARHUS)
    assert raised.value.slug == "not-applicable-in-municipality"
    assert [a.slug for a in resolve_all(kb, AARHUS)] == []
    assert [a.slug for a in resolve_all(kb, ODENSE)] == ["pas"]


def test_local_article_exists_for_its_municipality_only(kb: Session) -> None:
    data = ArticleCreate(slug="dokk1", title="Dokk1", category="Borgerservice", body="Havnen.")
    service.create_local_article(kb, AARHUS, data, EDITOR)
    local = resolve(kb, "dokk1", AARHUS)
    assert (local.source, local.shared_revision, local.parts[0].source) == (
        Source.LOCAL,
        None,
        Source.LOCAL,
    )
    with pytest.raises(NotFound):
        resolve(kb, "dokk1", ODENSE)
    assert [a.slug for a in resolve_all(kb, AARHUS)] == ["dokk1", "pas"]


def test_a_page_of_articles_resolves_as_each_one_does_leaving_out_what_is_not_there(
    kb: Session,
) -> None:
    add_override(kb, AARHUS, service.get_article(kb, "pas"), OverrideMode.APPEND, "Dokk1.")
    add_override(kb, AARHUS, add_article(kb, "baal"), OverrideMode.HIDE)
    add_article(kb, "kladde", status="draft")
    data = ArticleCreate(slug="dokk1", title="Dokk1", category="Borgerservice", body="Havnen.")
    service.create_local_article(kb, AARHUS, data, EDITOR)
    slugs = ["pas", "baal", "kladde", "dokk1", "findes-ikke"]
    page = resolve_many(kb, slugs, AARHUS)
    assert sorted(page) == ["dokk1", "pas"]
    for slug, article in page.items():
        assert article == resolve(kb, slug, AARHUS)
        assert article.body_html == resolve(kb, slug, AARHUS).body_html
    assert sorted(resolve_many(kb, slugs, ODENSE)) == ["baal", "pas"]


def test_validity_window_decides_which_rule_applies_on_a_day(kb: Session) -> None:
    add_article(kb, "ordning-2026", "Gammel ordning.", valid_to=date(2026, 12, 31))
    add_article(kb, "ordning-2027", "Ny ordning.", valid_from=date(2027, 1, 1))

    def visible(on: date) -> list[str]:
        return [a.slug for a in resolve_all(kb, AARHUS, at=on)]

    assert visible(date(2026, 12, 31)) == ["ordning-2026", "pas"]
    assert visible(date(2027, 1, 1)) == ["ordning-2027", "pas"]
    with pytest.raises(NotFound, match="not in force"):
        resolve(kb, "ordning-2027", AARHUS, at=date(2026, 6, 1))
    assert resolve(kb, "ordning-2027", AARHUS, at=date(2027, 1, 1)).valid_from == date(2027, 1, 1)


def test_drafts_only_when_asked_for(kb: Session) -> None:
    add_article(kb, "kladde", "Ikke færdig.", status="draft")
    with pytest.raises(NotFound):
        resolve(kb, "kladde", AARHUS)
    assert resolve(kb, "kladde", AARHUS, include_drafts=True).status == "draft"
    assert "kladde" not in [a.slug for a in resolve_all(kb, AARHUS)]


def test_shared_text_edit_makes_overrides_stale_until_reconfirmed(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    override = add_override(kb, AARHUS, article, OverrideMode.APPEND, "Lokalt.")
    assert resolve(kb, "pas", AARHUS).stale is False

    service.update_article(kb, article, {"body": PAS_BODY + " Nyt gebyr."}, EDITOR)
    stale = resolve(kb, "pas", AARHUS)
    assert stale.stale is True
    assert (stale.shared_revision, stale.override_revision) == (2, 1)
    diff = service.override_read(kb, override).shared_diff
    assert diff is not None and "+Et pas i {{ kommune_navn }}" in diff and "Nyt gebyr." in diff

    service.confirm_override(kb, override, "admin.aarhus@hotline.example")
    confirmed = resolve(kb, "pas", AARHUS)
    assert confirmed.stale is False and confirmed.override_revision == 2
    assert service.override_read(kb, override).shared_diff is None


def test_editing_a_stale_override_also_confirms_it(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    add_override(kb, AARHUS, article, OverrideMode.APPEND, "Lokalt.")
    service.update_article(kb, article, {"title": "Pas til voksne"}, EDITOR)
    assert resolve(kb, "pas", AARHUS).stale is True
    add_override(kb, AARHUS, article, OverrideMode.APPEND, "Lokalt, opdateret.")
    assert resolve(kb, "pas", AARHUS).stale is False


def test_metadata_only_edit_is_a_revision_but_leaves_overrides_current(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    add_override(kb, AARHUS, article, OverrideMode.APPEND, "Lokalt.")
    assert service.update_article(kb, article, {"tags": ["pas"]}, EDITOR) == ["tags"]
    assert article.revision == 2
    assert resolve(kb, "pas", AARHUS).stale is False


def test_unchanged_update_creates_no_revision(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    assert service.update_article(kb, article, {"body": PAS_BODY, "title": "Pas"}, EDITOR) == []
    assert [r.revision for r in service.list_revisions(kb, article)] == [1]


def test_revision_history_says_who_changed_what(kb: Session) -> None:
    article = service.get_article(kb, "pas")
    service.update_article(kb, article, {"title": "Pas 2", "category": "Pas"}, "ida@x.dk")
    history = service.list_revisions(kb, article)
    assert [(r.revision, r.changed_by) for r in history] == [(1, EDITOR), (2, "ida@x.dk")]
    assert history[1].changed_fields == ["title", "category"]
    assert "-# Pas\n+# Pas 2\n" in service.revision_diff(kb, article, 1, 2)


def test_texts_may_only_use_known_facts_as_plain_placeholders(kb: Session) -> None:
    with pytest.raises(InvalidInput) as raised:
        add_article(kb, "forkert", "Se {{ ukendt }} og {{ kommune_navn.upper() }}.")
    messages = [error["message"] for error in raised.value.extra["errors"]]
    assert messages[0] == "unknown fact 'ukendt' (not in the fact catalogue)"
    assert messages[1].startswith("only {{ fact_key }} placeholders are allowed")


def test_fact_keys_in_lists_plain_placeholders_only() -> None:
    assert fact_keys_in(PAS_BODY + " {{ x.y }} {%raw%}") == {"kommune_navn", "gebyr_pas", "telefon"}


def test_kept_fact_values_never_hide_the_sessions_own_uncommitted_edit(kb: Session) -> None:
    """With the process's index built, a municipality's facts are kept beside it. A session
    that changed a value reads its own change until it commits or rolls back; afterwards the
    kept values are those committed."""
    index_of(kb)  # builds the index: from now on the facts are kept
    assert "1.234,50 kr." in resolve(kb, "pas", AARHUS).body_markdown

    service.set_fact_value(kb, AARHUS, "gebyr_pas", 950, ADMIN)
    assert "950 kr." in resolve(kb, "pas", AARHUS).body_markdown
    kb.rollback()
    assert "1.234,50 kr." in resolve(kb, "pas", AARHUS).body_markdown

    service.set_fact_value(kb, AARHUS, "gebyr_pas", 975, ADMIN)
    kb.commit()
    assert "975 kr." in resolve(kb, "pas", AARHUS).body_markdown
    assert "975 kr." in resolve_all(kb, AARHUS)[0].body_markdown


def test_a_published_article_is_combined_once_and_kept_until_a_change_is_committed(
    kb: Session,
) -> None:
    """With the process's index built, a published article is kept as a municipality reads
    it. A session that changed it reads its own change; a rolled-back change leaves the kept
    article standing, a committed one (any knowledge edit) has it read again."""
    index_of(kb)  # builds the index: from now on articles are kept
    kept = resolve(kb, "pas", AARHUS)
    assert resolve(kb, "pas", AARHUS) is kept
    assert resolve(kb, "pas", ODENSE) is not kept
    assert resolve(kb, "pas", AARHUS, include_drafts=True) is not kept

    article = service.get_article(kb, "pas")
    service.update_article(kb, article, {"body": PAS_BODY + " Nyt gebyr."}, EDITOR)
    assert "Nyt gebyr." in resolve(kb, "pas", AARHUS).body_markdown
    kb.rollback()
    assert resolve(kb, "pas", AARHUS) is kept

    service.set_fact_value(kb, ODENSE, "gebyr_pas", 975, ADMIN)  # another municipality's fact
    kb.commit()
    again = resolve(kb, "pas", AARHUS)
    assert again is not kept and again.body_markdown == kept.body_markdown

    article = service.get_article(kb, "pas")
    service.update_article(kb, article, {"body": PAS_BODY + " Nyt gebyr."}, EDITOR)
    kb.commit()
    assert "Nyt gebyr." in resolve(kb, "pas", AARHUS).body_markdown
