"""Satisfaction under load: the public survey page and its submit, and the CSAT report at scale.

    .venv/bin/python -u -m benchmarks.satisfaction [--seconds 8] [--concurrency 4]
        [--contacts 1000000] [--rounds 5] [--postgres-url postgresql+psycopg://...] [--skip-http]

1. HTTP (loopback only, bounded by ``--seconds`` per endpoint): one uvicorn worker serving a
   throwaway SQLite database; in the same run, with the same client and concurrency, it
   measures ``GET /health`` (the app's trivial endpoint), ``GET /tilfredshed/<token>`` (verify
   the link, read contact + answer + letterhead, render the page) and ``POST`` of the form
   (count the request in ``rate_limit_windows``, verify, save or change the answer, 303), each
   cycling through 2,000 contacts' links, and prints requests/s and the ratios to /health. The
   page's size in bytes (logo inlined) is printed as the phone figure.
2. Report: benchmarks/contacts.py's generator loads ``--contacts`` contacts (COPY / executemany);
   every contact gets a survey link and 20 % answer (rating, got-an-answer, 1 % of answers with
   a comment). It times ``satisfaction_report`` for a year by municipality and by month (an
   operator: every row) and for one municipality's admin, each beside the bare hand-written SQL
   aggregate (same joins, same GROUP BY) and the same report without the satisfaction rollup
   (``live=True``; the rollup is built first, as the worker's first housekeeping run does), in
   the same run (median of ``--rounds``).
"""

import argparse
import asyncio
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, select, text

from benchmarks.contacts import bench_user, generate, load, median_ms
from benchmarks.databases import throwaway_database
from hotline import migrate
from hotline.auth.models import User
from hotline.auth.permissions import Role
from hotline.config import PROJECT_ROOT, Settings
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.contacts.schemas import ContactOpen
from hotline.contacts.service import open_contact
from hotline.db import make_engine, make_sessionmaker, transaction, utcnow
from hotline.demo import seed_demo_accounts
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import sync_municipalities
from hotline.satisfaction.links import record_invitation, survey_token
from hotline.satisfaction.models import InvitedBy
from hotline.satisfaction.reports import refresh_satisfaction_rollup, satisfaction_report

SECRET = "benchmark-secret-0123456789-0123456789"  # noqa: S105 - throwaway database
SURVEY_CONTACTS = 2000
YEAR = (date(2025, 1, 1), date(2025, 12, 31))

# ---------------------------------------------------------------------------- HTTP


def prepare_http(directory: Path) -> tuple[Settings, list[str]]:
    """Municipalities, demo accounts and SURVEY_CONTACTS contacts with their survey links."""
    settings = Settings(
        database_url=f"sqlite:///{directory / 'survey.db'}", var_dir=directory, secret_key=SECRET
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(settings, engine=engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        sync_municipalities(session, PROJECT_ROOT / "knowledge_base" / "municipalities.csv")
        seed_demo_accounts(session)
    tokens = []
    now = datetime.now(UTC)
    with transaction(factory) as session:
        agent = session.scalars(select(User).where(User.role == Role.AGENT.value)).first()
        assert agent is not None
        for index in range(SURVEY_CONTACTS):
            code = ("0751", "0461", "0101")[index % 3]
            contact = open_contact(session, agent, ContactOpen(municipality=code, channel="email"))
            record_invitation(session, contact.id, InvitedBy.REPLY, None)
            tokens.append(survey_token(settings, contact.id, now))
    engine.dispose()
    return settings, tokens


async def measure(
    base: str, requests: Sequence[tuple[str, str]], seconds: float, concurrency: int
) -> tuple[float, int]:
    """Requests/s of ``concurrency`` keep-alive clients cycling through (method, path)."""
    cycle = itertools.cycle(requests)
    done = errors = 0
    deadline = time.perf_counter() + seconds
    form = {"rating": "4", "got_answer": "ja", "comment": "Fint svar."}

    async def client() -> None:
        nonlocal done, errors
        async with httpx.AsyncClient(base_url=base) as http:
            while time.perf_counter() < deadline:
                method, path = next(cycle)
                if method == "POST":
                    response = await http.post(path, data=form)
                    errors += response.status_code != 303
                else:
                    response = await http.get(path)
                    errors += response.status_code != 200
                done += 1

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done / (time.perf_counter() - start), errors


def run_http(seconds: float, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        settings, tokens = prepare_http(Path(directory))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        environment = {
            **os.environ,
            "HOTLINE_DATABASE_URL": settings.database_url,
            "HOTLINE_VAR_DIR": directory,
            "HOTLINE_SECRET_KEY": SECRET,
            "HOTLINE_RUN_WORKER": "false",
            # every client is 127.0.0.1 here: the limit itself is measured, never reached
            "HOTLINE_SURVEY_REQUESTS_PER_ADDRESS": "100000000",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "hotline.app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=environment,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            page = httpx.get(f"{base}/tilfredshed/{tokens[0]}")
            print(f"\n== HTTP, one uvicorn worker, SQLite, concurrency {concurrency}")
            print(f"survey page: {len(page.content):,} bytes of HTML (logo inlined), no script")
            runs = {
                "GET /health": [("GET", "/health")],
                "GET /tilfredshed/<token>": [("GET", f"/tilfredshed/{t}") for t in tokens],
                "POST /tilfredshed/<token>": [("POST", f"/tilfredshed/{t}") for t in tokens],
            }
            asyncio.run(measure(base, runs["GET /tilfredshed/<token>"][:50], 1.0, concurrency))
            rates = {}
            for name, requests in runs.items():
                rate, errors = asyncio.run(measure(base, requests, seconds, concurrency))
                rates[name] = rate
                print(f"{name:30} {rate:8.1f} requests/s  ({errors} errors)")
            for name in ("GET /tilfredshed/<token>", "POST /tilfredshed/<token>"):
                print(f"{name} / GET /health: {rates[name] / rates['GET /health']:.2f}")
        finally:
            server.terminate()
            server.wait(timeout=10)


# ---------------------------------------------------------------------------- report

BARE = """
SELECT {key}, count(i.contact_id), count(r.contact_id), coalesce(sum(r.rating), 0),
  sum(CASE WHEN r.rating >= 4 THEN 1 ELSE 0 END),
  sum(CASE WHEN r.got_answer = 'ja' THEN 1 ELSE 0 END)
FROM contacts c JOIN survey_invitations i ON i.contact_id = c.id
LEFT JOIN survey_responses r ON r.contact_id = c.id
WHERE c.local_date BETWEEN :date_from AND :date_to {where}
GROUP BY {key} ORDER BY {key}
"""


def answer_fifth(engine: Engine) -> None:
    """Every contact invited; every fifth answers; one answer in a hundred has a comment. The
    two years run past today: nothing is stamped later than an hour ago (a later stamp would
    mark its day as changed since the rollup was built, and read it live)."""
    written_by = {"w": datetime.now(UTC) - timedelta(hours=1)}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO survey_invitations (contact_id, invited_by, first_sent_at)"
                " SELECT id, 'reply', CASE WHEN started_at < :w THEN started_at ELSE :w END"
                " FROM contacts"
            ),
            written_by,
        )
        connection.execute(
            text(
                "INSERT INTO survey_responses (contact_id, rating, got_answer, comment,"
                " first_answered_at, answered_at, changes)"
                " SELECT id, (id * 7) % 5 + 1,"
                " CASE id % 3 WHEN 0 THEN 'ja' WHEN 1 THEN 'delvist' ELSE 'nej' END,"
                " CASE WHEN id % 500 = 0 THEN 'Tak for hjælpen' ELSE NULL END,"
                " ended_at, CASE WHEN ended_at < :w THEN ended_at ELSE :w END, 0"
                " FROM contacts WHERE id % 5 = 0"
            ),
            written_by,
        )
        connection.execute(text("ANALYZE"))


def run_report(label: str, url: str, count: int, rounds: int, var_dir: Path) -> None:
    settings = Settings(database_url=url, var_dir=var_dir, secret_key=SECRET, run_worker=False)
    engine = make_engine(url)
    migrate.upgrade(settings, engine=engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        sync_municipalities(session, PROJECT_ROOT / "knowledge_base" / "municipalities.csv")
        for n in range(40):
            session.add(bench_user(f"agent{n}", Role.AGENT, "0751"))
        session.add(bench_user("operator", Role.OPERATOR, None))
        session.add(bench_user("admin", Role.MUNICIPALITY_ADMIN, "0751"))
    with factory() as session:
        municipalities = [(m.code, m.member) for m in session.scalars(select(Municipality))]
        agents = list(session.scalars(select(User.id).where(User.role == "agent")))
    started = time.perf_counter()
    load(engine, generate(count, municipalities, agents))
    answer_fifth(engine)
    print(f"\n== {label}: {count:,} contacts, 20 % answered, loaded in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    started = time.perf_counter()
    with transaction(factory) as session:  # the worker's first housekeeping run
        days = refresh_satisfaction_rollup(session, settings, utcnow())
    print(f"satisfaction rollup built: {days} days in {time.perf_counter() - started:.1f} s")
    with factory() as session:
        operator = session.scalars(select(User).where(User.role == "operator")).one()
        admin = session.scalars(select(User).where(User.role == "municipality_admin")).one()
        params = {"date_from": YEAR[0], "date_to": YEAR[1]}
        cases = {
            "a year by municipality, operator": (
                operator, GroupBy.MUNICIPALITY, "c.municipality_code", "",
            ),
            "a year by month, operator": (operator, GroupBy.MONTH, "c.local_month", ""),
            "a year by channel, one admin": (
                admin, GroupBy.CHANNEL, "c.channel", "AND c.municipality_code = '0751'",
            ),
        }  # fmt: skip
        for name, (reader, group_by, key, where) in cases.items():
            query = ReportQuery(YEAR[0], YEAR[1], group_by)
            bare_sql = text(BARE.format(key=key, where=where))
            service_ms = median_ms(
                lambda r=reader, q=query: satisfaction_report(session, r, q), rounds
            )
            bare_ms = median_ms(lambda b=bare_sql: session.execute(b, params).all(), rounds)
            live_ms = median_ms(  # the baseline without the rollup
                lambda r=reader, q=query: satisfaction_report(session, r, q, live=True), rounds
            )
            print(f"{name:36s} service {service_ms:8.1f} ms | bare aggregate {bare_ms:8.1f} ms"
                  f" ({service_ms / bare_ms:4.2f}x) | live service (no rollup) {live_ms:8.1f} ms"
                  f" ({live_ms / service_ms:4.1f}x the service's time)")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_http:
        run_http(args.seconds, args.concurrency)
    with tempfile.TemporaryDirectory() as directory:
        var_dir = Path(directory)
        if not args.skip_sqlite:
            url = f"sqlite:///{var_dir / 'satisfaction.db'}"
            run_report("SQLite", url, args.contacts, args.rounds, var_dir)
        if args.postgres_url:
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            with throwaway_database(args.postgres_url, name) as url:
                run_report("PostgreSQL", url, args.contacts, args.rounds, var_dir)


if __name__ == "__main__":
    main()
