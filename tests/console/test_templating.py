"""The console's template helpers."""

from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.console.templating import with_query

_NAMES = st.sampled_from(["kommune", "artikel", "kategori", "side", "år", "id"])
_VALUES = st.one_of(st.none(), st.text(max_size=20), st.integers(-5, 10**6))


@given(st.dictionaries(_NAMES, _VALUES, max_size=4))
@settings(max_examples=300, deadline=None)
def test_links_carry_their_parameters_as_urlencode_writes_them(params: dict[str, object]) -> None:
    kept = {name: value for name, value in params.items() if value not in (None, "")}
    query = urlencode(kept)
    assert with_query("/console/", **params) == (f"/console/?{query}" if query else "/console/")


def test_empty_parameters_are_left_out() -> None:
    assert (
        with_query("/console/", kommune="0751", artikel="", side=None) == "/console/?kommune=0751"
    )
    assert with_query("/console/") == "/console/"
