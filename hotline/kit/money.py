"""Amounts of Danish kroner as people write them: ``1.600 kr.``, ``1.600,50``, ``195,-``,
``kr. 195`` (thousands ``.``, decimals ``,``), and as they are shown: ``1.600,00 kr.``.

A value that could mean two amounts (``1,600``: 1.600 kr. the English way or 1,60 kr. with a
stray zero) is refused with a message saying how to write it, never guessed.
"""

import re
from decimal import Decimal

from babel.numbers import format_decimal

MAX_KRONER = Decimal(1_000_000_000)
_CURRENCY = re.compile(r"^(?:kr\.?|dkk)\s*|\s*(?:kr\.?|dkk)$", re.IGNORECASE)
_WHOLE_DASH = re.compile(r"[,.]\s*[-\u2013\u2014]$")  # 195,- and 195.-
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PLAIN = re.compile(r"^\d+$")
_DANISH_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")  # 1.600, 1.600.000
_DANISH_DECIMALS = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+),\d{1,2}$")  # 1.600,50 and 12,5
_POINT_DECIMALS = re.compile(r"^\d+\.\d{1,2}$")  # 12.5, 1234.50 (as the API documents)
HOW_TO_WRITE = "write kroner as 1.600 or 1600, with øre as 1.600,50 (e.g. 195, 1.600 kr., 12,50)"


class AmountError(ValueError):
    """The text is not an amount of kroner, or could be read as two different amounts."""

    def __init__(self, message: str, danish: str | None = None) -> None:
        super().__init__(message)
        self.danish = danish or ""  # a Danish explanation beyond "write it like 1.600,50"


def parse_kroner(value: str | int | float) -> Decimal:
    """The amount ``value`` means; AmountError says why not and how to write it."""
    if isinstance(value, bool):
        raise AmountError(f"a yes/no is not an amount; {HOW_TO_WRITE}")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)  # 12.5, or 1e+28, which the patterns refuse
    else:
        text = value
    original = text.strip()
    if len(original) > 40:
        raise AmountError(f"that is too long for an amount; {HOW_TO_WRITE}")
    text = _CURRENCY.sub("", original).strip()
    text = _WHOLE_DASH.sub("", text)
    text = _SPACES.sub("", text)
    if text.startswith("-"):
        raise AmountError("an amount of kroner is 0 or more")
    if _PLAIN.match(text) or _POINT_DECIMALS.match(text):
        amount = Decimal(text)
    elif _DANISH_THOUSANDS.match(text):
        amount = Decimal(text.replace(".", ""))
    elif _DANISH_DECIMALS.match(text):
        amount = Decimal(text.replace(".", "").replace(",", "."))
    elif re.match(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$", text):
        kroner, rest = text.split(",", 1)
        thousands, ore = f"{kroner}.{rest[:3]}", f"{kroner},{rest[:2]}"
        raise AmountError(
            f"{original!r} is ambiguous: in Danish a comma starts the øre. Write {thousands} "
            f"for the thousands, or {ore} for kroner and øre",
            f"»{original}« kan læses på to måder. Skriv {thousands} for tusinder "
            f"eller {ore} for kroner og øre.",
        )
    else:
        raise AmountError(f"{original!r} is not an amount; {HOW_TO_WRITE}")
    if amount > MAX_KRONER:
        raise AmountError(f"{original!r} is more than {format_kroner(MAX_KRONER)}")
    return amount


def format_kroner(amount: Decimal) -> str:
    """``1.600,00 kr.``: what the console shows as understood."""
    return f"{format_decimal(amount, format='#,##0.00', locale='da_DK')} kr."
