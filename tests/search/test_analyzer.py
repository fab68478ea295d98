"""The analyzer: the same Danish-aware words for the index and for every query."""

from pathlib import Path

import pytest

from hotline.search.analyzer import (
    Analyzer,
    analyzer_for,
    language_of,
    normalise,
    read_synonyms,
)
from tests.conftest import KNOWLEDGE_BASE


@pytest.fixture(scope="module")
def danish() -> Analyzer:
    return analyzer_for("da", KNOWLEDGE_BASE / "synonyms.txt")


def test_normalisation_folds_case_width_and_the_old_aa_spelling() -> None:
    assert normalise("AALBORG Åbningstider") == "ålborg åbningstider"
    assert normalise("ＭｉｔＩＤ") == "mitid"  # full-width letters (NFKC)


def test_inflections_share_a_stem_and_stop_words_are_dropped(danish: Analyzer) -> None:
    assert danish.index_text("sundhedskortet") == danish.index_text("Sundhedskort")
    assert danish.index_text("genbrugspladsen") == danish.index_text("genbrugsplads")
    assert danish.index_text("Aalborg") == danish.index_text("Ålborg")
    assert danish.index_text("hvad koster et pas") == danish.index_text("koster pas")


def test_the_locale_picks_the_stemmer() -> None:
    assert [language_of(locale) for locale in ("da", "da_DK", "sv-SE", "nb", "nn", "xx")] == [
        "danish",
        "danish",
        "swedish",
        "norwegian",
        "norwegian",
        "danish",
    ]
    swedish = Analyzer("swedish", [])
    assert swedish.index_text("bilarna") == swedish.index_text("bilar")
    assert "och" in swedish.stop_words


def test_phone_numbers_are_indexed_joined_and_without_country_code(danish: Analyzer) -> None:
    words = danish.index_text("Ring +45 89 40 20 00").split()
    assert {"89402000", "4589402000", "89"} <= set(words)


def test_synonyms_become_alternatives_of_the_typed_word(danish: Analyzer) -> None:
    [term] = [t for t in danish.query_terms("sygesikringskort") if not t.joined]
    stems = {alternative.stem for alternative in term.alternatives}
    assert danish.stem("sundhedskort") in stems
    assert term.matches(danish.stem("sundhedskortet"))


def test_long_words_match_the_start_of_compounds_short_ones_do_not(danish: Analyzer) -> None:
    [parking] = danish.query_terms("parkering")
    assert parking.matches(danish.stem("parkeringstilladelse"))
    [card] = danish.query_terms("kort")
    assert not card.matches(danish.stem("sundhedskortet"))
    assert card.matches(danish.stem("kortet"))


def test_two_typed_words_are_also_tried_as_one_compound(danish: Analyzer) -> None:
    joined = [term for term in danish.query_terms("nem konto") if term.joined]
    assert [term.word for term in joined] == ["nemkonto"]
    assert joined[0].matches(danish.stem("nemkontoen"))


def test_synonym_file_lines_are_groups_and_comments_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# kommentar\nbål, afbrænding\nensom\n\nhegn , hæk # naboer\n")
    assert read_synonyms(path) == [["bål", "afbrænding"], ["hegn", "hæk"]]
    assert read_synonyms(tmp_path / "missing.txt") == []


def test_indexed_text_is_stems_one_space_apart(danish: Analyzer) -> None:
    """The ranking counts a field's stems by its spaces."""
    for text in ["  a -- b  ", "e e e", "Ring: +45 89 40 20 00!", "ÆØÅ … å", "\n\t x _ y", "og i"]:
        indexed = danish.index_text(text)
        assert indexed == " ".join(indexed.split())


def test_the_indexing_path_gives_the_stems_of_the_word_by_word_analysis(
    danish: Analyzer,
) -> None:
    """index_text (one pass per text, for builds) and analyse (word by word) agree."""
    texts = [
        "Har du mistet sundhedskortet, bestiller du et nyt på borger.dk.",
        "Ring til Borgerservice på +45 89 40 20 00 eller 1.234 kr. i Aarhus",
        "og i på",
        "ÆØÅ … å aa Aalborg genbrugspladsen genbrugsplads",
    ]
    for text in texts:
        assert danish.index_text(text) == " ".join(stem for _, stem in danish.analyse(text))
