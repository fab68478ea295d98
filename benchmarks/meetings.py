"""Free-slot computation and the booking submit, beside the app's trivial ``GET /health``.

On a throwaway database (SQLite, or PostgreSQL with ``--postgres-url``) holding the
municipalities, the demo accounts and one meeting type (weekdays 08:00-16:00, 15-minute slots,
3 agents in parallel, 30-day horizon) with ``--prebooked`` bookings spread over the month:

- ``available_slots``: the free slots of one municipality and type over 30 days (service call);
- ``GET /book/0751/<type>``: the booking page (slots of the first day, the form);
- ``POST /book/0751/<type>``: the booking submit (rate limit, form check, answers, CPR guard,
  the seat INSERT, the confirmation letter with its .ics queued in the outbox), each on a
  different free slot;
- ``GET /health``: the baseline, in the same run and the same in-process client.

Prints median and 95th percentile in milliseconds and the ratio to the baseline. In-process
(Starlette's TestClient): no network at all.

    .venv/bin/python -m benchmarks.meetings [--rounds 200] [--prebooked 300] [--postgres-url URL]
"""

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, select, text

from hotline import migrate
from hotline.app import create_app
from hotline.auth.models import User
from hotline.auth.permissions import Action, SignedLinkActor
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker, transaction, utcnow
from hotline.demo import seed_demo_accounts
from hotline.meetings import service
from hotline.meetings.schemas import BookingIn, MeetingTypeIn
from hotline.municipalities.service import sync_municipalities

SECRET = "benchmark-secret-0123456789-0123456789"  # noqa: S105 - throwaway database
SLUG = "folkepension"
QUESTIONS = [
    {"key": "emne", "label": "Hvad drejer det sig om?", "kind": "short_text", "required": True},
    {"key": "detaljer", "label": "Fortæl mere", "kind": "long_text"},
    {"key": "mitid", "label": "Har du MitID?", "kind": "yes_no", "required": True},
]


def prepare(url: str, directory: Path, prebooked: int) -> Settings:
    settings = Settings(
        database_url=url, var_dir=directory, secret_key=SECRET, run_worker=False,
        booking_attempts_per_address=1_000_000,
    )  # fmt: skip
    engine = make_engine(url)
    migrate.upgrade(settings, engine=engine)
    with transaction(make_sessionmaker(engine)) as session:
        sync_municipalities(session, PROJECT_ROOT / "knowledge_base" / "municipalities.csv")
        seed_demo_accounts(session)
        editor = session.scalars(select(User).where(User.email == "editor@hotline.example")).one()
        data: dict[str, Any] = {
            "slug": SLUG, "title": "Folkepension - telefonmøde", "duration_minutes": 15,
            "channel": "phone", "questions": QUESTIONS, "parallel_agents": 3,
            "opening_hours": {d: [("08:00", "16:00")] for d in range(5)},
            "horizon_days": 30, "min_notice_hours": 2,
        }  # fmt: skip
        service.create_meeting_type(session, editor, MeetingTypeIn.model_validate(data))
    with transaction(make_sessionmaker(engine)) as session:
        slots = service.available_slots(session, "0751", SLUG)
        actor = SignedLinkActor(Action.BOOK_MEETING, "0751")
        for i in range(prebooked):
            slot = slots[(i * 7) % len(slots)]
            service.book_meeting(session, actor, "0751", BookingIn(
                meeting_type=SLUG, starts_at=slot.starts_at.isoformat(),
                answers={"emne": "Pension", "mitid": "yes"}, citizen_name=f"Borger {i}",
                citizen_phone="12345678", privacy_accepted=True,
            ))  # fmt: skip
    engine.dispose()
    return settings


def interleaved(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Each round times every action once, in turn, so a noisy moment of the machine (2 cores
    shared with other work) falls on the baseline as much as on what is measured."""
    result: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            result[name].append((time.perf_counter() - start) * 1000)
    return result


def summary(name: str, values: list[float], baseline: float | None) -> str:
    p50 = statistics.median(values)
    p95 = statistics.quantiles(values, n=20)[-1]
    ratio = f"{p50 / baseline:6.1f}x" if baseline else "   1.0x"
    return f"{name:<48} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   {ratio}"


def run(settings: Settings, rounds: int) -> None:
    app = create_app(settings)
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    with TestClient(app) as client:
        with factory() as session:
            targets = service.available_slots(session, "0751", SLUG)
        seats = [s.starts_at.isoformat() for s in targets for _ in range(s.free_seats)]
        cursor = iter(seats[-rounds:])

        def slots() -> None:
            with factory() as session:
                service.available_slots(session, "0751", SLUG)

        def submit() -> None:
            shown = utcnow() - timedelta(seconds=30)  # a person filled it in for 30 s
            form = {
                "form_token": service.form_token(settings, "0751", now=shown),
                "starts_at": next(cursor), "q_emne": "Pension", "q_mitid": "yes",
                "citizen_name": "Birthe Borger", "citizen_email": "birthe@example.dk",
                "privacy_accepted": "yes", "website": "",
            }  # fmt: skip
            response = client.post(f"/book/0751/{SLUG}", data=form, follow_redirects=False)
            assert response.status_code == 303, response.text[:300]

        measured = interleaved(
            {
                "GET /health (baseline)": lambda: client.get("/health").raise_for_status(),
                "available_slots, 30 days (service)": slots,
                f"GET /book/0751/{SLUG} (page)": lambda: client.get(
                    f"/book/0751/{SLUG}"
                ).raise_for_status(),
                f"POST /book/0751/{SLUG} (submit + letter)": submit,
            },
            min(rounds, len(seats)),
        )
    engine.dispose()
    base = statistics.median(measured["GET /health (baseline)"])
    for name, values in measured.items():
        print(summary(name, values, None if name.startswith("GET /health") else base))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--prebooked", type=int, default=300)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        if args.postgres_url:
            name = f"hotline_bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.postgres_url).set(database=name).render_as_string(False)
            try:
                print(f"PostgreSQL, {args.rounds} rounds, {args.prebooked} prebooked")
                run(prepare(url, Path(directory), args.prebooked), args.rounds)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            url = f"sqlite:///{Path(directory) / 'meetings.db'}"
            print(f"SQLite, {args.rounds} rounds, {args.prebooked} prebooked")
            run(prepare(url, Path(directory), args.prebooked), args.rounds)


if __name__ == "__main__":
    main()
