"""A real SMTP server (aiosmtpd) on loopback that records what it receives, and DKIM test keys."""

import asyncio
import email
import os
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from dkim.dknewkey import ExtractRSADnsPublicKey, GenRSAKeys

REFUSED_PERMANENTLY = "nobody@"  # recipients starting so get 550
REFUSED_FOR_NOW = "later@"  # recipients starting so get 451


def free_port() -> int:
    """A free loopback port: any, or the first free one in HOTLINE_TEST_PORTS ("17500-17599")
    on a machine where each user of it keeps to a range of its own."""
    allowed = os.environ.get("HOTLINE_TEST_PORTS", "")
    first, _, last = allowed.partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError(f"no free port in HOTLINE_TEST_PORTS={allowed}")


class _Recorder:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith(REFUSED_PERMANENTLY):
            return "550 5.1.1 Mailbox unknown"
        if address.startswith(REFUSED_FOR_NOW):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.sink.delay)
        self.sink.record(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted"


class SmtpSink:
    """Start, stop (an outage) and start again on the same port; keeps everything received."""

    def __init__(self, delay: float = 0) -> None:
        self.delay = delay  # seconds the server takes to accept each message
        self.port = free_port()
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    def record(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> None:
        with self._lock:
            self.envelopes.append((mail_from, rcpt_tos))
            self.raw.append(content)

    def start(self) -> None:
        self._controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = list(self.raw)
        return [email.message_from_bytes(data, policy=default) for data in raw]  # type: ignore[misc]

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.raw) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(self.raw)} of {count} messages")
            time.sleep(0.02)


class DkimKeys:
    """Private keys in a HOTLINE_DKIM_KEY_DIR layout and the DNS TXT records that go with them."""

    def __init__(self, directory: Path, selector: str = "hotline") -> None:
        self.directory = directory
        self.selector = selector
        self.records: dict[bytes, bytes] = {}
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, domain: str) -> None:
        """A fresh RSA key pair made with dkimpy's own key tool (dknewkey)."""
        private_key = self.directory / f"{domain}.pem"
        dns_file = self.directory / f"{domain}.dns"
        GenRSAKeys(str(private_key), verbose=False)
        ExtractRSADnsPublicKey(str(private_key), str(dns_file), verbose=False)
        self.records[f"{self.selector}._domainkey.{domain}.".encode()] = dns_file.read_bytes()

    def dns(self, name: bytes, timeout: float = 5) -> bytes | None:
        """dkimpy's ``dnsfunc``: answers from the keys made here instead of real DNS."""
        return self.records.get(name)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def dkim_keys(tmp_path: Path) -> DkimKeys:
    return DkimKeys(tmp_path / "dkim")
