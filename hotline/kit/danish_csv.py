"""CSV for Danish Excel: UTF-8 with BOM, ``;`` between fields, CRLF, decimal comma.
(Moved here from hotline/contacts/reports.py so every domain's report exports the same way.)"""

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal


def danish_number(value: float | Decimal | int | None, decimals: int = 1) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.{decimals}f}".replace(".", ",")


def danish_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with BOM, ``;`` between fields, CRLF: what a Danish Excel opens as columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
