"""The CPR guard: personal identification numbers never go out by ordinary email.

A CPR number is DDMMYY-SSSS; the 7th digit fixes the century. Numbers issued since 2007 need
not pass the old modulus-11 check, so any date-valid ten digits count: refusing a few order
numbers is cheaper than mailing a citizen's CPR number in clear text.
"""

import re
import unicodedata
from datetime import date

from hotline.errors import Problem

# Six digits, an optional dash (any Unicode dash) or space, four digits; not inside a longer run.
_CANDIDATE = re.compile(r"(?<![0-9])([0-9]{6})[-\u2010-\u2015\u2212 \u00a0]?([0-9]{4})(?![0-9])")


class CprNumberInReply(Problem):
    status, slug, title = 422, "cpr-number-in-reply", "CPR number in reply"

    def __init__(self) -> None:
        super().__init__(
            "Svaret indeholder et CPR-nummer. Send aldrig CPR-numre med almindelig e-mail: "
            "brug Digital Post til personnumre. / The reply contains a Danish personal "
            "identification number (CPR); use Digital Post for CPR numbers, never email."
        )


def _century(year: int, seventh_digit: int) -> int:
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800


def _is_cpr(birth: str, serial: str) -> bool:
    day, month, year = int(birth[:2]), int(birth[2:4]), int(birth[4:])
    try:
        date(_century(year, int(serial[0])) + year, month, day)
    except ValueError:
        return False
    return True


def contains_cpr_number(text: str) -> bool:
    """True when ``text`` holds a date-valid CPR number, in any digit or dash style."""
    normalised = unicodedata.normalize("NFKC", text)
    return any(_is_cpr(*match.groups()) for match in _CANDIDATE.finditer(normalised))


def refuse_cpr_numbers(*texts: str | None) -> None:
    if any(text and contains_cpr_number(text) for text in texts):
        raise CprNumberInReply()
