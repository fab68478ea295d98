"""Contact reports at scale: 1,000,000 contacts over two years and 98 municipalities.

Run: ``.venv/bin/python -m benchmarks.contacts [--contacts 1000000] [--rounds 5]
[--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]`` (SQLite always; PostgreSQL
when a URL is given, in a throwaway database). It bulk-loads generated contacts (COPY on
PostgreSQL, executemany on SQLite) with ~8 % forwarded, then times, each beside the bare SQL
aggregate in the same run (median of ``--rounds``):

- the monthly statement of one municipality (``reports.monthly_statement``) vs. the bare
  ``GROUP BY channel, outcome`` of that municipality's month;
- a year's hour x weekday heatmap for all municipalities (``reports.contact_report``, operator,
  with counts, shares, forwards in time and median/p90, read from the contact rollup the
  worker's first housekeeping run builds, timed too) vs. the bare ``GROUP BY weekday, hour``
  count, the bare full aggregate and the same report without the rollup (``live=True``);
- the CSV export of a year by day (``report_csv(contact_report(...))``) vs. the bare
  ``GROUP BY local_date`` count, the bare full aggregate and the live report;
- registering and closing a contact (open + close + commit) vs. an agent request's floor (one
  SELECT of the agent + commit), and as the console does it: an open request and a close
  request, each its own transaction, vs. two floors.
"""

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

from benchmarks.databases import throwaway_database
from hotline import migrate
from hotline.auth.models import User
from hotline.auth.permissions import Role
from hotline.config import PROJECT_ROOT, Settings
from hotline.contacts import reports, service
from hotline.contacts.calendar import COPENHAGEN
from hotline.contacts.models import (
    Channel,
    Contact,
    Outcome,
    contact_daily_rollups,
    contact_hourly_rollups,
)
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.contacts.schemas import ContactClose, ContactOpen
from hotline.db import make_engine, make_sessionmaker, transaction, utcnow
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import sync_municipalities

START = datetime(2025, 1, 1, tzinfo=COPENHAGEN)
DAYS = 730
YEAR = ReportQuery(date(2025, 1, 1), date(2025, 12, 31), GroupBy.HOUR_WEEKDAY)
TOPICS = [f"Emne {n:02d}" for n in range(30)]
# Out-of-hours: most contacts in the evening and at weekends.
HOURS = list(range(24))
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 6, 10, 12, 12, 11, 9, 6, 3, 2]
OUTCOMES = [o.value for o in Outcome]
OUTCOME_WEIGHTS = [45, 25, 8, 8, 9, 5]
CHANNELS = [c.value for c in Channel]
CHANNEL_WEIGHTS = [60, 20, 18, 2]
COLUMNS = (
    "municipality_code", "member", "channel", "agent_id", "started_at", "ended_at",
    "handling_seconds", "local_date", "local_week", "local_month", "local_hour",
    "local_weekday", "topic", "outcome", "referred_to", "forward_state", "version", "updated_at",
)  # fmt: skip
FORWARD_STATES = ["in_time", "late", "open"]
FORWARD_STATE_WEIGHTS = [70, 10, 20]


def median_ms(action: Callable[[], object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def generate(count: int, municipalities: list[tuple[str, bool]], agents: list[int]) -> list[tuple]:
    rng = random.Random(16)
    rows = []
    # the two years run past today: their rows are written an hour ago, none in the future
    written_by = datetime.now(UTC) - timedelta(hours=1)
    hours = rng.choices(HOURS, HOUR_WEIGHTS, k=count)
    outcomes = rng.choices(OUTCOMES, OUTCOME_WEIGHTS, k=count)
    channels = rng.choices(CHANNELS, CHANNEL_WEIGHTS, k=count)
    for index in range(count):
        day = START + timedelta(days=rng.randrange(DAYS))
        local_start = day.replace(hour=hours[index], minute=rng.randrange(60))
        started = local_start.astimezone(UTC)
        seconds = int(rng.lognormvariate(5.5, 0.6))
        code, member = municipalities[rng.randrange(len(municipalities))]
        local_day = local_start.date()
        outcome = outcomes[index]
        forward_state = (
            rng.choices(FORWARD_STATES, FORWARD_STATE_WEIGHTS)[0]
            if outcome == "forwarded"
            else None
        )
        rows.append((
            code, member, channels[index], agents[rng.randrange(len(agents))], started,
            started + timedelta(seconds=seconds), seconds, local_day,
            local_day - timedelta(days=local_day.weekday()), local_day.replace(day=1),
            local_start.hour, local_day.weekday(), TOPICS[rng.randrange(len(TOPICS))], outcome,
            "skat" if outcome == "referred" else None, forward_state, 2,
            min(started, written_by),
        ))  # fmt: skip
    return rows


def load(engine: Engine, rows: list[tuple]) -> None:
    """Contacts (COPY / executemany), then a forward for each forwarded one."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            copy_sql = f"COPY contacts ({', '.join(COLUMNS)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as connection:
            connection.execute(
                insert(Contact.__table__), [dict(zip(COLUMNS, row, strict=True)) for row in rows]
            )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO contact_forwards (contact_id, municipality_code, desk_name, mailbox,"
                " promise, due_at, created_at, handled_at) SELECT id, municipality_code,"
                " 'Borgerservice', 'borgerservice@kommune.example', 'next_working_day',"
                " ended_at, ended_at, CASE forward_state WHEN 'open' THEN NULL ELSE ended_at END"
                " FROM contacts WHERE forward_state IS NOT NULL"
            )
        )
        connection.execute(text("ANALYZE"))


def bench_user(name: str, role: Role, code: str | None) -> User:
    """An account nobody signs in to (no password hash that any password matches)."""
    return User(
        email=f"{name}@bench.example",
        full_name=name,
        password_hash="!",  # noqa: S106 - not a hash: no password matches it
        role=role.value,
        municipality_code=code,
    )


# The report's own figures in one hand-written statement: the fair "bare" aggregate. SQLite has
# no percentile_cont, so its bare aggregate leaves median and p90 out (the service computes them).
FULL_AGGREGATE = """
SELECT {keys}, count(c.id), count(c.ended_at),
  sum(CASE WHEN c.outcome IN ('answered', 'reply_sent') THEN 1 ELSE 0 END),
  sum(CASE WHEN c.outcome = 'forwarded' THEN 1 ELSE 0 END), count(c.forward_state),
  sum(CASE WHEN c.forward_state = 'in_time' THEN 1 ELSE 0 END),
  sum(CASE WHEN c.member THEN 0 ELSE 1 END) {percentiles}
FROM contacts c
WHERE c.local_date BETWEEN :date_from AND :date_to
GROUP BY {keys} ORDER BY {keys}
"""
PERCENTILES = (
    ", percentile_cont(0.5) WITHIN GROUP (ORDER BY c.handling_seconds),"
    " percentile_cont(0.9) WITHIN GROUP (ORDER BY c.handling_seconds)"
)


def full_aggregate(session, keys: str, query: ReportQuery):  # type: ignore[no-untyped-def]
    postgres = session.get_bind().dialect.name == "postgresql"
    sql = FULL_AGGREGATE.format(keys=keys, percentiles=PERCENTILES if postgres else "")
    return session.execute(
        text(sql), {"date_from": query.date_from, "date_to": query.date_to}
    ).all()


def run(label: str, url: str, count: int, rounds: int, var_dir: Path) -> None:
    settings = Settings(database_url=url, var_dir=var_dir, secret_key="b" * 40, run_worker=False)
    engine = make_engine(url)
    migrate.upgrade(settings, engine=engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        sync_municipalities(session, PROJECT_ROOT / "knowledge_base" / "municipalities.csv")
        for n in range(40):
            session.add(bench_user(f"agent{n}", Role.AGENT, "0751"))
        session.add(bench_user("operator", Role.OPERATOR, None))
    with factory() as session:
        municipalities = [(m.code, m.member) for m in session.scalars(select(Municipality))]
        agents = list(session.scalars(select(User.id).where(User.role == "agent")))
        operator = session.scalars(select(User).where(User.role == "operator")).one()
    started = time.perf_counter()
    rows = generate(count, municipalities, agents)
    generated = time.perf_counter() - started
    load(engine, rows)
    loaded = time.perf_counter() - started - generated
    print(f"\n== {label}: {count:,} contacts, generated {generated:.1f} s, loaded {loaded:.1f} s")
    started = time.perf_counter()
    with transaction(factory) as session:
        days = reports.refresh_contact_rollups(session, settings, utcnow())
        rows = sum(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (contact_hourly_rollups, contact_daily_rollups)
        )
    print(
        f"rollup built (first housekeeping run): {days} days, {rows:,} rows in"
        f" {time.perf_counter() - started:.1f} s"
    )

    with factory() as session:
        operator = session.get_one(User, operator.id)
        month = date(2025, 10, 1)
        timings = {
            "monthly statement, one municipality": (
                lambda: reports.monthly_statement(session, operator, "0751", month),
                lambda: session.execute(
                    select(Contact.channel, Contact.outcome, text("count(*)"))
                    .where(Contact.municipality_code == "0751", Contact.local_month == month)
                    .group_by(Contact.channel, Contact.outcome)
                ).all(),
            ),
            "year heatmap hour x weekday, all": (
                lambda: reports.contact_report(session, operator, YEAR),
                lambda: session.execute(
                    select(Contact.local_weekday, Contact.local_hour, text("count(*)"))
                    .where(Contact.local_date.between(YEAR.date_from, YEAR.date_to))
                    .group_by(Contact.local_weekday, Contact.local_hour)
                ).all(),
            ),
            "CSV export of a year by day": (
                lambda: reports.report_csv(
                    reports.contact_report(
                        session,
                        operator,
                        ReportQuery(YEAR.date_from, YEAR.date_to, GroupBy.DAY),
                    )
                ),
                lambda: session.execute(
                    select(Contact.local_date, text("count(*)"))
                    .where(Contact.local_date.between(YEAR.date_from, YEAR.date_to))
                    .group_by(Contact.local_date)
                ).all(),
            ),
        }
        fair = {
            "year heatmap hour x weekday, all": lambda: full_aggregate(
                session, "c.local_weekday, c.local_hour", YEAR
            ),
            "CSV export of a year by day": lambda: full_aggregate(session, "c.local_date", YEAR),
        }
        # the year reports without the rollup: the baseline the rollup is measured against
        live = {
            "year heatmap hour x weekday, all": lambda: reports.contact_report(
                session, operator, YEAR, live=True
            ),
            "CSV export of a year by day": lambda: reports.report_csv(
                reports.contact_report(
                    session,
                    operator,
                    ReportQuery(YEAR.date_from, YEAR.date_to, GroupBy.DAY),
                    live=True,
                )
            ),
        }
        for name, (report, bare) in timings.items():
            report_ms, bare_ms = median_ms(report, rounds), median_ms(bare, rounds)
            line = f"{name:36s} service {report_ms:8.1f} ms | bare count {bare_ms:7.1f} ms"
            if name in fair:
                fair_ms = median_ms(fair[name], rounds)
                live_ms = median_ms(live[name], rounds)
                line += (
                    f" ({report_ms / bare_ms:4.1f}x) | bare full aggregate {fair_ms:7.1f} ms"
                    f" | live service (no rollup) {live_ms:7.1f} ms ({live_ms / report_ms:4.1f}x"
                    " the rollup's time)"
                )
            else:
                line += f" ({report_ms / bare_ms:4.1f}x)"
            print(line)

    agent_id = agents[0]

    def register_and_close() -> None:
        with transaction(factory) as session:
            agent = session.get_one(User, agent_id)
            contact = service.open_contact(session, agent, ContactOpen(municipality="0751"))
            service.close_contact(
                session,
                agent,
                contact.id,
                service.contact_version(contact.version),
                ContactClose(outcome="answered"),
            )

    def floor() -> None:
        with transaction(factory) as session:
            session.get_one(User, agent_id)

    def register_and_close_uncommitted() -> None:
        with factory() as session:
            agent = session.get_one(User, agent_id)
            contact = service.open_contact(session, agent, ContactOpen(municipality="0751"))
            service.close_contact(
                session,
                agent,
                contact.id,
                service.contact_version(contact.version),
                ContactClose(outcome="answered"),
            )
            session.rollback()

    def open_request_then_close_request() -> None:
        """The console's shape: choosing the municipality opens (one request), the outcome key
        closes (another), each with its own session and commit."""
        with transaction(factory) as session:
            agent = session.get_one(User, agent_id)
            contact = service.open_contact(session, agent, ContactOpen(municipality="0751"))
            opened = (contact.id, service.contact_version(contact.version))
        with transaction(factory) as session:
            agent = session.get_one(User, agent_id)
            service.close_contact(session, agent, *opened, ContactClose(outcome="answered"))

    def two_floors() -> None:
        floor()
        floor()

    samples = max(rounds * 20, 100)
    floor_ms = median_ms(floor, samples)
    two_floors_ms = median_ms(two_floors, samples)
    spent = median_ms(open_request_then_close_request, samples)
    print(
        f"{'open request + close request, committed':44s} {spent:7.2f} ms "
        f"(two floors {two_floors_ms:5.2f} ms: adds {spent - two_floors_ms:5.2f} ms)"
    )
    for name, action in (
        ("register + close a contact, committed", register_and_close),
        ("the same, its statements only (rolled back)", register_and_close_uncommitted),
    ):
        spent = median_ms(action, samples)
        print(
            f"{name:44s} {spent:7.2f} ms "
            f"(floor {floor_ms:5.2f} ms: adds {spent - floor_ms:5.2f} ms)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        var_dir = Path(directory)
        if not args.skip_sqlite:
            run(
                "SQLite",
                f"sqlite:///{var_dir / 'contacts.db'}",
                args.contacts,
                args.rounds,
                var_dir,
            )
        if args.postgres_url:
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            with throwaway_database(args.postgres_url, name) as url:
                run("PostgreSQL", url, args.contacts, args.rounds, var_dir)


if __name__ == "__main__":
    main()
