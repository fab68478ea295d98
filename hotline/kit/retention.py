"""Erasing personal data past its retention period, one statement per table: the row stays,
anonymised (``erased_at`` set, the personal columns emptied), so statistics do not change. Each
domain names its timestamp, period and columns; the rule (once, bump the version) lives here."""

from datetime import datetime
from typing import Any

from sqlalchemy import SQLColumnExpression, update
from sqlalchemy.orm import Session


def erase_rows_past(
    session: Session,
    model: Any,
    *,
    reference: SQLColumnExpression[datetime],
    cutoff: datetime,
    now: datetime,
    erased: dict[str, Any],
) -> int:
    """Set ``erased`` on every not yet erased row of ``model`` whose ``reference`` time is before
    ``cutoff``; returns how many. ``model`` has ``erased_at`` and an optimistic ``version``, bumped
    so that an editor holding the old row cannot write the details back."""
    result = session.execute(
        update(model)
        .where(reference < cutoff, model.erased_at.is_(None))
        .values(**erased, erased_at=now, version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
