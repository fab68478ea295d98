"""Text rules shared by every domain that writes headers or letters."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def no_control_characters(value: str) -> str:
    """Header values (subject, display names) must never smuggle CR/LF or other controls."""
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValueError("must be a single line without control characters")
    return value


# One line of text that may go into a mail header or a letterhead line.
HeaderText = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(no_control_characters)
]
