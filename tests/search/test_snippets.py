"""A snippet shows the place in the text where most of the query's words come together."""

import re
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.knowledge.resolve import render_facts
from hotline.search.analyzer import WORD, analyzer_for
from hotline.search.snippets import (
    WINDOW,
    Snippets,
    _digits_pattern,
    _lead_in,
    _numbers_in,
    lowered,
    plain_text,
    text_of,
)
from tests.conftest import KNOWLEDGE_BASE

FILLER = " ".join(f"ord{n}" for n in range(WINDOW * 2))


def snippet(query: str, text: str) -> str:
    an = analyzer_for("da", KNOWLEDGE_BASE / "synonyms.txt")
    return Snippets.for_text(an, an.query_terms(query), text).of(text)


def test_the_window_with_the_most_distinct_words_wins_over_the_first_match() -> None:
    text = f"Storskrald nævnes først. {FILLER} Storskrald hentes efter tilmelding. {FILLER}"
    shown = snippet("storskrald tilmelding", text)
    assert "<mark>Storskrald</mark> hentes efter <mark>tilmelding</mark>" in shown
    assert "nævnes først" not in shown
    assert shown.startswith("… ") and shown.endswith(" …")


def test_a_word_repeated_counts_once_against_two_different_words() -> None:
    repeated = " ".join(["storskrald"] * 6)
    text = f"{repeated} {FILLER} storskrald og tilmelding {FILLER}"
    assert "<mark>tilmelding</mark>" in snippet("storskrald tilmelding", text)


def test_of_equally_good_windows_the_first_is_shown() -> None:
    text = f"Første storskrald tilmelding. {FILLER} Anden storskrald tilmelding."
    shown = snippet("storskrald tilmelding", text)
    assert "Første" in shown and "Anden" not in shown


def test_without_a_match_the_text_opens_the_snippet() -> None:
    text = f"Åbningstider for borgerservice. {FILLER}"
    shown = snippet("storskrald", text)
    assert shown.startswith("Åbningstider for borgerservice.") and shown.endswith(" …")


def test_a_phone_number_is_marked_whole_when_searched_joined() -> None:
    shown = snippet("89402000", "Ring på 89 40 20 00 i dag.")
    assert shown == "Ring på <mark>89 40 20 00</mark> i dag."


def test_a_one_word_query_marks_the_words_around_its_first_place() -> None:
    text = f"{FILLER} Storskrald hentes. {FILLER} Storskrald igen."
    shown = snippet("storskrald", text)
    assert shown.count("<mark>") == 1
    assert f"ord{WINDOW * 2 - 1} <mark>Storskrald</mark> hentes." in shown


# Words the texts below are made of: query words (whole, as a prefix's completion, in
# capitals, with the old spelling "aa"), digits in groups, and words that never match.
_WORDS = ["storskrald", "Storskrald", "STORSKRALD", "storskraldsordning", "tilmelding",
          "gaarden", "gården", "89", "40", "20", "00", "89402000", "hentes", "efter", "og",
          "i", "ord"]  # fmt: skip
_SEPARATORS = [" ", " ", ", ", ". ", "\n\n", " - ", "_", "**"]


@given(
    st.lists(
        st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPARATORS)), min_size=1, max_size=120
    ),
    st.sampled_from(["storskrald", "storskr", "gården", "89402000", "tilmelding", "hentes"]),
)
@settings(max_examples=300, deadline=None)
def test_a_one_word_query_shows_what_the_whole_text_search_shows(
    words: list[tuple[str, str]], query: str
) -> None:
    """A one-word query only looks for each word's first place; its snippet is the one found
    by looking at every match in the text (as for two words, here one that is in no text)."""
    text = "".join(word + separator for word, separator in words)
    an = analyzer_for("da", KNOWLEDGE_BASE / "synonyms.txt")
    vocabulary: dict[str, set[str]] = defaultdict(set)
    for word, stem in an.analyse(" ".join(_WORDS)):
        vocabulary[stem].add(word)
    one_word = Snippets.for_query(an.query_terms(query), vocabulary.__getitem__)
    two_words = Snippets.for_query(an.query_terms(f"{query} zzqqxx"), vocabulary.__getitem__)
    assert one_word.of(text) == two_words.of(text)


_NEEDLE_WORDS = ["glemt", "glemte", "glem", "kode", "koden", "kod", "mitid", "mitidkode"]


@given(
    st.lists(
        st.tuples(st.sampled_from(_NEEDLE_WORDS), st.sampled_from([0, 1]), st.booleans()),
        min_size=1,
        max_size=8,
    ),
    st.lists(
        st.tuples(st.sampled_from([*_NEEDLE_WORDS, "Glemte", "ord"]), st.sampled_from(_SEPARATORS)),
        min_size=1,
        max_size=80,
    ),
)
@settings(max_examples=300, deadline=None)
def test_a_whole_word_a_prefix_of_its_term_finds_is_not_looked_for_again(
    needles: list[tuple[str, int, bool]], words: list[tuple[str, str]]
) -> None:
    """The snippet is the one every needle looked for gives: a word that a prefix of the same
    term begins ("glemte" beside the prefix "glem") is left out of the needles."""
    text = "".join(word + separator for word, separator in words)
    pruned = Snippets(needles, [])
    every_needle = Snippets([], [])
    every_needle._needles = sorted(set(needles))
    every_needle._terms = pruned._terms
    assert pruned.of(text) == every_needle.of(text)
    kept = set(pruned._needles)
    for needle, term, prefix in set(needles) - kept:
        assert not prefix
        assert any(p and t == term and needle.startswith(n) for n, t, p in kept)


def test_markup_that_opens_a_line_is_left_out_of_the_words() -> None:
    markdown = "# Storskrald\n- hentes\n> efter 1. maj\n  2) tilmelding\nRing 1. maj"
    assert text_of(markdown) == "Storskrald\nhentes\nefter 1. maj\ntilmelding\nRing 1. maj"


_LINE_BITS = ["# ", "## ", "> ", "- ", "* ", "+ ", "1. ", "12) ", "   ", "\t", "\n", "\n\n",
              "\r\n", " \n", "ord ", "#", "-", "1.", "x"]  # fmt: skip


@given(st.lists(st.sampled_from(_LINE_BITS), max_size=14))
@settings(max_examples=500, deadline=None)
def test_line_markup_is_found_wherever_a_line_opens(bits: list[str]) -> None:
    """``text_of`` only runs the multi-line pattern where it finds a line opening with markup;
    the words are those the pattern alone leaves."""
    markdown = "".join(bits)
    assert text_of(markdown) == re.sub(
        r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", "", markdown, flags=re.MULTILINE
    )


_NUMBER_BITS = ["89", "40", "2000", "8940", "892", "x", "_", "a", " ", ".", "-", "\u00a0", "é", "7"]


@given(
    st.lists(st.sampled_from(_NUMBER_BITS), max_size=30),
    st.lists(
        st.sampled_from(["89402000", "8940", "2000", "89", "40", "7"]), min_size=1, max_size=3
    ),
)
@settings(max_examples=500, deadline=None)
def test_numbers_are_found_as_a_look_behind_pattern_finds_them(
    bits: list[str], numbers: list[str]
) -> None:
    """Numbers are found where a word begins, written in groups or joined, as the plain
    pattern with a look-behind for a word character finds them (one that is tried at every
    character of the text, where ours jumps from digit to digit)."""
    text = "".join(bits)
    wanted = tuple(sorted(set(numbers)))
    alternatives = "|".join(_digits_pattern(n) for n in sorted(wanted, key=len, reverse=True))
    plain = re.compile(rf"(?<![\d\w])(?:{alternatives})(?![\d\w])")
    assert [m.span() for m in _numbers_in(text, wanted)] == [m.span() for m in plain.finditer(text)]


def test_a_number_inside_a_longer_word_is_passed_over_by_one_character() -> None:
    """In "x89 40", "89 40" begins inside the word "x89" and is no match; "40" after it is."""
    text = "x89 40"
    assert [m.group() for m in _numbers_in(text, ("40", "8940"))] == ["40"]


def _lowered_as_unicode(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else text


@given(st.text(st.characters(max_codepoint=0xFF)) | st.text())
@settings(max_examples=1_000, deadline=None)
def test_a_text_is_lowered_as_unicode_lowers_it(text: str) -> None:
    """Latin-1 text goes through a byte table, other text through ``str.lower``: both give
    Unicode's lower case, and a text whose lower case is longer is left as it is."""
    assert lowered(text) == _lowered_as_unicode(text)


def test_every_latin_1_letter_is_lowered_and_a_longer_lower_case_leaves_the_text() -> None:
    latin_1 = "".join(map(chr, range(256)))
    assert lowered(latin_1) == latin_1.lower()
    assert lowered("ÆBLE – İstanbul") == "ÆBLE – İstanbul"  # "İ" lowers to two characters
    assert lowered("ÆBLE – Øst") == "æble – øst"


def _lead_in_from_the_front(text: str, position: int) -> int:
    starts = [m.start() for m in WORD.finditer(text, max(0, position - 80), position)]
    return starts[-3] if len(starts) >= 3 else (starts[0] if starts else position)


@given(st.text(st.sampled_from("ab_ -.æ1\n"), max_size=300), st.integers(0, 300))
@settings(max_examples=1_000, deadline=None)
def test_the_lead_in_read_backwards_begins_where_the_words_read_forwards_do(
    text: str, position: int
) -> None:
    position = min(position, len(text))
    assert _lead_in(text, position) == _lead_in_from_the_front(text, position)


def test_the_lead_in_is_three_whole_words_or_as_many_as_there_are() -> None:
    text = "en to tre fire fem"
    assert text[_lead_in(text, len(text) - 3) :] == "to tre fire fem"
    assert _lead_in("Kun to ord", 8) == 0
    assert _lead_in("... ", 4) == 4


# Values and the words for missing ones, without markup characters: made plain before or after
# they are filled in, a text reads the same.
ORDINARY_VALUES = {"tlf": "Ring til os", "navn": "Aarhus Kommune"}
ORDINARY_GAPS = {"gebyr": "kommunens gebyr"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Ring ",
                "{{ tlf }}",
                "{{navn}}",
                "{{ gebyr }} kr.",
                " kr. Betal",
                "**",
                "_",
                "`",
                "\n",
                "# ",
                "> ",
                "- ",
                "1. ",
                "[",
                "](",
                ")",
                "![",
                "|",
                "---",
                " ",
            ]
        ),
        max_size=24,
    )
)
def test_a_text_made_plain_and_then_filled_reads_as_the_filled_text_made_plain(
    bits: list[str],
) -> None:
    markdown = "".join(bits)
    filled_first = text_of(render_facts(markdown, ORDINARY_VALUES, ORDINARY_GAPS)[0])
    assert plain_text(markdown).filled(ORDINARY_VALUES, ORDINARY_GAPS) == filled_first


def test_one_plain_text_is_filled_with_each_municipalitys_values() -> None:
    plain = plain_text("**Ring** til {{ navn }} på {{ tlf }}.")
    assert plain is plain_text("**Ring** til {{ navn }} på {{ tlf }}.")
    aarhus = plain.filled({"navn": "Aarhus", "tlf": "89 40 20 00"}, {})
    odense = plain.filled({"navn": "Odense", "tlf": "66 13 13 72"}, {})
    assert (aarhus, odense) == (
        "Ring til Aarhus på 89 40 20 00.",
        "Ring til Odense på 66 13 13 72.",
    )


def test_a_fact_value_shows_as_written_never_read_as_markup() -> None:
    plain = plain_text("Skriv til {{ navn }}, *hurtigt*.\n{{ gebyr }}. Betal i dag")
    assert plain.filled({"navn": "*Team* [Affald](x)", "gebyr": "600"}, {}) == (
        "Skriv til *Team* [Affald](x), hurtigt.\n600. Betal i dag"
    )


def test_a_placeholder_in_a_link_address_goes_with_the_address() -> None:
    plain = plain_text("Se [kommunens side]({{ url }}) om {{ navn }}.")
    assert plain.filled({"url": "https://aarhus.dk", "navn": "Aarhus"}, {}) == (
        "Se kommunens side om Aarhus."
    )


def test_characters_of_private_use_in_a_text_stay_as_written() -> None:
    plain = plain_text("Symbol \ue000 og \U000f0000 hos {{ navn }} \ue001.")
    assert plain.filled({"navn": "Aarhus"}, {}) == "Symbol \ue000 og \U000f0000 hos Aarhus \ue001."
