"""One spelling of stored text (issue 14): what a browser, Windows or a Mac sends is stored
with ``\\n`` line endings and composed letters; headers stay single lines."""

import unicodedata
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from hotline.kit.markdown import first_link, html_to_text, markdown_to_html
from hotline.kit.text import HEADER_TEXT, StoredText, normalise_text


class Form(BaseModel):
    body: Annotated[StoredText, Field(max_length=5)]
    subject: Annotated[str, HEADER_TEXT] = "x"
    title: Annotated[str, Field(max_length=5), HEADER_TEXT] = "x"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\n\r\nb", "a\n\nb"), ("a\nb", "a\nb")],
)
def test_line_endings_become_newlines(sent: str, stored: str) -> None:
    assert normalise_text(sent) == stored
    assert Form(body=sent).body == stored


def test_letters_are_stored_composed_and_lengths_count_them_once() -> None:
    decomposed = unicodedata.normalize("NFD", "Århus")
    assert len(decomposed) == 6
    assert Form(body=decomposed).body == "Århus"  # 5 characters: within max_length=5
    assert Form(body="a", subject=decomposed).subject == "Århus"


def test_a_header_still_refuses_a_line_break_instead_of_converting_it() -> None:
    with pytest.raises(ValidationError):
        Form(body="a", subject="Svar\r\nBcc: x@example.dk")


def test_a_header_too_long_is_refused_as_text_counted_once_composed_and_stripped() -> None:
    assert Form(body="a", title=f"  {unicodedata.normalize('NFD', 'Århus')}  ").title == "Århus"
    with pytest.raises(ValidationError) as refused:
        Form(body="a", title="Aarhus")
    assert [error["type"] for error in refused.value.errors()] == ["string_too_long"]


def test_mail_text_reads_like_text_and_keeps_the_addresses_of_links() -> None:
    html = markdown_to_html(
        "## Pas\n\nDet koster **800 kr.** Se [borger.dk](https://www.borger.dk/pas) "
        "eller https://aarhus.dk/pas.\n\n- Bestil tid\n- Mød op"
    )
    assert '<a href="https://aarhus.dk/pas"' in html  # a bare address is a link
    text = html_to_text(html)
    assert text.splitlines()[0] == "Pas"
    assert "Det koster 800 kr. Se borger.dk (https://www.borger.dk/pas) eller" in text
    assert "https://aarhus.dk/pas." in text and "(https://aarhus.dk/pas)" not in text
    assert "* Bestil tid" in text
    assert "**" not in text and "#" not in text


def test_the_first_web_address_of_a_text_is_found_without_trailing_punctuation() -> None:
    assert first_link("Læs [mere](https://www.borger.dk/a). Og https://x.dk") == (
        "https://www.borger.dk/a"
    )
    assert first_link("Se https://aarhus.dk/pas.") == "https://aarhus.dk/pas"
    assert first_link("Ingen adresse her.") is None
