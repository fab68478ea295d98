"""What the index keeps beside tantivy to answer searches cheaply, and that it never answers
wrongly for it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.search.index import _OwnStems

STEMS = st.text(st.sampled_from("abcæøå0123:"), min_size=1, max_size=12)


@given(st.lists(STEMS, max_size=200))
@settings(max_examples=200, deadline=None)
def test_a_stem_of_a_municipalitys_own_text_is_never_said_to_be_lacking(stems: list[str]) -> None:
    own = _OwnStems()
    own.add(" ".join(stems))
    assert all(own.may_hold(stem) for stem in stems)


def test_most_stems_a_municipality_lacks_are_said_to_be_lacking() -> None:
    own = _OwnStems()
    own.add(" ".join(f"ord{n}" for n in range(15_000)))  # a municipality with 1,000 overrides
    lacking = [f"andet{n}" for n in range(10_000)]
    said_to_be_held = sum(own.may_hold(stem) for stem in lacking)
    assert said_to_be_held < len(lacking) * 0.05
    assert not _OwnStems().may_hold("ord1")
