"""The outbox worker: ``hotline worker``, or a thread inside ``hotline serve`` (HOTLINE_RUN_WORKER).

A worker claims a batch under a lease, sends each message and records the outcomes, all in
short transactions of its own (never one spanning a send). Several workers (processes, hosts)
may run against one database.
"""

import asyncio
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.db import make_engine, make_sessionmaker, transaction, utcnow
from hotline.mail.transport import DeliveryError, Transport, transport_for
from hotline.observability.logs import configure_logging, get_logger, log_context
from hotline.observability.metrics import DELIVERIES, DELIVERY_FAILURES, WORKER_HEARTBEAT
from hotline.replies import outbox
from hotline.replies.models import Reply
from hotline.runner import fail, load_settings

log = get_logger(__name__)

PURGE_INTERVAL = timedelta(hours=1)
CONFIRM_WITHIN_SECONDS = 0.2  # a slow server gets each outcome written on its own
# A housekeeping job that failed runs again after this, then after twice as long each time it
# fails again, up to its own interval: a passing fault (a lock, a restart of the database) is
# not waited out for an hour, and a lasting one is not tried again every poll.
FAILED_JOB_RETRY = timedelta(minutes=1)

# A periodic job of another domain (contact retention, reminders) that the worker runs hourly,
# in a transaction of its own. Given by the composing front end (hotline/housekeeping.py), so
# the outbox, which those domains send through, imports none of them.
HousekeepingJob = Callable[[Session, Settings, datetime], object]


@dataclass(frozen=True)
class Every:
    """A housekeeping job that must run more often than hourly (a meeting's reminder is due
    24 hours before the meeting, not up to an hour later)."""

    interval: timedelta
    job: HousekeepingJob

    def __call__(self, session: Session, settings: Settings, now: datetime) -> object:
        return self.job(session, settings, now)


def interval_of(job: HousekeepingJob) -> timedelta:
    return job.interval if isinstance(job, Every) else PURGE_INTERVAL


def name_of(job: HousekeepingJob) -> str:
    function = job.job if isinstance(job, Every) else job
    return getattr(function, "__qualname__", repr(function))


def purge_expired_replies(session: Session, settings: Settings, now: datetime) -> int:
    """The outbox's own housekeeping: recipient and content of replies past retention."""
    erased = outbox.purge_expired(session, settings, now)
    if erased:
        log.info("erased recipient and content of replies past retention", replies=erased)
    return erased


class Worker:
    """One delivery loop with its own engine and SMTP connection."""

    def __init__(self, settings: Settings, housekeeping: Sequence[HousekeepingJob] = ()) -> None:
        self.settings = settings
        self.housekeeping = (purge_expired_replies, *housekeeping)
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self._engine)
        # Parses and validates HOTLINE_SMTP_URL now, so a bad URL stops start-up.
        self.transport: Transport = transport_for(settings.smtp_url, settings.mail_dir)
        self._stopping = asyncio.Event()
        self._sent: list[Reply] = []  # sent, outcome not yet written
        self._first_sent_at = 0.0
        self._next_run: dict[int, datetime] = {}  # per housekeeping job (by position)
        self._backoff: dict[int, timedelta] = {}  # after a failed run, per job (by position)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A short transaction of the worker's. On PostgreSQL its commit does not wait for the
        WAL flush: a database crash can forget the last outcomes, and those replies are sent
        again (same Message-ID), which at-least-once delivery allows; it can never lose one.
        """
        with transaction(self.sessions) as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            yield session

    def request_stop(self) -> None:
        """Finish the message in flight, hand the rest of the batch back, stop (loop thread)."""
        self._stopping.set()

    async def run(self, *, until_idle: bool = False) -> None:
        """Deliver until stopped; with ``until_idle``, until nothing is due any more."""
        try:
            while not self._stopping.is_set():
                WORKER_HEARTBEAT.labels(self.id).set_to_current_time()
                self._housekeeping_when_due()
                try:
                    delivered = await self.deliver_batch()
                except Exception:  # a worker outlives a bad moment of its database or server
                    log.exception("outbox round failed; will retry", worker=self.id)
                    delivered = 0
                if delivered:
                    continue
                if until_idle:
                    break
                await self.transport.close()  # idle: don't hold a connection the server drops
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stopping.wait(), timeout=self.settings.mail_poll_seconds
                    )
        finally:
            await self.transport.close()
            self._engine.dispose()

    async def deliver_batch(self) -> int:
        """Claim one batch and send it; returns how many replies were claimed."""
        settings = self.settings
        with self._transaction() as session:
            batch = outbox.claim_due(
                session,
                self.id,
                utcnow(),
                limit=settings.mail_batch_size,
                lease_seconds=settings.mail_lease_seconds,
            )
        renew_at = utcnow() + timedelta(seconds=settings.mail_lease_seconds / 2)
        try:
            for index, reply in enumerate(batch):
                if self._stopping.is_set():
                    with self._transaction() as session:
                        outbox.release(session, self.id, [r.id for r in batch[index:]], utcnow())
                    break
                if utcnow() >= renew_at:
                    with self._transaction() as session:
                        outbox.renew_lease(session, self.id, utcnow(), settings.mail_lease_seconds)
                    renew_at = utcnow() + timedelta(seconds=settings.mail_lease_seconds / 2)
                await self.deliver(reply)
        finally:
            self._record_sent()
        return len(batch)

    async def deliver(self, reply: Reply) -> None:
        """Send one claimed reply; its log lines carry the id of the request that queued it."""
        with log_context(request_id=reply.request_id, reply_id=reply.id):
            await self._deliver(reply)

    async def _deliver(self, reply: Reply) -> None:
        """A failure is written at once, a success with its group."""
        try:
            if reply.to is None or reply.mime is None:
                raise DeliveryError(
                    "content erased after the retention period",
                    permanent=True,
                    kind="content_erased",
                )
            await self.transport.send(reply.from_address, reply.to, reply.mime, reply.message_id)
        except DeliveryError as exc:
            with self._transaction() as session:
                status = outbox.mark_failed_attempt(
                    session,
                    self.settings,
                    reply,
                    self.id,
                    utcnow(),
                    exc.reason,
                    permanent=exc.permanent,
                )
            DELIVERY_FAILURES.labels(exc.kind, str(exc.permanent).lower()).inc()
            # exc.reason may quote the recipient: it is kept on the reply, never logged.
            log.warning(
                "delivery failed",
                outcome=status or "lease lost",
                kind=exc.kind,
                attempts=reply.attempts,
            )
            return
        DELIVERIES.inc()
        log.info("delivered", worker=self.id)
        if not self._sent:
            self._first_sent_at = time.monotonic()
        self._sent.append(reply)
        if (
            len(self._sent) >= self.settings.mail_confirm_group
            or time.monotonic() - self._first_sent_at >= CONFIRM_WITHIN_SECONDS
        ):
            self._record_sent()

    def _record_sent(self) -> None:
        """One short transaction for the group: at high rates commits, not SMTP, are the cost.

        A worker killed before this may have sent up to ``mail_confirm_group`` messages whose
        outcome is unwritten: they go out again after the lease, with the same Message-ID.
        """
        if not self._sent:
            return
        with self._transaction() as session:
            settled = outbox.mark_sent(session, self.settings, self._sent, self.id, utcnow())
        for reply in self._sent:
            if reply.id not in settled:
                log.warning(
                    "sent after its lease ran out; may arrive twice",
                    reply_id=reply.id,
                    request_id=reply.request_id,
                )
        self._sent = []

    def _housekeeping_when_due(self) -> None:
        """Run the housekeeping jobs that are due (hourly, or as often as an ``Every`` says),
        each in a transaction of its own and in their order.

        A job that fails is rolled back and logged alone, and runs again after a back-off
        (``FAILED_JOB_RETRY``): the purge, the other jobs and the delivery of replies go on.
        Each job's own writes commit together (a reminder with its outbox row), and every
        worker runs the jobs, which lock or update what they take, as before."""
        now = utcnow()
        for index, job in enumerate(self.housekeeping):
            if now >= self._next_run.get(index, now):
                self._next_run[index] = now + self._run_job(index, job, now)

    def _run_job(self, index: int, job: HousekeepingJob, now: datetime) -> timedelta:
        """Run one job; returns how long until it runs again."""
        try:
            with self._transaction() as session:
                job(session, self.settings, now)
        except Exception:  # one job's failure must not stop the others or the delivery
            retry = min(interval_of(job), self._backoff.get(index, FAILED_JOB_RETRY))
            self._backoff[index] = retry * 2
            log.exception(
                "housekeeping job failed; will retry",
                job=name_of(job),
                retry_seconds=retry.total_seconds(),
                worker=self.id,
            )
            return retry
        self._backoff.pop(index, None)
        return interval_of(job)


@asynccontextmanager
async def embedded_worker(
    settings: Settings, housekeeping: Sequence[HousekeepingJob] = ()
) -> AsyncIterator[None]:
    """Run a worker in a thread of its own (own event loop, own engine) while the app serves."""
    if not settings.run_worker:
        yield
        return
    worker = Worker(settings, housekeeping)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(worker.run(),), name="hotline-worker", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(worker.request_stop)
        await asyncio.to_thread(thread.join)
        loop.close()


def serve_worker_metrics(worker: Worker, host: str, port: int) -> None:
    """A separate ``hotline worker`` has no web app: it answers /metrics on a port of its own
    (a thread of prometheus-client's), with the outbox backlog read from the database."""
    from prometheus_client import start_http_server

    from hotline.observability.metrics import build_registry
    from hotline.replies.metrics import OutboxCollector

    start_http_server(
        port, addr=host, registry=build_registry(OutboxCollector(lambda: worker.sessions))
    )
    log.info("worker metrics served", port=port)


def run_worker_command(*, until_idle: bool, housekeeping: Sequence[HousekeepingJob] = ()) -> None:
    """``hotline worker`` (hotline/cli.py declares its options)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        worker = Worker(settings, housekeeping)
    except ValueError as exc:
        raise fail(f"Configuration error: {exc}") from exc
    if settings.worker_metrics_port is not None:
        serve_worker_metrics(worker, settings.host, settings.worker_metrics_port)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, worker.request_stop)
        await worker.run(until_idle=until_idle)

    asyncio.run(main())
