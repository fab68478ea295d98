"""Text rules shared by every domain that writes headers, letters or stored text."""

import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, GetCoreSchemaHandler, field_validator
from pydantic_core import PydanticCustomError, core_schema

NUL = "\x00"
NUL_CODE = "nul_character"


def holds_nul(value: object) -> bool:
    """Whether a value a client sent (a text, or texts in lists and mappings) holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_nul(item) for item in value)
    return False


def refuse_nul(value: object) -> object:
    """No text a client sends may hold a NUL character (U+0000): PostgreSQL cannot store one
    (a DataError), SQLite stores it and then every reader of the text gets it. Newlines and
    tabs stay allowed (multi-line texts need them); single lines refuse every control through
    ``HEADER_TEXT``."""
    if holds_nul(value):
        raise PydanticCustomError(NUL_CODE, "must not contain a NUL character (U+0000)")
    return value


def normalise_text(value: str) -> str:
    """One spelling of every stored text: ``\\n`` line endings and Unicode NFC.

    A browser submits a textarea with ``\\r\\n``; a Mac may send ``å`` as ``a`` plus a combining
    ring. Left as they come, one edited line makes every line of a diff differ, a text stops
    splitting into paragraphs at blank lines, and the same word no longer equals itself.
    """
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _normalised(value: object) -> object:
    """Stored text is normalised, and refuses a NUL (whatever model it is in)."""
    refuse_nul(value)
    return normalise_text(value) if isinstance(value, str) else value


def _composed(value: object) -> object:
    """NFC only: a line break in a header is refused, not converted."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def no_control_characters(value: str) -> str:
    """Header values (subject, display names) must never smuggle CR/LF or other controls."""
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValueError("must be a single line without control characters")
    return value


# Any text that is kept or sent (article bodies, notes, templates) is normalised before the
# length and other constraints are checked, so API, console forms and ``kb sync`` store the same.
# With constraints, write ``Annotated[str, Field(max_length=...), NORMALISED]``: the constraints
# stay string constraints ("at most 500 characters", ``string_too_long``), which they are not
# when they follow a validator, and the validator still runs first.
NORMALISED = BeforeValidator(_normalised)
StoredText = Annotated[str, NORMALISED]


class _HeaderText:
    """One line of text that may go into a mail header or a letterhead line: NFC, stripped, no
    control characters. Written after the field's length bounds
    (``Annotated[str, Field(max_length=200), HEADER_TEXT]``), it keeps them the string
    constraints they are (``string_too_long``, "at most 200 characters") and checks the text
    around them: a bound that follows a validator becomes a generic one (``too_long``, "at
    most 200 items")."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = handler(source)
        if text["type"] != "str":
            raise TypeError("HEADER_TEXT follows a str and its length bounds")
        stripped = core_schema.no_info_before_validator_function(
            _composed, {**text, "strip_whitespace": True}
        )
        return core_schema.no_info_after_validator_function(no_control_characters, stripped)


HEADER_TEXT = _HeaderText()


class InputModel(BaseModel):
    """The base of every schema a client fills in (API bodies, query models, console forms,
    the knowledge files): each field refuses a NUL character wherever in it a text is, before
    its own validation, so a new field cannot forget to (tests/test_inputs.py walks them)."""

    _no_nul = field_validator("*", mode="before")(refuse_nul)
