"""Rollups: the year-long reports read per-day aggregates instead of half a million contacts.

A rollup is a table of aggregates per Copenhagen day (and its other grain columns) plus the
statement that computes those rows from the live tables (``Rollup.aggregate``). The worker's
hourly housekeeping (``refresh``) writes every finished day once and rewrites the days whose
rows changed since (a contact corrected or closed late, a forward handled, a survey answered),
found by the ``updated_at``-style timestamps (``Rollup.changed_days``).

A report never waits for the worker and never reads a stale figure: ``report_source`` returns
one subquery shaped like the rollup table, the rollup's rows for the finished, unchanged days
UNION ALL the same aggregate computed live for the rest (today's partial data, days not yet
rolled up, days changed after the last refresh). The report groups and scopes that subquery as
it would the table, so the rolled-up answer is the live answer.

The contact rollup is here; satisfaction's reuses the machinery with its own table.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Table,
    delete,
    distinct,
    false,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from hotline.contacts.calendar import local
from hotline.contacts.models import Contact, RollupState

# Rows are stamped when flushed but become visible when committed: a transaction still open
# when the refresh reads could commit rows older than its start. Everything changed within this
# margin before a refresh is looked at again by the next one.
COMMIT_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Rollup:
    name: str
    table: Table
    # The rollup rows of the contacts whose day matches the condition, columns in table order.
    aggregate: Callable[[ColumnElement[bool]], Select]
    # The days (a ``local_date`` column) with source rows changed after a moment.
    changed_days: Callable[[datetime], Select]
    # The report groupings it answers (a GroupBy value -> its key columns in the table) ...
    groupings: Mapping[str, tuple[str, ...]]
    # ... and whether it keeps the municipality (so it answers a municipality's own figures);
    # without it, it answers only readers who see every municipality, unfiltered.
    per_municipality: bool


def _changed(
    session: Session, rollup: Rollup, since: datetime, first: date, last: date
) -> set[date]:
    changed = rollup.changed_days(since - COMMIT_MARGIN).subquery()
    days = select(changed.c.local_date).where(changed.c.local_date.between(first, last))
    return set(session.scalars(days.distinct()))


def _days(days: Collection[date]) -> ColumnElement[bool]:
    return Contact.local_date.in_(sorted(days)) if days else false()


def refresh(session: Session, rollup: Rollup, now: datetime) -> int:
    """Roll up every finished day not yet in the table, and redo the days changed since the last
    refresh. Returns the number of days (re)written."""
    through = local(now).date() - timedelta(days=1)
    # every worker runs housekeeping: the state row's lock makes a second refresh wait for the
    # first and then find nothing left to do
    state = session.get(RollupState, rollup.name, with_for_update=True)
    table = rollup.table
    if state is None:
        session.execute(delete(table))
        condition: ColumnElement[bool] = Contact.local_date <= through
        state = RollupState(name=rollup.name, rolled_through=through, watermark=now)
        session.add(state)
        days = None
    else:
        after = state.rolled_through
        redone = _changed(session, rollup, state.watermark, date.min, after)
        session.execute(
            delete(table).where((table.c.local_date > after) | table.c.local_date.in_(redone))
        )
        new_days = (Contact.local_date > after) & (Contact.local_date <= through)
        condition = new_days | _days(redone)
        state.rolled_through, state.watermark = max(through, after), now
        days = len(redone) + max(0, (through - after).days)
    session.execute(insert(table).from_select(list(table.c.keys()), rollup.aggregate(condition)))
    session.flush()
    if days is None:  # the first build: every day with a row
        days = session.scalar(select(func.count(distinct(table.c.local_date)))) or 0
    return days


def report_source(session: Session, rollup: Rollup, date_from: date, date_to: date) -> Subquery:
    """The rollup's rows for ``date_from``..``date_to``: from the table where it is current,
    computed live elsewhere, one subquery with the table's columns."""
    table = rollup.table
    period = Contact.local_date.between(date_from, date_to)
    state = session.get(RollupState, rollup.name)
    if state is None or state.rolled_through < date_from:
        return rollup.aggregate(period).subquery(f"{table.name}_live")
    rolled_to = min(date_to, state.rolled_through)
    changed = _changed(session, rollup, state.watermark, date_from, rolled_to)
    rolled = select(table).where(table.c.local_date.between(date_from, rolled_to))
    if changed:
        rolled = rolled.where(table.c.local_date.not_in(sorted(changed)))
    live = rollup.aggregate(period & ((Contact.local_date > rolled_to) | _days(changed)))
    return rolled.union_all(live).subquery(f"{table.name}_current")
