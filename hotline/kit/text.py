"""Text rules shared by every domain that writes headers, letters or stored text."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints


def normalise_text(value: str) -> str:
    """One spelling of every stored text: ``\\n`` line endings and Unicode NFC.

    A browser submits a textarea with ``\\r\\n``; a Mac may send ``å`` as ``a`` plus a combining
    ring. Left as they come, one edited line makes every line of a diff differ, a text stops
    splitting into paragraphs at blank lines, and the same word no longer equals itself.
    """
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _normalised(value: object) -> object:
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

# One line of text that may go into a mail header or a letterhead line.
HeaderText = Annotated[
    str,
    BeforeValidator(_composed),
    StringConstraints(strip_whitespace=True),
    AfterValidator(no_control_characters),
]
