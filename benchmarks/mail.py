"""Delivery throughput: outbox -> ``hotline worker`` process(es) -> a local aiosmtpd sink.

Baseline in the same run: the same signed message bytes sent straight with aiosmtplib over one
(and two) connections, i.e. the ceiling of the SMTP leg without database, claiming and MIME.

    .venv/bin/python -m benchmarks.mail [--messages 1000] [--database-url postgresql://...]

Target: >= 200 messages/s delivered.
"""

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller
from dkim.dknewkey import GenRSAKeys
from sqlalchemy import select

from hotline import migrate
from hotline.auth.models import User
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import ComposedReply, compose_reply
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker, transaction, utcnow
from hotline.demo import seed_demo_accounts
from hotline.mail.dkim import DkimSigner
from hotline.mail.message import build_message, make_message_id
from hotline.municipalities.service import sync_municipalities
from hotline.replies import service

SECRET = "benchmark-secret-0123456789-0123456789"  # noqa: S105 - throwaway database


class CountingSink:
    """Accepts everything in a process of its own (so it never competes with the sender for
    the GIL); counts messages and remembers when the first and last arrived."""

    def __init__(self) -> None:
        self.count = multiprocessing.Value("i", 0)
        self.first = multiprocessing.Value("d", 0.0)
        self.last = multiprocessing.Value("d", 0.0)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._process = multiprocessing.Process(target=self._serve, daemon=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        now = time.perf_counter()
        with self.count.get_lock():
            if self.count.value == 0:
                self.first.value = now
            self.count.value += 1
            self.last.value = now
        return "250 OK"

    def _serve(self) -> None:
        Controller(self, hostname="127.0.0.1", port=self.port).start()
        threading.Event().wait()

    def start(self) -> None:
        self._process.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise SystemExit("the SMTP sink did not start")

    def stop(self) -> None:
        self._process.terminate()

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value = 0

    def wait_for(self, count: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.count.value < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {self.count.value} of {count} messages arrived")
            time.sleep(0.005)

    def rate(self) -> float:
        """Messages per second from the first arrival to the last."""
        return (self.count.value - 1) / (self.last.value - self.first.value)


def prepare(settings: Settings) -> tuple[Any, User]:
    migrate.upgrade(settings)
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        sync_municipalities(session, settings.knowledge_base_dir / "municipalities.csv")
        seed_demo_accounts(session)
    with make_sessionmaker(engine)() as session:
        agent = session.scalars(select(User).where(User.email.startswith("agent.odense@"))).one()
    return engine, agent


def compose(engine: Any, settings: Settings, agent: User) -> ComposedReply:
    request = ReplyRequest(
        municipality="0751",
        to="borger@example.dk",
        citizen_name="Karen Jensen",
        subject="Svar på dit spørgsmål om affald",
        body_markdown="Tak for din henvendelse.\n\nDu kan **bestille storskrald** på aarhus.dk.",
    )
    with make_sessionmaker(engine)() as session:
        return compose_reply(session, settings, request, agent)


def queue(
    engine: Any, settings: Settings, agent: User, composed: ComposedReply, count: int
) -> list[float]:
    """Composed once (rendering is benchmarks/mail_render.py's business), queued ``count`` times.

    Returns the seconds each enqueue took: MIME build + DKIM signature + insert, the part of
    delivery that runs in the POST request.
    """
    timings = []
    with transaction(make_sessionmaker(engine)) as session:
        for _ in range(count):
            started = time.perf_counter()
            service.enqueue(session, settings, composed, agent)
            timings.append(time.perf_counter() - started)
    return timings


def run_workers(settings: Settings, sink: CountingSink, count: int, workers: int) -> str:
    environment = {
        **os.environ,
        "HOTLINE_DATABASE_URL": settings.database_url,
        "HOTLINE_SECRET_KEY": SECRET,
        "HOTLINE_VAR_DIR": str(settings.var_dir),
        "HOTLINE_SMTP_URL": settings.smtp_url or "",
        "HOTLINE_DKIM_KEY_DIR": str(settings.dkim_key_dir),
    }
    hotline = Path(sys.executable).parent / "hotline"
    sink.reset()
    started = time.perf_counter()
    processes = [
        subprocess.Popen([str(hotline), "worker", "--until-idle"], env=environment)
        for _ in range(workers)
    ]
    sink.wait_for(count)
    finished = time.perf_counter()
    for process in processes:
        process.wait()
    total = count / (finished - started)
    return (
        f"{workers} worker(s): {sink.rate():7.0f} msg/s first->last message, "
        f"{total:7.0f} msg/s including process start-up (first message after "
        f"{sink.first.value - started:.1f} s; {sink.count.value} received)"
    )


async def raw_sends(port: int, message: bytes, count: int, connections: int) -> float:
    async def one_connection(share: int) -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
            for _ in range(share):
                await client.sendmail("borgerservice@aarhus.dk", ["borger@example.dk"], message)

    started = time.perf_counter()
    await asyncio.gather(*(one_connection(count // connections) for _ in range(connections)))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        GenRSAKeys(str(directory / "aarhus.dk.pem"), verbose=False)
        sink = CountingSink()
        sink.start()
        port = sink.port
        settings = Settings(
            database_url=args.database_url or f"sqlite:///{directory / 'bench.db'}",
            secret_key=SECRET,
            var_dir=directory / "var",
            smtp_url=f"smtp://127.0.0.1:{port}",
            dkim_key_dir=directory,
            knowledge_base_dir=PROJECT_ROOT / "knowledge_base",
        )
        engine, agent = prepare(settings)
        print(f"delivery of {args.messages} messages (DKIM-signed, Aarhus letterhead + logo)")
        print(f"  database: {engine.url.get_backend_name()}")

        composed = compose(engine, settings, agent)
        message = build_message(composed, message_id=make_message_id("aarhus.dk"), date=utcnow())
        signed = DkimSigner(directory, "hotline").sign(
            message.as_bytes(), composed.from_address, composed.sending_domain
        )
        print(f"  message size: {len(signed)} bytes")
        for connections in (1, 2):
            rates = []
            for _ in range(3):  # the median of three: a shared machine is noisy
                sink.reset()
                rates.append(asyncio.run(raw_sends(port, signed, args.messages, connections)))
            runs = ", ".join(f"{rate:.0f}" for rate in rates)
            print(
                f"  baseline raw aiosmtplib, {connections} connection(s): "
                f"{statistics.median(rates):7.0f} msg/s (median of {runs})"
            )

        for workers in (1, 2):
            timings = sorted(queue(engine, settings, agent, composed, args.messages))
            median, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
            print(
                f"  enqueue (MIME + DKIM + insert, in the request): median {median * 1000:.1f} ms, "
                f"p95 {p95 * 1000:.1f} ms"
            )
            print("  " + run_workers(settings, sink, args.messages, workers))
        sink.stop()
        engine.dispose()


if __name__ == "__main__":
    main()
