"""A snippet shows the place in the text where most of the query's words come together."""

from hotline.search.analyzer import analyzer_for
from hotline.search.snippets import WINDOW, Snippets
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
