"""The texts a letterhead prints on every letter, and the CPR guard over them.

A CPR number saved in a letterhead would stand in every letter of the municipality: refused
when the letterhead is saved, and again when a letter is composed (a letterhead stored before
the save was guarded must not send one out either). The letter's visible text is checked as
well, but ``logo_alt`` only stands in an attribute, and a refusal of the whole letter would
blame the agent's reply for what the letterhead holds.
"""

from collections.abc import Sequence

from hotline.kit.cpr import CprNumberInText, contains_cpr_number
from hotline.letterheads.schemas import Theme

# Every text of a theme that a letter carries: ``sender_name`` also as the From name,
# ``logo_alt`` in the HTML's alt attribute only.
LETTERHEAD_TEXT_FIELDS = (
    "sender_name",
    "department",
    "closing",
    "address_lines",
    "signature_lines",
    "footer",
    "logo_alt",
)


class CprNumberInLetterhead(CprNumberInText):
    """``fields``: the theme's fields that hold a CPR number, for a client to point at."""

    slug, title = "cpr-number-in-letterhead", "CPR number in the letterhead"
    danish = (
        "Brevpapiret indeholder et CPR-nummer, og brevpapiret står i hvert brev, kommunen "
        "sender. Fjern nummeret fra brevpapiret (det kan kommunens administrator)."
    )
    english = (
        "The letterhead contains a Danish personal identification number (CPR); it would stand "
        "in every letter the municipality sends, so its administrator must remove it."
    )

    def __init__(self, fields: Sequence[str] = ()) -> None:
        super().__init__(fields=list(fields))
        self.fields = list(fields)


def fields_with_cpr_numbers(theme: Theme) -> list[str]:
    """The text fields of ``theme`` holding a CPR number (the lines of a list read as one text,
    so a number split over two lines is found too)."""
    found = []
    for name in LETTERHEAD_TEXT_FIELDS:
        value = getattr(theme, name)
        text = "\n".join(value) if isinstance(value, list) else value
        if text and contains_cpr_number(text):
            found.append(name)
    return found


def refuse_cpr_numbers_in_letterhead(theme: Theme) -> None:
    """Raise ``CprNumberInLetterhead`` naming the fields when any text of ``theme`` holds one."""
    fields = fields_with_cpr_numbers(theme)
    if fields:
        raise CprNumberInLetterhead(fields)
