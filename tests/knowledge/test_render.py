"""Fact substitution is sandboxed: text written by municipalities can never run code."""

import pytest

from hotline.knowledge.models import FactType
from hotline.knowledge.resolve import format_fact, markdown_to_html, render_facts

ATTACKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ kommune_navn.__class__ }}",
    "{{ kommune_navn|upper }}",
    "{{ lipsum() }}",
    "{{ 7 * 7 }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{% set kommune_navn = 'x' %}",
    "{# comment #}",
    "{{ kommune_navn }",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_anything_but_a_plain_fact_lookup_stays_literal_text(attack: str) -> None:
    text, missing, used = render_facts(f"Før {attack} efter", {"kommune_navn": "Aarhus"})
    assert text == f"Før {attack} efter"
    assert (missing, used) == ([], [])


def test_plain_lookups_are_substituted_next_to_literal_jinja() -> None:
    text, missing, used = render_facts(
        "{{kommune_navn}} / {{ kommune_navn.upper() }} / {{ telefon }}",
        {"kommune_navn": "Aarhus"},
    )
    assert text == "Aarhus / {{ kommune_navn.upper() }} / [mangler: telefon]"
    assert (missing, used) == (["telefon"], ["kommune_navn", "telefon"])


def test_values_are_inserted_verbatim_never_evaluated() -> None:
    value = "{{ 7 * 7 }} {% raw %}"
    text, _, _ = render_facts("Værdi: {{ note }}", {"note": value})
    assert text == f"Værdi: {value}"


def test_markup_in_values_or_local_text_never_becomes_live_html() -> None:
    text, _, _ = render_facts("Se {{ link }}", {"link": "<script>alert(1)</script>"})
    html = markdown_to_html(text + "\n\n<img src=x onerror=alert(1)> [y](javascript:alert(1))")
    assert "&lt;script&gt;" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


@pytest.mark.parametrize(
    ("value", "shown"),
    [("893", "893"), ("1234.5", "1.234,50"), ("1234567", "1.234.567"), ("12,5", "12,50")],
)
def test_money_is_a_danish_amount(value: str, shown: str) -> None:
    assert format_fact(FactType.MONEY, value) == shown


def test_other_types_are_shown_as_written() -> None:
    assert format_fact(FactType.PHONE, "+45 89 40 20 00") == "+45 89 40 20 00"
