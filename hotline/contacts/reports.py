"""The numbers: contact reports for a period, the monthly statement, CSV for Danish Excel.

Scoping is in the query (``scope_contacts``): a municipality admin counts only their own
municipality, supervisors and operators count every one (and may compare municipalities), an
agent counts the contacts they handled. Nothing here returns a citizen's details or a note.

Median and p90 handling time: PostgreSQL computes them in the aggregate (percentile_cont);
SQLite has no percentile function, so the handling times of the same scoped query are read in
one ordered pass and interpolated the same way (linear, as percentile_cont).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    cast,
    func,
    null,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import (
    Action,
    can,
    require,
    scope_contacts,
    scope_to_municipalities,
)
from hotline.config import Settings
from hotline.contacts import rollup
from hotline.contacts.models import (
    CONTACT_MEASURES,
    FIRST_CONTACT_RESOLUTION,
    HANDLING_BUCKETS,
    HANDLING_EDGES,
    Channel,
    Contact,
    ContactPrice,
    ForwardState,
    Outcome,
    contact_daily_rollups,
    contact_hourly_rollups,
)
from hotline.contacts.rollup import Rollup
from hotline.db import upsert_versioned, utcnow
from hotline.errors import Forbidden, InvalidInput
from hotline.kit.danish_csv import danish_csv, danish_number
from hotline.municipalities.models import Municipality

MAX_PERIOD = timedelta(days=800)


class PeriodEndsBeforeStart(InvalidInput):
    slug, title = "period-ends-before-start", "The period ends before it starts"


class PeriodTooLong(InvalidInput):
    slug, title = "period-too-long", "The period is longer than a report covers"


class UnknownMunicipality(InvalidInput):
    slug, title = "unknown-municipality", "No municipality has that code"


class GroupBy(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    HOUR_WEEKDAY = "hour_weekday"
    CHANNEL = "channel"
    TOPIC = "topic"
    OUTCOME = "outcome"
    AGENT = "agent"
    MUNICIPALITY = "municipality"  # the comparison: supervisors and operators only


_KEYS: dict[GroupBy, tuple[Any, ...]] = {
    GroupBy.DAY: (Contact.local_date,),
    GroupBy.WEEK: (Contact.local_week,),
    GroupBy.MONTH: (Contact.local_month,),
    GroupBy.HOUR_WEEKDAY: (Contact.local_weekday, Contact.local_hour),
    GroupBy.CHANNEL: (Contact.channel,),
    GroupBy.TOPIC: (Contact.topic,),
    GroupBy.OUTCOME: (Contact.outcome,),
    GroupBy.AGENT: (Contact.agent_id,),
    GroupBy.MUNICIPALITY: (Contact.municipality_code,),
}


@dataclass(frozen=True)
class ReportQuery:
    date_from: date  # Copenhagen dates, both included
    date_to: date
    group_by: GroupBy = GroupBy.DAY
    municipality: str | None = None


@dataclass
class ReportRow:
    key: tuple[Any, ...]
    contacts: int
    closed: int
    median_seconds: float | None
    p90_seconds: float | None
    first_contact_resolved: int
    forwarded: int
    forwards: int
    forwards_in_time: int
    non_member: int

    @property
    def first_contact_share(self) -> float | None:
        return self.first_contact_resolved / self.closed if self.closed else None

    @property
    def forwarded_share(self) -> float | None:
        return self.forwarded / self.closed if self.closed else None

    @property
    def forwards_in_time_share(self) -> float | None:
        return self.forwards_in_time / self.forwards if self.forwards else None


@dataclass
class Report:
    query: ReportQuery
    rows: list[ReportRow]
    total: ReportRow
    labels: dict[Any, str] = field(default_factory=dict)  # agent id -> name, code -> name


def authorise_report(session: Session, user: User, query: ReportQuery) -> None:
    """Who may read a report over contacts (satisfaction reports ask the same)."""
    if query.date_to < query.date_from:
        raise PeriodEndsBeforeStart("The period ends before it starts.")
    if query.date_to - query.date_from > MAX_PERIOD:
        raise PeriodTooLong("A report covers at most two years.")
    if not (
        can(user, Action.READ_CONTACT_REPORTS, user.municipality_code)
        or can(user, Action.SEND_REPLY)
    ):
        raise Forbidden(f"Your role ({user.role}) may not read contact reports.")
    if query.group_by is GroupBy.MUNICIPALITY:
        require(user, Action.COMPARE_MUNICIPALITIES)
    if query.municipality is not None:
        if session.get(Municipality, query.municipality) is None:
            raise UnknownMunicipality(f"No municipality {query.municipality}.")
        if not can(user, Action.SEND_REPLY):  # an agent's own rows may be filtered freely
            require(user, Action.READ_CONTACT_REPORTS, query.municipality)


def scoped_contacts(stmt: Select, user: User, query: ReportQuery) -> Select:
    """The period, the municipality filter and the role's scope: shared by every figure."""
    stmt = stmt.where(Contact.local_date >= query.date_from, Contact.local_date <= query.date_to)
    if query.municipality is not None:
        stmt = stmt.where(Contact.municipality_code == query.municipality)
    return scope_contacts(
        stmt, user, Action.READ_CONTACT_REPORTS, Contact.municipality_code, Contact.agent_id
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _interpolated(values: Sequence[int], fraction: float) -> float | None:
    """percentile_cont over sorted ``values``."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def _contact_measures() -> list[ColumnElement[int]]:
    """The counted figures of ReportRow (CONTACT_MEASURES), over contacts."""
    return [
        func.count(Contact.id),
        func.count(Contact.ended_at),
        _count_if(Contact.outcome.in_([o.value for o in FIRST_CONTACT_RESOLUTION])),
        _count_if(Contact.outcome == Outcome.FORWARDED.value),
        func.count(Contact.forward_state),
        _count_if(Contact.forward_state == ForwardState.IN_TIME.value),
        _count_if(Contact.member.is_(False)),
    ]


def contact_report(
    session: Session, user: User, query: ReportQuery, *, live: bool = False
) -> Report:
    """The report for ``query`` as ``user`` may see it. A period longer than ROLLUP_FROM reads
    the contact rollup where it can (``live=True`` forces the aggregation over the contacts)."""
    authorise_report(session, user, query)
    chosen = None if live else rollup_for(CONTACT_ROLLUPS, user, query)
    if chosen is not None:
        return _rolled_up_report(session, chosen, user, query)
    keys = _KEYS[query.group_by]
    postgres = session.get_bind().dialect.name == "postgresql"
    measures: list[Any] = _contact_measures()
    if postgres:
        measures += [
            func.percentile_cont(0.5).within_group(Contact.handling_seconds),
            func.percentile_cont(0.9).within_group(Contact.handling_seconds),
        ]
    stmt = scoped_contacts(select(*keys, *measures), user, query)
    if postgres:  # the groups and the total in one scan: GROUPING SETS ((keys), ())
        stmt = stmt.add_columns(func.grouping(*keys)).group_by(
            func.grouping_sets(tuple_(*keys), tuple_())
        )
    else:
        stmt = stmt.group_by(*keys)
    width = len(keys)
    rows: list[ReportRow] = []
    total: ReportRow | None = None
    for record in session.execute(stmt.order_by(*keys)):
        values = tuple(record)
        key, counted = values[:width], values[width:]
        median, p90 = (counted[7], counted[8]) if postgres else (None, None)
        contacts, closed, resolved, forwarded, forwards, in_time, non_member = map(int, counted[:7])
        row = ReportRow(key, contacts, closed, _num(median), _num(p90), resolved, forwarded,
                        forwards, in_time, non_member)  # fmt: skip
        if postgres and counted[9]:  # the grand total of the grouping sets
            row.key, total = (), row
        else:
            rows.append(row)
    if total is None:
        total = _total(rows)
    if not postgres:
        _sqlite_percentiles(session, user, query, keys, rows, total)
    return Report(query, rows, total, group_labels(session, query.group_by, rows))


# ---------------------------------------------------------------------------- the rollup

# A report over more than a month reads a rollup; shorter ones stay exact to the second.
ROLLUP_FROM = timedelta(days=31)
_HANDLING_LOWS = (0, *HANDLING_EDGES)
_HANDLING_HIGHS: tuple[int | None, ...] = (*HANDLING_EDGES, None)


def rollup_for(rollups: Iterable[Rollup], user: User, query: ReportQuery) -> Rollup | None:
    """The first rollup that answers ``query`` for ``user``: a long period, a grouping it keeps,
    and a reader it can scope. A rollup per municipality answers whoever reads by municipality
    (admins, supervisors, operators); one over every municipality only those who see all,
    unfiltered. An agent's own contacts are counted live: no rollup keeps the agent, and one
    agent's year is small. So is one municipality's heatmap."""
    if query.date_to - query.date_from < ROLLUP_FROM:
        return None
    for candidate in rollups:
        if query.group_by not in candidate.groupings:
            continue
        if candidate.per_municipality:
            if can(user, Action.READ_CONTACT_REPORTS, user.municipality_code):
                return candidate
        elif query.municipality is None and can(user, Action.READ_CONTACT_REPORTS):
            return candidate
    return None


def rolled_up(
    session: Session, chosen: Rollup, user: User, query: ReportQuery, measures: Sequence[str]
) -> list[Sequence[Any]]:
    """(*key, *sums of ``measures``) per group of ``query``, from ``chosen``: the period, the
    municipality filter and the role's scope as ``scoped_contacts`` applies them to contacts."""
    source = rollup.report_source(session, chosen, query.date_from, query.date_to)
    keys = [source.c[name] for name in chosen.groupings[query.group_by]]
    stmt = select(*keys, *(func.sum(source.c[name]) for name in measures))
    if chosen.per_municipality:
        if query.municipality is not None:
            stmt = stmt.where(source.c.municipality_code == query.municipality)
        no_agent = cast(null(), Integer)  # never reached: rollup_for counts agents live
        stmt = scope_contacts(
            stmt, user, Action.READ_CONTACT_REPORTS, source.c.municipality_code, no_agent
        )
    return list(session.execute(stmt.group_by(*keys).order_by(*keys)))


def _contact_rollup_rows(*grain: Any) -> Callable[[ColumnElement[bool]], Select]:
    def rows(days: ColumnElement[bool]) -> Select:
        histogram = [
            _count_if((Contact.handling_seconds >= low) & (Contact.handling_seconds < high))
            if high is not None
            else _count_if(Contact.handling_seconds >= low)
            for low, high in zip(_HANDLING_LOWS, _HANDLING_HIGHS, strict=True)
        ]
        figures = zip(
            _contact_measures() + histogram, CONTACT_MEASURES + HANDLING_BUCKETS, strict=True
        )
        labelled = [figure.label(name) for figure, name in figures]
        return select(*grain, *labelled).where(days).group_by(*grain)

    return rows


def _contact_changed_days(since: datetime) -> Select:
    return select(Contact.local_date).where(Contact.updated_at > since)


CONTACT_ROLLUPS = (
    Rollup(
        "contacts_hourly",
        contact_hourly_rollups,
        _contact_rollup_rows(Contact.local_date, Contact.local_hour, Contact.local_weekday),
        _contact_changed_days,
        {
            GroupBy.HOUR_WEEKDAY: ("local_weekday", "local_hour"),
            GroupBy.DAY: ("local_date",),
        },
        per_municipality=False,
    ),
    Rollup(
        "contacts_daily",
        contact_daily_rollups,
        _contact_rollup_rows(
            Contact.local_date, Contact.municipality_code, Contact.local_week, Contact.local_month
        ),
        _contact_changed_days,
        {
            GroupBy.DAY: ("local_date",),
            GroupBy.WEEK: ("local_week",),
            GroupBy.MONTH: ("local_month",),
            GroupBy.MUNICIPALITY: ("municipality_code",),
        },
        per_municipality=True,
    ),
)


def refresh_contact_rollups(session: Session, settings: Settings, now: datetime) -> int:
    """Housekeeping: the contact rollups up to yesterday, changed days redone."""
    return sum(rollup.refresh(session, each, now) for each in CONTACT_ROLLUPS)


def _ranked(counts: Sequence[int], rank: int) -> float:
    """The ``rank``-th smallest handling time (0-based), the bucket's contacts spread evenly
    across it: within the bucket of the true value (the open last bucket reads as its start)."""
    below = 0
    for count, low, high in zip(counts, _HANDLING_LOWS, _HANDLING_HIGHS, strict=True):
        if rank < below + count:
            return float(low) if high is None else low + (rank - below + 0.5) / count * (high - low)
        below += count
    raise ValueError(f"rank {rank} of {below}")


def _histogram_percentile(counts: Sequence[int], fraction: float) -> float | None:
    """percentile_cont over a handling-time histogram (the same linear interpolation between
    the two ranks around the fraction): within one bucket width of the exact value, 30 s up to
    10 minutes."""
    total = sum(counts)
    if not total:
        return None
    position = (total - 1) * fraction
    lower = int(position)
    low, high = _ranked(counts, lower), _ranked(counts, min(lower + 1, total - 1))
    return low + (high - low) * (position - lower)


def _rolled_up_report(session: Session, chosen: Rollup, user: User, query: ReportQuery) -> Report:
    width, measured = len(chosen.groupings[query.group_by]), len(CONTACT_MEASURES)
    rows: list[ReportRow] = []
    everything = [0] * len(HANDLING_BUCKETS)
    for record in rolled_up(session, chosen, user, query, CONTACT_MEASURES + HANDLING_BUCKETS):
        key, counted = tuple(record[:width]), [int(n or 0) for n in record[width:]]
        histogram = counted[measured:]
        everything = [a + b for a, b in zip(everything, histogram, strict=True)]
        rows.append(_rolled_up_row(key, counted[:measured], histogram))
    total = _total(rows)
    total.median_seconds = _histogram_percentile(everything, 0.5)
    total.p90_seconds = _histogram_percentile(everything, 0.9)
    return Report(query, rows, total, group_labels(session, query.group_by, rows))


def _rolled_up_row(key: tuple[Any, ...], counts: list[int], histogram: list[int]) -> ReportRow:
    contacts, closed, resolved, forwarded, forwards, in_time, non_member = counts
    median, p90 = _histogram_percentile(histogram, 0.5), _histogram_percentile(histogram, 0.9)
    return ReportRow(key, contacts, closed, median, p90, resolved, forwarded, forwards, in_time,
                     non_member)  # fmt: skip


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _total(rows: Iterable[ReportRow]) -> ReportRow:
    total = ReportRow((), 0, 0, None, None, 0, 0, 0, 0, 0)
    for row in rows:
        for name in ("contacts", "closed", "first_contact_resolved", "forwarded", "forwards",
                     "forwards_in_time", "non_member"):  # fmt: skip
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


def _sqlite_percentiles(
    session: Session,
    user: User,
    query: ReportQuery,
    keys: tuple[Any, ...],
    rows: list[ReportRow],
    total: ReportRow,
) -> None:
    stmt = scoped_contacts(
        select(*keys, Contact.handling_seconds).where(Contact.handling_seconds.is_not(None)),
        user,
        query,
    ).order_by(Contact.handling_seconds)
    by_key: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    everything: list[int] = []
    width = len(keys)
    for record in session.execute(stmt):
        values = tuple(record)
        by_key[values[:width]].append(values[width])
        everything.append(values[width])
    for row in rows:
        times = by_key.get(row.key, [])
        row.median_seconds, row.p90_seconds = _interpolated(times, 0.5), _interpolated(times, 0.9)
    total.median_seconds, total.p90_seconds = (
        _interpolated(everything, 0.5),
        _interpolated(everything, 0.9),
    )


def group_labels(session: Session, group_by: GroupBy, rows: list[ReportRow]) -> dict[Any, str]:
    if group_by is GroupBy.AGENT:
        ids = [row.key[0] for row in rows]
        return {u.id: u.full_name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    if group_by is GroupBy.MUNICIPALITY:
        codes = [row.key[0] for row in rows]
        found = session.scalars(select(Municipality).where(Municipality.code.in_(codes)))
        return {m.code: m.name for m in found}
    return {}


WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
# Each channel's Danish name: the one every person reads (the console's tables, the CSV, the
# desk's email).
CHANNEL_NAMES = {
    Channel.PHONE: "Telefon",
    Channel.EMAIL: "E-mail",
    Channel.CHAT: "Chat",
    Channel.MEETING: "Møde",
}


def channel_name(channel: str) -> str:
    """A stored channel ("phone") by its Danish name."""
    return CHANNEL_NAMES[Channel(channel)]


OUTCOME_NAMES = {
    "answered": "besvaret",
    "reply_sent": "svar sendt",
    "forwarded": "videresendt",
    "callback_agreed": "aftalt at ringe op",
    "referred": "henvist",
    "dropped": "afbrudt",
    None: "åben",
}


def key_label(report: Report, key: tuple[Any, ...], *, personal: bool = True) -> str:
    """A row's key in Danish; with ``personal=False`` (exports) an agent is their account id."""
    group_by = report.query.group_by
    value: Any = key[0] if key else None
    if group_by is GroupBy.HOUR_WEEKDAY:
        return f"{WEEKDAY_NAMES[key[0]]} kl. {key[1]:02d}"
    if group_by is GroupBy.WEEK:
        year, week, _ = value.isocalendar()
        return f"uge {week} {year}"
    if group_by is GroupBy.MONTH:
        return f"{value:%m.%Y}"
    if group_by is GroupBy.DAY:
        return f"{value:%d.%m.%Y}"
    if group_by is GroupBy.CHANNEL:
        return channel_name(value)
    if group_by is GroupBy.OUTCOME:
        return OUTCOME_NAMES.get(value, str(value))
    if group_by is GroupBy.AGENT:
        return report.labels.get(value, f"agent {value}") if personal else f"agent {value}"
    if group_by is GroupBy.MUNICIPALITY:
        return f"{value} {report.labels.get(value, '')}".strip()
    return str(value) if value is not None else "(uden emne)"


# ---------------------------------------------------------------------------- statement


@dataclass
class Statement:
    municipality_code: str
    municipality_name: str
    member: bool
    month: date
    by_channel_and_outcome: dict[tuple[str, str], int]
    total: int
    price_per_contact: Decimal | None
    amount: Decimal | None


def _price_from(month: date) -> Any:
    """The price in force for ``month``: the latest set from that month or before."""
    return (
        select(ContactPrice.price_per_contact)
        .where(ContactPrice.valid_from <= month)
        .order_by(ContactPrice.valid_from.desc())
        .limit(1)
        .scalar_subquery()
    )


def statement_municipalities(session: Session, user: User) -> list[Municipality]:
    """The municipalities whose monthly statement ``user`` may read, by name: the console's
    chooser (every municipality for those who see them all, an admin's own alone). Refused
    when there is none, as for an agent, whose numbers are the contacts they handled."""
    require(user, Action.READ_CONTACT_REPORTS, user.municipality_code)
    everyone = select(Municipality).order_by(Municipality.name)
    return list(
        session.scalars(
            scope_to_municipalities(everyone, user, Action.READ_CONTACT_REPORTS, Municipality.code)
        )
    )


def monthly_statement(session: Session, user: User, code: str, month: date) -> Statement:
    """The cost-sharing basis for one municipality and month: contacts by channel and outcome
    (open ones as 'åben'), priced when an operator has set a price for that month. One
    statement: the municipality, the price in force and the counts."""
    require(user, Action.READ_CONTACT_REPORTS, code)
    month = month.replace(day=1)
    price_column = _price_from(month).label("price")
    stmt = (
        select(
            Municipality.name,
            Municipality.member,
            price_column,
            Contact.channel,
            Contact.outcome,
            func.count(Contact.id),
        )
        .outerjoin(
            Contact,
            (Contact.municipality_code == Municipality.code) & (Contact.local_month == month),
        )
        .where(Municipality.code == code)
        .group_by(Municipality.name, Municipality.member, Contact.channel, Contact.outcome)
    )
    found = session.execute(stmt).all()
    if not found:
        raise UnknownMunicipality(f"No municipality {code}.")
    name, member, price = found[0][0], found[0][1], found[0][2]
    counts = {
        (channel, outcome or ""): int(n) for *_, channel, outcome, n in found if channel is not None
    }
    total = sum(counts.values())
    if price is not None:
        price = Decimal(price)
    amount = (price * total).quantize(Decimal("0.01"), ROUND_HALF_UP) if price is not None else None
    return Statement(code, name, member, month, counts, total, price, amount)


def prices(session: Session, user: User) -> list[ContactPrice]:
    """Every price set, newest month first (for whoever may set them)."""
    require(user, Action.SET_CONTACT_PRICE)
    return list(session.scalars(select(ContactPrice).order_by(ContactPrice.valid_from.desc())))


def set_price(
    session: Session,
    user: User,
    valid_from: date,
    price: Decimal,
    expected_version: str | None = None,
) -> ContactPrice:
    """The price per contact from ``valid_from``'s month on; ``expected_version`` (the version
    read, ``revision_version``) refuses to overwrite a change made since. Without one, the
    same price set twice at once (a double click) is saved once each, the later one winning."""
    require(user, Action.SET_CONTACT_PRICE)
    valid_from = valid_from.replace(day=1)
    what = f"the price from {valid_from:%m.%Y}"
    values = {
        "valid_from": valid_from,
        "price_per_contact": price,
        "set_by": user.email,
        "set_at": utcnow(),
    }
    return upsert_versioned(
        session, ContactPrice, values, expected_version=expected_version, what=what
    )


def money(amount: Decimal) -> str:
    """``1.600,50 kr.``"""
    return f"{format_decimal(amount, format='#,##0.00', locale='da_DK')} kr."


# ---------------------------------------------------------------------------- CSV


# The report's columns, in order: the figure each shows (its key in ``report_json``) and its
# Danish heading, the one the console's table (the chart's twin), its chart and the CSV for a
# Danish Excel all show. ``report_values`` gives the cells in this order.
REPORT_COLUMNS = {
    "label": "Gruppe",
    "contacts": "Henvendelser",
    "closed": "Afsluttede",
    "median_seconds": "Behandlingstid, median (sekunder)",
    "p90_seconds": "Behandlingstid, 90 % (sekunder)",
    "first_contact_share": "Løst ved første kontakt (%)",
    "forwarded_share": "Videresendt (%)",
    "forwards": "Videresendelser",
    "forwards_in_time_share": "Håndteret til tiden (%)",
    "non_member": "Ikke medlem",
}
STATEMENT_COLUMNS = ("Kanal", "Udfald", "Henvendelser")  # the statement's page and CSV


def _share(value: float | None) -> str:
    return danish_number(None if value is None else value * 100)


def report_values(report: Report, row: ReportRow, *, personal: bool) -> list[str]:
    return [
        key_label(report, row.key, personal=personal) if row.key else "i alt",
        str(row.contacts),
        str(row.closed),
        danish_number(row.median_seconds),
        danish_number(row.p90_seconds),
        _share(row.first_contact_share),
        _share(row.forwarded_share),
        str(row.forwards),
        _share(row.forwards_in_time_share),
        str(row.non_member),
    ]


def report_csv(report: Report) -> bytes:
    """The report's rows and total, no personal data (agents by account id)."""
    rows = [report_values(report, row, personal=False) for row in [*report.rows, report.total]]
    return danish_csv(list(REPORT_COLUMNS.values()), rows)


def statement_csv(statement: Statement) -> bytes:
    rows = [
        [channel_name(channel), OUTCOME_NAMES.get(outcome or None, outcome), str(n)]
        for (channel, outcome), n in sorted(statement.by_channel_and_outcome.items())
    ]
    rows.append(["i alt", "", str(statement.total)])
    if statement.price_per_contact is not None and statement.amount is not None:
        rows.append(["pris pr. henvendelse", "", danish_number(statement.price_per_contact, 2)])
        rows.append(["beløb kr.", "", danish_number(statement.amount, 2)])
    return danish_csv(STATEMENT_COLUMNS, rows)


def report_json(report: Report) -> dict[str, Any]:
    def row_json(row: ReportRow) -> dict[str, Any]:
        return {
            "key": [v.isoformat() if isinstance(v, date) else v for v in row.key],
            "label": key_label(report, row.key, personal=False) if row.key else "i alt",
            "contacts": row.contacts,
            "closed": row.closed,
            "median_seconds": row.median_seconds,
            "p90_seconds": row.p90_seconds,
            "first_contact_share": row.first_contact_share,
            "forwarded_share": row.forwarded_share,
            "forwards": row.forwards,
            "forwards_in_time": row.forwards_in_time,
            "forwards_in_time_share": row.forwards_in_time_share,
            "non_member": row.non_member,
        }

    return {
        "from": report.query.date_from.isoformat(),
        "to": report.query.date_to.isoformat(),
        "group_by": report.query.group_by.value,
        "municipality": report.query.municipality,
        "rows": [row_json(row) for row in report.rows],
        "total": row_json(report.total),
    }


CHANNELS = tuple(c.value for c in Channel)
