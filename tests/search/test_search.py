"""Search finds what the municipality's resolved text says, and nothing it does not."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.knowledge import service as kb
from hotline.knowledge.models import Article, LocalArticle, Override, OverrideMode
from hotline.knowledge.resolve import today
from hotline.search import index as search_index
from hotline.search import service
from hotline.search.indexing import index_of, reindex
from hotline.search.models import SearchGap
from hotline.search.schemas import SearchRead
from hotline.search.service import CprNumberInSearch
from tests.search.conftest import (
    AARHUS,
    ADMIN,
    CORPUS_MUNICIPALITIES,
    CORPUS_QUERIES,
    EDITOR,
    FREDERIKSBERG,
    KOBENHAVN,
    ODENSE,
    add_article,
    add_override,
    slugs,
)

Search = Callable[..., SearchRead]


def test_a_word_only_in_an_appended_override_finds_the_article_only_there(search: Search) -> None:
    assert slugs(search("saltbil", AARHUS)) == ["snerydning"]
    assert slugs(search("saltbil", ODENSE)) == []
    # The shared text still counts where the override only appends.
    assert slugs(search("ruteplan", AARHUS)) == ["snerydning"]


def test_shared_words_a_municipality_replaced_no_longer_find_the_article_there(
    search: Search,
) -> None:
    assert slugs(search("kvikbetaling", ODENSE)) == ["beboerlicens"]
    assert slugs(search("kvikbetaling", AARHUS)) == []
    assert slugs(search("midtbyen", AARHUS)) == ["beboerlicens"]
    assert slugs(search("midtbyen", ODENSE)) == []


def test_hidden_articles_never_appear(search: Search) -> None:
    assert slugs(search("bål i haven", ODENSE)) == ["baal"]
    assert slugs(search("bål i haven", AARHUS)) == []
    assert search("bål i haven", AARHUS).total == 0


def test_local_articles_appear_only_for_their_municipality(search: Search) -> None:
    result = search("letbanen", ODENSE)
    assert slugs(result) == ["letbane-odense"]
    assert result.results[0].source == "local"
    assert slugs(search("letbanen", AARHUS)) == []


def test_fact_values_are_searched_with_the_municipalitys_own_value(search: Search) -> None:
    for query in ("89402000", "89 40 20 00", "+45 89 40 20 00"):
        result = search(query, AARHUS)
        assert slugs(result) == ["sundhedskort-nyt"], query
        assert "<mark>" in result.results[0].snippet
    assert slugs(search("89402000", ODENSE)) == []
    assert slugs(search("65512500", ODENSE)) == ["sundhedskort-nyt"]


def test_synonyms_from_the_editors_file(search: Search) -> None:
    # synonyms.txt: sundhedskort, sygesikringskort, sygesikringsbevis
    assert slugs(search("nyt sygesikringskort", ODENSE))[0] == "sundhedskort-nyt"
    assert slugs(search("sygesikringsbevis", ODENSE)) == ["sundhedskort-nyt"]


def test_compound_words_match_from_their_start(search: Search) -> None:
    assert slugs(search("parkering", ODENSE)) == ["beboerlicens"]  # parkeringstilladelse
    assert slugs(search("sundhedskortet", ODENSE)) == ["sundhedskort-nyt"]
    assert slugs(search("glatføre", ODENSE)) == ["snerydning"]  # glatførebekæmpelse
    # Too short to stand for the start of a compound: "kort" is not "sundhedskort".
    assert slugs(search("kort", ODENSE)) == []


def test_title_matches_rank_above_body_matches(session: Session, municipalities: None) -> None:
    add_article(session, "i-brodteksten", "Affald", "Husk at din genbrugsplads har åbent i dag.")
    add_article(session, "i-titlen", "Genbrugsplads", "Åbningstider står på hjemmesiden.")
    session.commit()
    assert slugs(service.search(session, "genbrugsplads", ODENSE)) == ["i-titlen", "i-brodteksten"]


def test_typos_get_a_suggestion_and_a_retry_when_nothing_matched(search: Search) -> None:
    result = search("sundhedskrot", ODENSE)
    assert result.suggestion == "sundhedskort"
    assert result.corrected is True
    assert slugs(result) == ["sundhedskort-nyt"]

    with_hits = search("ruteplan sundhedskrot", ODENSE)
    assert with_hits.suggestion == "ruteplan sundhedskort"
    assert with_hits.corrected is False
    assert slugs(with_hits) == ["snerydning"]

    assert search("snerydning", ODENSE).suggestion is None


def test_spelling_candidates_share_the_first_letter_and_differ_by_two_letters_at_most(
    search: Search, corpus: Session
) -> None:
    search("warm", ODENSE)  # the index is built on first use
    index = index_of(corpus)
    known = {word for words in index.vocabulary.words_by_stem.values() for word in words}
    for word in ("sundhedskrot", "snerydnig", "ab", "kortet", "zzzzzzzzzzzzzzzz"):
        alike = {w for w in known if w[0] == word[0] and abs(len(w) - len(word)) <= 2}
        assert sorted(index.words_like(word)) == sorted(alike)
    assert "sundhedskort" in index.words_like("sundhedskrot")


def test_queries_without_results_are_logged_as_knowledge_gaps(
    search: Search, corpus: Session
) -> None:
    search("hvalrosser på stranden", AARHUS)
    search("saltbil", AARHUS)  # found: not a gap
    search("sundhedskrot", AARHUS)  # found after correction: not a gap
    with pytest.raises(CprNumberInSearch):  # a CPR number is refused, never stored
        search("borger 010190-1235 ringede", AARHUS)
    gaps = corpus.execute(select(SearchGap.query, SearchGap.municipality_code)).all()
    assert gaps == [("hvalrosser på stranden", AARHUS)]


@pytest.mark.parametrize(
    "query", ["borger 01.01.90-1235", "borger 010190\u200b1235", "borger ٠١٠١٩٠-١٢٣٥"]
)
def test_a_disguised_cpr_number_is_never_stored_as_a_knowledge_gap(
    search: Search, corpus: Session, query: str
) -> None:
    with pytest.raises(CprNumberInSearch):
        search(query, AARHUS)
    assert corpus.scalar(select(func.count()).select_from(SearchGap)) == 0


def test_only_deliberate_searches_are_logged_as_knowledge_gaps(
    search: Search, corpus: Session
) -> None:
    for partial in ("hvalr", "hvalros", "hvalrosser"):  # search-as-you-type
        assert search(partial, AARHUS, log_gap=False).total == 0
    assert corpus.scalar(select(func.count()).select_from(SearchGap)) == 0
    search("hvalrosser", AARHUS, log_gap=True)
    gaps = corpus.execute(select(SearchGap.query, SearchGap.municipality_code)).all()
    assert gaps == [("hvalrosser", AARHUS)]


@pytest.mark.parametrize("query", ["   ", "?!", "og i på"])
def test_queries_without_words_find_nothing_and_are_no_gap(
    search: Search, corpus: Session, query: str
) -> None:
    result = search(query, AARHUS)
    assert (result.total, result.results, result.suggestion) == (0, [], None)
    assert corpus.scalar(select(func.count()).select_from(SearchGap)) == 0


def test_snippets_come_from_the_resolved_text_escaped_with_marks(
    search: Search, corpus: Session
) -> None:
    article = corpus.scalar(select(Article).where(Article.slug == "baal"))
    assert article is not None
    kb.update_article(corpus, article, {"body": "Bål <script>alert(1)</script> i haven."}, EDITOR)
    corpus.commit()
    snippet = search("bål", ODENSE).results[0].snippet
    assert snippet.startswith("<mark>Bål</mark> &lt;script&gt;")
    assert "<script>" not in snippet
    phone = search("borgerservice", AARHUS).results[0].snippet
    assert "+45 89 40 20 00" in phone  # the fact as Aarhus shows it, not the placeholder


def test_results_say_where_the_text_comes_from_and_whether_it_is_stale(
    search: Search, corpus: Session
) -> None:
    snow = corpus.scalar(select(Article).where(Article.slug == "snerydning"))
    assert snow is not None
    kb.update_article(corpus, snow, {"body": "Kommunen rydder veje efter ruteplan B."}, EDITOR)
    corpus.commit()
    [aarhus] = search("ruteplan", AARHUS).results
    assert (aarhus.source, aarhus.stale) == ("override", True)
    [odense] = search("ruteplan", ODENSE).results
    assert (odense.source, odense.stale) == ("shared", False)


def test_facets_count_categories_before_the_category_filter(search: Search) -> None:
    everything = search("kommunen rydder zonen", ODENSE)
    assert everything.facets == {"Trafik": 2}
    filtered = search("sundhedskort parkering", ODENSE, category="Sundhed")
    assert filtered.facets == {"Sundhed": 1, "Trafik": 1}
    assert slugs(filtered) == ["sundhedskort-nyt"]
    assert filtered.total == 1


def test_non_member_municipalities_are_searched_too(search: Search) -> None:
    result = search("ruteplan", FREDERIKSBERG)
    assert result.member is False
    assert slugs(result) == ["snerydning"]


def test_edits_are_indexed_in_their_own_transaction_or_not_at_all(
    search: Search, corpus: Session
) -> None:
    snow = corpus.scalar(select(Article).where(Article.slug == "snerydning"))
    assert snow is not None
    kb.update_article(corpus, snow, {"body": "Grusbilen kører ved frost."}, EDITOR)
    corpus.rollback()
    assert slugs(search("grusbilen", ODENSE)) == []

    kb.update_article(corpus, snow, {"body": "Grusbilen kører ved frost."}, EDITOR)
    corpus.commit()
    assert slugs(search("grusbilen", ODENSE)) == ["snerydning"]
    assert slugs(search("ruteplan", ODENSE)) == []


def test_override_local_and_fact_edits_reindex_what_they_change(
    search: Search, corpus: Session
) -> None:
    bonfire = corpus.scalar(select(Article).where(Article.slug == "baal"))
    assert bonfire is not None
    kb.delete_override(corpus, kb.get_override(corpus, AARHUS, "baal"))
    add_override(corpus, KOBENHAVN, bonfire, OverrideMode.APPEND, "Bålfade på Amager Fælled.")
    kb.set_fact_value(corpus, AARHUS, "telefon", "+45 87 13 00 00", ADMIN)
    local = corpus.scalar(select(LocalArticle))
    assert local is not None
    kb.update_local_article(corpus, local, {"title": "Sporvognen"}, ADMIN)
    corpus.commit()

    assert slugs(search("bål", AARHUS)) == ["baal"]  # no longer hidden
    assert slugs(search("bålfade", KOBENHAVN)) == ["baal"]
    assert slugs(search("89402000", AARHUS)) == []
    assert slugs(search("87130000", AARHUS)) == ["sundhedskort-nyt"]
    assert slugs(search("sporvognen", ODENSE)) == ["letbane-odense"]

    kb.delete_local_article(corpus, local)
    corpus.commit()
    assert slugs(search("sporvognen", ODENSE)) == []


def test_words_a_municipality_writes_after_the_build_are_found_there_and_only_there(
    search: Search, corpus: Session
) -> None:
    """The index knows which stems each municipality's own text holds: a word and a value it
    adds once the index is built are its own from then on."""
    assert slugs(search("vinterbadning", KOBENHAVN)) == []  # the index is built
    assert slugs(search("66131111", ODENSE)) == []
    bonfire = corpus.scalar(select(Article).where(Article.slug == "baal"))
    assert bonfire is not None
    add_override(corpus, KOBENHAVN, bonfire, OverrideMode.APPEND, "Vinterbadning er ikke bål.")
    kb.set_fact_value(corpus, ODENSE, "telefon", "+45 66 13 11 11", ADMIN)
    corpus.commit()

    assert slugs(search("vinterbadning", KOBENHAVN)) == ["baal"]
    assert slugs(search("vinterbadning", ODENSE)) == []
    assert slugs(search("66131111", ODENSE)) == ["sundhedskort-nyt"]
    assert slugs(search("66131111", AARHUS)) == []


def test_drafts_and_articles_out_of_force_are_not_found(search: Search, corpus: Session) -> None:
    snow = corpus.scalar(select(Article).where(Article.slug == "snerydning"))
    parking = corpus.scalar(select(Article).where(Article.slug == "beboerlicens"))
    assert snow is not None and parking is not None
    kb.update_article(corpus, snow, {"status": "draft"}, EDITOR)
    kb.update_article(corpus, parking, {"valid_from": today() + timedelta(days=7)}, EDITOR)
    corpus.commit()
    assert slugs(search("ruteplan", ODENSE)) == []
    assert slugs(search("saltbil", AARHUS)) == []  # the override of a draft neither
    assert slugs(search("kvikbetaling", ODENSE)) == []
    assert slugs(search("kvikbetaling", ODENSE, at=today() + timedelta(days=7))) == ["beboerlicens"]


def test_the_index_holds_one_document_per_text_not_a_copy_per_municipality(
    corpus: Session,
) -> None:
    """Shared articles, replacing overrides, local articles and fact values: 98 municipalities
    do not make 98 copies, and an appended section is no document of its own (it is part of
    the shared document, as the appending municipality's own terms); a hide shows no text."""
    texts = sum(
        corpus.scalar(select(func.count()).select_from(model)) or 0
        for model in (Article, LocalArticle)
    )
    replacing = corpus.scalar(
        select(func.count()).select_from(Override).where(Override.mode == OverrideMode.REPLACE)
    )
    documents = index_of(corpus).searcher.num_docs
    assert documents == texts + (replacing or 0) + 2  # two municipalities have a fact value
    assert reindex(corpus) == documents
    corpus.commit()


def test_a_full_reindex_finds_the_same_as_incremental_indexing(
    search: Search, corpus: Session
) -> None:
    queries = [("saltbil", AARHUS), ("kvikbetaling", ODENSE), ("89402000", AARHUS)]
    before = [slugs(search(query, code)) for query, code in queries]
    reindex(corpus)
    corpus.commit()
    assert [slugs(search(query, code)) for query, code in queries] == before


def test_totals_above_the_cap_say_at_least_the_cap(
    search: Search, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "TOTAL_CAP", 2)
    exact = search("kommunen rydder zonen", ODENSE)
    assert (exact.total, exact.total_relation) == (2, "eq")
    monkeypatch.setattr(service, "TOTAL_CAP", 1)
    capped = search("kommunen rydder zonen", ODENSE)
    assert (capped.total, capped.total_relation) == (1, "gte")
    assert len(capped.results) == 2  # the cap is on counting, not on the results


@pytest.mark.parametrize(
    ("counted_by_hand", "few_may_match"),
    [(6, 1_000_000), (0, 1_000_000), (-1, -1)],
    ids=["candidates fetched ahead", "one candidate fetched ahead", "aggregated at once"],
)
def test_few_matches_are_counted_by_hand_as_the_engine_counts_many(
    search: Search,
    corpus: Session,
    monkeypatch: pytest.MonkeyPatch,
    counted_by_hand: int,
    few_may_match: int,
) -> None:
    """Where few documents match, one search fetches every match and they are counted in
    Python; else tantivy aggregates them, and the page is ranked from the matches fetched ahead
    or by a second search. Every way answers alike: hidden, replaced, appended, local, fact
    values, out of force, filtered, paged."""
    parking = corpus.scalar(select(Article).where(Article.slug == "beboerlicens"))
    assert parking is not None
    kb.update_article(corpus, parking, {"valid_from": today() + timedelta(days=7)}, EDITOR)
    for n in range(9):  # more matches than are fetched ahead, in two categories
        category = "Trafik" if n % 2 else "Veje"
        add_article(
            corpus, f"vejarbejde-{n}", f"Vejarbejde {n}", "Vejarbejde " * (n + 1), category=category
        )
    corpus.commit()
    queries = [*CORPUS_QUERIES, "vejarbejde", "vejarbejde kommunen"]
    pages: list[dict[str, object]] = [
        {},
        {"category": "Trafik"},
        {"limit": 1},
        {"offset": 1, "limit": 1},
        {"offset": 3, "limit": 2},
    ]
    days = [today(), today() + timedelta(days=7)]

    def answers() -> list[SearchRead]:
        return [
            search(query, code, at=day, log_gap=False, **page)
            for query in queries
            for code in CORPUS_MUNICIPALITIES
            for page in pages
            for day in days
        ]

    monkeypatch.setattr(search_index, "COUNTED_BY_HAND", 10_000)
    monkeypatch.setattr(search_index, "FEW_MAY_MATCH", 1_000_000)
    by_hand = answers()
    monkeypatch.setattr(search_index, "COUNTED_BY_HAND", counted_by_hand)
    monkeypatch.setattr(search_index, "FEW_MAY_MATCH", few_may_match)
    assert answers() == by_hand
    assert sum(answer.total for answer in by_hand) > 100
    assert {slug for answer in by_hand for slug in slugs(answer)} >= {
        "snerydning",
        "beboerlicens",
        "baal",
        "letbane-odense",
        "sundhedskort-nyt",
        "vejarbejde-8",
    }


def test_an_appended_section_is_found_only_where_it_was_appended_and_shown_as_the_override(
    search: Search,
) -> None:
    """Aarhus appended "saltbil" to the shared snow article: Aarhus finds the article once, as
    its override (the shared text and the section, the section in the snippet); the other
    municipalities neither find the section's words nor see the article as overridden."""
    result = search("saltbil", AARHUS)
    [hit] = result.results
    assert (hit.slug, hit.source, hit.stale) == ("snerydning", "override", False)
    assert "<mark>saltbil</mark>" in hit.snippet
    for code in (ODENSE, KOBENHAVN, FREDERIKSBERG):
        assert search("saltbil", code).total == 0
        [shared] = search("ruteplan", code).results
        assert shared.source == "shared"
        assert "saltbil" not in shared.snippet


def test_an_article_with_an_appended_section_counts_once(search: Search) -> None:
    """Words of the shared text and of the section together match one article, once."""
    both = search("ruteplan saltbil", AARHUS)
    assert slugs(both) == ["snerydning"]
    assert (both.total, both.facets) == (1, {"Trafik": 1})
    # The section's words add to the score of the view that appended them, not another's.
    assert both.results[0].score > search("ruteplan", AARHUS).results[0].score
    shared = search("ruteplan", AARHUS)
    assert (shared.total, shared.facets) == (1, {"Trafik": 1})


def test_an_edit_removing_the_appended_section_makes_its_words_unfindable(
    search: Search, corpus: Session
) -> None:
    snow = corpus.scalar(select(Article).where(Article.slug == "snerydning"))
    assert snow is not None
    add_override(corpus, AARHUS, snow, OverrideMode.APPEND, "Aarhus rydder også Bruuns Bro.")
    corpus.commit()
    assert slugs(search("saltbil", AARHUS)) == []
    assert slugs(search("bruun", AARHUS)) == ["snerydning"]

    kb.delete_override(corpus, kb.get_override(corpus, AARHUS, "snerydning"))
    corpus.commit()
    assert slugs(search("bruun", AARHUS)) == []
    [hit] = search("ruteplan", AARHUS).results
    assert hit.source == "shared"  # no longer shown as Aarhus' override
    assert "Bruuns" not in hit.snippet


def test_fact_values_lead_to_an_article_whose_appended_section_shows_the_fact(
    search: Search, corpus: Session
) -> None:
    """A placeholder only in Odense's section: Odense's phone number finds the article there,
    Aarhus' number does not find it in Aarhus (its shared text shows no phone)."""
    bonfire = corpus.scalar(select(Article).where(Article.slug == "baal"))
    assert bonfire is not None
    add_override(corpus, ODENSE, bonfire, OverrideMode.APPEND, "Spørg Odense på {{ telefon }}.")
    corpus.commit()
    result = search("65512500", ODENSE)
    assert sorted(slugs(result)) == ["baal", "sundhedskort-nyt"]
    assert result.total == 2
    assert "baal" not in slugs(search("89402000", AARHUS))
