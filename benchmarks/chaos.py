"""Faults during delivery: the SMTP server down, a worker killed, PostgreSQL restarted.

    .venv/bin/python -u -m benchmarks.chaos \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:18050/postgres \\
        --restart-command "pg_ctlcluster 15 chaos restart" [--replies 1000] [--outage 60]

The scenario of issue 19, bounded (``--timeout``) and on loopback only:

1. A throwaway database ``hotline_chaos_<pid>`` on the PostgreSQL server of ``--postgres-url``
   (its maintenance database; dropped at the end), two ``hotline worker`` processes, and a real
   SMTP server (aiosmtpd, on ``--smtp-port``) that is down.
2. ``--replies`` replies (DKIM-signed, the Aarhus letterhead) are queued in batches of 100 while
   the workers fail against the closed port and back off (``--retry-base``/``--retry-max``).
3. ``--outage`` seconds after the last reply was queued the SMTP server comes up (each message
   takes ``--smtp-delay``).
4. When ``--kill-at`` messages have arrived, one worker gets SIGKILL in the middle of its batch
   (the rows it holds are printed); the other takes them over when their lease
   (``--lease``) runs out.
5. When ``--restart-at`` messages have arrived, ``--restart-command`` restarts PostgreSQL.
6. It waits until every reply is ``sent`` (or ``failed``), then a little longer for strays.

Target: every reply delivered, none lost; duplicates only within the documented confirm window
(a killed worker may repeat the sends it had not yet recorded: at most
``HOTLINE_MAIL_CONFIRM_GROUP`` messages), each a byte-identical copy with the same Message-ID.

The restart command restarts a whole cluster: point it at a private one, never at a cluster
others use. One for this run (trust authentication on loopback, port 18050):

    pg_createcluster 15 chaos -p 18050 -- --auth=trust && pg_ctlcluster 15 chaos start
    ... run ...
    pg_dropcluster 15 chaos --stop
"""

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dkim.dknewkey import GenRSAKeys
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from benchmarks.databases import local_throwaway_database
from benchmarks.load import stop
from benchmarks.mail import SECRET, compose, prepare, queue
from hotline.config import PROJECT_ROOT, Settings
from hotline.replies.models import Reply
from tests.mail.sink import SmtpSink

HOTLINE = Path(sys.executable).with_name("hotline")
QUEUE_BATCH = 100


@dataclass
class Faults:
    """What happened, when: printed with the figures."""

    outage_attempts: int = 0
    outage_seconds: float = 0.0
    smtp_up_at: float = 0.0
    killed_pid: int = 0
    killed_holding: int = 0
    restart_seconds: float = 0.0
    last_arrival_at: float = 0.0


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [str(HOTLINE), "worker"], env=env, stderr=stderr, start_new_session=True
        )


def outbox_counts(engine: Engine) -> Counter[str] | None:
    """Replies per status, or None while the database is away (the restart)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Reply.status, func.count()).group_by(Reply.status))
            return Counter({status: count for status, count in rows})
    except OperationalError:
        return None


def held_by(engine: Engine, pid: int) -> int:
    """Rows a worker process holds under its lease (its id is host:pid:random)."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).where(
                Reply.status == "sending", Reply.claimed_by.like(f"%:{pid}:%")
            )
        ).scalar_one()


def run(args: argparse.Namespace, url: str, directory: Path) -> None:
    GenRSAKeys(str(directory / "aarhus.dk.pem"), verbose=False)
    sink = SmtpSink(delay=args.smtp_delay)
    sink.port = args.smtp_port
    settings = Settings(
        database_url=url,
        secret_key=SECRET,
        var_dir=directory / "var",
        smtp_url=sink.url,
        dkim_key_dir=directory,
        knowledge_base_dir=PROJECT_ROOT / "knowledge_base",
    )
    engine, agent = prepare(settings)
    composed = compose(engine, settings, agent)
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_SECRET_KEY": SECRET,
        "HOTLINE_VAR_DIR": str(settings.var_dir),
        "HOTLINE_SMTP_URL": sink.url,
        "HOTLINE_DKIM_KEY_DIR": str(directory),
        "HOTLINE_MAIL_LEASE_SECONDS": str(args.lease),
        "HOTLINE_MAIL_RETRY_BASE_SECONDS": str(args.retry_base),
        "HOTLINE_MAIL_RETRY_MAX_SECONDS": str(args.retry_max),
        "HOTLINE_MAIL_POLL_SECONDS": "0.2",
    }
    confirm_group = settings.mail_confirm_group
    logs = [directory / "worker-1.log", directory / "worker-2.log"]
    workers = [worker(env, log) for log in logs]
    faults = Faults()
    try:
        outage_started = time.monotonic()
        print(f"SMTP server down; 2 workers; queueing {args.replies} replies ...")
        for start in range(0, args.replies, QUEUE_BATCH):
            queue(engine, settings, agent, composed, min(QUEUE_BATCH, args.replies - start))
        print(f"  queued in {time.monotonic() - outage_started:.1f} s")
        time.sleep(args.outage)  # every reply sees the outage, however slow the queueing was
        with engine.connect() as connection:
            faults.outage_attempts = connection.execute(
                select(func.sum(Reply.attempts))
            ).scalar_one()
        print(f"  {args.outage:.0f} s later ({time.monotonic() - outage_started:.0f} s of "
              f"outage): {outbox_counts(engine)}, "
              f"{faults.outage_attempts} failed attempts in all")  # fmt: skip

        sink.start()
        faults.smtp_up_at = time.monotonic()
        faults.outage_seconds = faults.smtp_up_at - outage_started
        print("SMTP server up")
        deadline = faults.smtp_up_at + args.timeout
        restarted = False
        while time.monotonic() < deadline:
            arrived = len(sink.raw)
            if not faults.killed_pid and arrived >= args.kill_at:
                victim = workers[0]
                faults.killed_holding = held_by(engine, victim.pid)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                faults.killed_pid = victim.pid
                print(f"  {arrived} arrived: worker {victim.pid} killed (SIGKILL) holding "
                      f"{faults.killed_holding} claimed replies")  # fmt: skip
            if not restarted and arrived >= args.restart_at:
                started = time.monotonic()
                subprocess.run(shlex.split(args.restart_command), check=True)
                faults.restart_seconds = time.monotonic() - started
                restarted = True
                print(f"  {arrived} arrived: PostgreSQL restarted "
                      f"({faults.restart_seconds:.1f} s): {args.restart_command}")  # fmt: skip
            counts = outbox_counts(engine)
            if counts is not None and counts["sent"] + counts["failed"] >= args.replies:
                break
            time.sleep(0.05)
        else:
            print(f"  timed out after {args.timeout:.0f} s: {outbox_counts(engine)}")
        faults.last_arrival_at = time.monotonic()
        time.sleep(args.lease / 2)  # a stray duplicate would show up now
    finally:
        stop([process for process in workers if process.poll() is None])
        sink.stop()

    report(args, engine, sink, faults, confirm_group, logs)
    engine.dispose()


def report(
    args: argparse.Namespace,
    engine: Engine,
    sink: SmtpSink,
    faults: Faults,
    confirm_group: int,
    logs: list[Path],
) -> None:
    with engine.connect() as connection:
        expected = set(connection.execute(select(Reply.message_id)).scalars())
    counts = outbox_counts(engine) or Counter()
    raw = list(sink.raw)
    ids = sink.message_ids()
    received = Counter(ids)
    lost = expected - set(received)
    strangers = set(received) - expected
    duplicated = {message_id: n for message_id, n in received.items() if n > 1}
    extra = sum(n - 1 for n in duplicated.values())
    identical = all(
        len({content for content, mid in zip(raw, ids, strict=True) if mid == message_id}) == 1
        for message_id in duplicated
    )
    failed_rounds = sum(
        log.read_text().count("outbox round failed") for log in logs if log.exists()
    )
    window = confirm_group  # one worker killed
    seconds = faults.last_arrival_at - faults.smtp_up_at
    print(f"\n== {args.replies} replies, {faults.outage_seconds:.0f} s SMTP outage, "
          f"1 worker SIGKILLed, "
          f"PostgreSQL restarted once")  # fmt: skip
    print(f"queued                      {len(expected):6d}")
    print(f"outbox at the end           {dict(counts)}")
    print(f"delivered (distinct ids)    {len(set(received) & expected):6d}")
    print(f"lost                        {len(lost):6d}")
    print(f"unknown Message-IDs         {len(strangers):6d}")
    print(f"duplicates                  {extra:6d} (of {len(duplicated)} messages; confirm "
          f"window: at most {window} = HOTLINE_MAIL_CONFIRM_GROUP per killed worker)")  # fmt: skip
    print(f"duplicates byte-identical   {'yes' if identical else 'NO'} (same Message-ID each)")
    with engine.connect() as connection:
        most = connection.execute(select(func.max(Reply.attempts))).scalar_one()
    print(f"failed attempts in outage   {faults.outage_attempts:6d} "
          f"(most attempts of one reply: {most}, under HOTLINE_MAIL_MAX_ATTEMPTS)")  # fmt: skip
    print(f"worker rounds failed on DB  {failed_rounds:6d} "
          f"(the restart took {faults.restart_seconds:.1f} s)")  # fmt: skip
    print(f"SMTP up -> all settled      {seconds:6.1f} s "
          f"({len(raw) / seconds:.0f} messages/s arriving, lease {args.lease:.0f} s)")  # fmt: skip
    met = (
        len(lost) == 0
        and not strangers
        and counts.get("sent") == args.replies
        and extra <= window
        and identical
    )
    verdict = "met" if met else "NOT met"
    print(f"target (all delivered, 0 lost, duplicates within the window): {verdict}")
    if not met:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", required=True, help="a private cluster's server")
    parser.add_argument("--restart-command", required=True)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the SMTP is down")
    parser.add_argument("--smtp-port", type=int, default=18051)
    parser.add_argument("--smtp-delay", type=float, default=0.005, help="seconds per message")
    parser.add_argument("--kill-at", type=int, default=150)
    parser.add_argument("--restart-at", type=int, default=500)
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--retry-base", type=float, default=5.0)
    parser.add_argument("--retry-max", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # clean up when stopped (timeout)
    if not 0 < args.replies <= 10_000 or not args.kill_at < args.restart_at < args.replies:
        raise SystemExit("bounded: at most 10,000 replies, and kill-at < restart-at < replies")
    with (
        tempfile.TemporaryDirectory() as directory,
        local_throwaway_database(args.postgres_url, "hotline_chaos") as url,
    ):
        run(args, url, Path(directory))


if __name__ == "__main__":
    main()
