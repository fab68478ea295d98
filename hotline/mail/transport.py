"""Where messages go: an SMTP server (``HOTLINE_SMTP_URL``) or ``.eml`` files in ``var/mail/``."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class DeliveryError(Exception):
    """A send that did not succeed; ``permanent`` ones (5xx) are never retried.

    ``reason`` is the server's own words (it may name the recipient: stored on the reply, never
    logged); ``kind`` is a short label without personal data for logs and metrics
    (``smtp_550``, ``ConnectionRefusedError``).
    """

    def __init__(self, reason: str, *, permanent: bool, kind: str = "error") -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.kind = kind


@dataclass(frozen=True)
class SmtpConfig:
    """``smtp://user:pass@host:587?starttls=true`` or ``smtps://user:pass@host:465``.

    Query options: ``starttls`` (true/false; default: upgrade when the server offers it),
    ``timeout`` (seconds, default 30).
    """

    hostname: str
    port: int
    use_tls: bool
    start_tls: bool | None
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def from_url(cls, url: str) -> "SmtpConfig":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("HOTLINE_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("HOTLINE_SMTP_URL has no host")
        query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"starttls", "timeout"}
        if unknown:
            raise ValueError(f"HOTLINE_SMTP_URL has unknown options: {', '.join(sorted(unknown))}")
        use_tls = parts.scheme == "smtps"
        start_tls: bool | None = None
        if "starttls" in query:
            if query["starttls"] not in _TRUE | _FALSE:
                raise ValueError("HOTLINE_SMTP_URL starttls must be true or false")
            start_tls = query["starttls"] in _TRUE
            if use_tls and start_tls:
                raise ValueError("HOTLINE_SMTP_URL: smtps:// is already TLS; drop starttls=true")
        try:
            port = parts.port or (465 if use_tls else 587 if start_tls else 25)
            timeout = float(query.get("timeout", "30"))
        except ValueError as exc:
            raise ValueError(f"HOTLINE_SMTP_URL: {exc}") from exc
        return cls(
            hostname=parts.hostname,
            port=port,
            use_tls=use_tls,
            start_tls=False if use_tls else start_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
        )


class Transport(Protocol):
    async def send(self, sender: str, recipient: str, message: bytes, message_id: str) -> None:
        """Deliver or raise DeliveryError."""

    async def close(self) -> None:
        """Release connections; the next send opens what it needs."""


class SmtpTransport:
    """One reused connection; any failure drops it so the next send starts clean.

    Only the server's answer to this message (sender, recipient or data refused) can fail it
    for good, and only with a 5xx code; everything else is transient.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            config = self.config
            client = aiosmtplib.SMTP(
                hostname=config.hostname,
                port=config.port,
                use_tls=config.use_tls,
                start_tls=config.start_tls,
                username=config.username,
                password=config.password,
                timeout=config.timeout,
            )
            await client.connect()
            self._client = client
        return self._client

    async def send(self, sender: str, recipient: str, message: bytes, message_id: str) -> None:
        try:
            client = await self._connected()
            await client.sendmail(sender, [recipient], message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self.close()
            refusal = exc.recipients[0]
            raise _from_response(refusal.code, refusal.message) from exc
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as exc:
            await self.close()
            raise _from_response(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection, TLS and login trouble is the server's, never the message's: retry.
            await self.close()
            raise DeliveryError(
                f"{type(exc).__name__}: {exc}", permanent=False, kind=type(exc).__name__
            ) from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


def _from_response(code: int, message: str) -> DeliveryError:
    return DeliveryError(
        f"{code} {message}".strip(), permanent=500 <= code < 600, kind=f"smtp_{code}"
    )


class FileTransport:
    """Writes each message atomically to ``<dir>/<message-id>.eml`` (no SMTP configured).

    The name comes from the Message-ID, so a message delivered twice is one file.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, sender: str, recipient: str, message: bytes, message_id: str) -> None:
        name = "".join(c for c in message_id.strip("<>") if c.isalnum() or c in "@._-")
        temporary: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(
                dir=self.directory, prefix=".tmp-", suffix=".eml"
            )
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.directory / f"{name}.eml")
        except OSError as exc:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            raise DeliveryError(
                f"cannot write {self.directory}: {exc}", permanent=False, kind="file_write"
            ) from exc

    async def close(self) -> None:
        return None


def transport_for(smtp_url: str | None, mail_dir: Path) -> Transport:
    """SMTP when configured, else the .eml directory (the demo default)."""
    if smtp_url:
        return SmtpTransport(SmtpConfig.from_url(smtp_url))
    return FileTransport(mail_dir)
