"""The CPR guard: personal identification numbers never go out by email, nor are they kept.

A CPR number is DDMMYY-SSSS; the 7th digit fixes the century. Numbers issued since 2007 need
not pass the old modulus-11 check, so any date-valid ten digits count: refusing a few order
numbers is cheaper than mailing a citizen's CPR number in clear text.

People and paste buffers write it in many ways (``01.01.90-1234``, ``010190 - 1234``, a line
break or an invisible zero-width space inside, Arabic-Indic digits), so the text is normalised
first and the number is then looked for as *digit groups* with any run of separators (spaces,
line breaks, punctuation; never letters) between them:

- NFKC, then every format character (Unicode category Cf: zero-width space/joiner, word
  joiner, BOM, direction marks, soft hyphen) removed and every decimal digit of any script
  mapped to 0-9;
- consecutive digit groups that together hold a date (DDMMYY, also DD.MM.YY and with a
  four-digit year whose century agrees with the 7th digit) and four more digits are a CPR
  number; a window never starts or ends inside a group ("not part of a longer number");
- a date written in groups is followed by a gap, and the four serial digits may be split only
  by white space (``0 1 0 1 9 0 1 2 3 4``), so a time after a date (``01.01.2027 10.00``) or a
  second date (``01.01.27-10.01.27``) is not one.

Phone numbers (8 digits), amounts, postcodes, CVR (8) and EAN (13) numbers never hold a valid
date plus four digits on group boundaries, and a letter between numbers (``kl.``, ``tlf.``)
always separates them.
"""

import re
import unicodedata
from datetime import date
from itertools import pairwise
from typing import Any

from hotline.errors import Problem

_DIGIT_GROUP = re.compile(r"[0-9]+")
_LETTER_OR_MARK = re.compile(r"[^\W\d_]")  # any script's letters (and their marks)
_SERIAL_DIGITS = 4
_YEAR_RANGE = range(1858, 2058)  # what the 7th-digit rule can give


class CprNumberInText(Problem):
    """A text that would be sent or kept holds a CPR number. Each kind of text refuses with a
    subclass of its own that names it (``danish`` and ``english`` say what to do), so neither
    an API client nor the console blames the wrong text: an agent told that their reply holds
    the number while it is in the municipality's letterhead cannot fix anything."""

    status, slug, title = 422, "cpr-number-in-text", "CPR number in text"
    danish = (
        "Teksten indeholder et CPR-nummer. Gem eller send aldrig CPR-numre her: brug Digital "
        "Post til personnumre."
    )
    english = (
        "The text contains a Danish personal identification number (CPR); it may not be kept "
        "or sent here, use Digital Post."
    )

    def __init__(self, **extra: Any) -> None:
        super().__init__(f"{self.danish} / {self.english}", **extra)


class CprNumberInReply(CprNumberInText):
    slug, title = "cpr-number-in-reply", "CPR number in reply"
    danish = (
        "Svaret indeholder et CPR-nummer. Send aldrig CPR-numre med almindelig e-mail: brug "
        "Digital Post til personnumre."
    )
    english = (
        "The reply contains a Danish personal identification number (CPR); use Digital Post "
        "for CPR numbers, never email."
    )


def danish_cpr_message(slug: str) -> str | None:
    """The Danish words of the CPR problem called ``slug`` (None for any other slug): each
    domain's subclass is found once its module is imported, as the app imports them all."""
    pending: list[type[CprNumberInText]] = [CprNumberInText]
    while pending:
        problem = pending.pop()
        if problem.slug == slug:
            return problem.danish
        pending.extend(problem.__subclasses__())
    return None


class _CprCharacters(dict[int, str | None]):
    """``str.translate``'s table for ``normalise_for_cpr``, filled as characters are first met:
    a format character (category Cf: U+00AD soft hyphen, ZWSP, ZWJ, WJ, BOM, LRM/RLM) goes, a
    decimal digit of any script becomes 0-9, anything else stays. The guard reads every
    letter sent (a few thousand characters): one C loop instead of a Python step each."""

    def __missing__(self, code_point: int) -> str | None:
        char = chr(code_point)
        category = unicodedata.category(char)
        if category == "Cf":
            kept = None
        elif category == "Nd":
            kept = str(unicodedata.decimal(char))
        else:
            kept = char
        self[code_point] = kept
        return kept


_CPR_CHARACTERS = _CprCharacters()


def normalise_for_cpr(text: str) -> str:
    """NFKC, format characters and soft hyphens gone, every script's decimal digits as 0-9."""
    normalised = unicodedata.normalize("NFKC", text)
    if normalised.isascii():  # no format characters, and the digits are 0-9 already
        return normalised
    return normalised.translate(_CPR_CHARACTERS)


def _century(year: int, seventh_digit: int) -> int:
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800


def _is_date(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_cpr(digits: str) -> bool:
    """Ten digits DDMMYYSSSS, or twelve DDMMYYYYSSSS whose century agrees with the serial."""
    day, month = int(digits[:2]), int(digits[2:4])
    serial_start = int(digits[-_SERIAL_DIGITS])
    if len(digits) == 10:
        year = int(digits[4:6])
        return _is_date(day, month, _century(year, serial_start) + year)
    year = int(digits[4:8])
    return (
        year in _YEAR_RANGE
        and _century(year % 100, serial_start) == year - year % 100
        and _is_date(day, month, year)
    )


def contains_cpr_number(text: str) -> bool:
    """True when ``text`` holds a date-valid CPR number, however it is spelled."""
    normalised = normalise_for_cpr(text)
    groups = [(m.start(), m.end()) for m in _DIGIT_GROUP.finditer(normalised)]
    # joins[i]: may groups i and i+1 belong to one number, and is their gap only white space?
    joins: list[tuple[bool, bool]] = []
    for (_, end), (start, _) in pairwise(groups):
        gap = normalised[end:start]
        joins.append((_LETTER_OR_MARK.search(gap) is None, gap.isspace()))
    for first in range(len(groups)):
        digits = ""
        # (position in digits where a gap falls, gap is white space)
        gaps: list[tuple[int, bool]] = []
        last = first
        while last < len(groups):
            start, end = groups[last]
            digits += normalised[start:end]
            if len(digits) in (10, 12) and _serial_is_whole(digits, gaps) and _is_cpr(digits):
                return True
            if len(digits) >= 12 or last >= len(joins) or not joins[last][0]:
                break
            gaps.append((len(digits), joins[last][1]))
            last += 1
    return False


def _serial_is_whole(digits: str, gaps: list[tuple[int, bool]]) -> bool:
    """The serial starts after a gap (or the date is one group) and is split by white space at
    most: not ``10.00`` or ``10-01`` after a date, not ``2027 10`` cut into ``20|27 10``."""
    serial_start = len(digits) - _SERIAL_DIGITS
    date_split = any(position < serial_start for position, _ in gaps)
    starts_at_gap = any(position == serial_start for position, _ in gaps)
    if date_split and not starts_at_gap:
        return False
    return all(white for position, white in gaps if position > serial_start)


def refuse_cpr_numbers(
    *texts: str | None, problem: type[CprNumberInText] = CprNumberInText
) -> None:
    """Raise ``problem`` (name the kind of text: a reply, a note, a search) when any of
    ``texts`` holds a CPR number."""
    if any(text and contains_cpr_number(text) for text in texts):
        raise problem()
