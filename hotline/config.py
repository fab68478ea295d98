"""All settings in one place, read from the environment with the prefix ``HOTLINE_``."""

import secrets
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Environment(StrEnum):
    DEMO = "demo"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    environment: Environment = Environment.DEMO
    database_url: str = "sqlite:///./var/hotline.db"
    secret_key: SecretStr | None = None
    smtp_url: str | None = None
    # Send every reply From this address (Reply-To: the municipality); None = its own address.
    mail_shared_sender: str | None = None
    # Outbox delivery (hotline/replies/worker.py); DKIM keys are <dkim_key_dir>/<domain>.pem.
    run_worker: bool = True  # also deliver the outbox inside `hotline serve`
    dkim_key_dir: Path | None = None
    dkim_selector: str = "hotline"
    mail_batch_size: int = 50
    mail_confirm_group: int = 10  # sent outcomes written together; a crash may resend these
    mail_lease_seconds: float = 120.0
    mail_poll_seconds: float = 2.0
    mail_retry_base_seconds: float = 30.0
    mail_retry_max_seconds: float = 3600.0
    mail_max_attempts: int = 30
    reply_retention_days: int = 180  # then recipient and content of settled replies are erased
    contact_retention_days: int = 90  # then a contact's citizen details and note are erased
    # After a booked meeting's end (or its slot's, if cancelled) the citizen's name, phone,
    # email and answers are erased; the public booking page's privacy text states this period.
    booking_retention_days: int = 90
    # Satisfaction (hotline/satisfaction): the citizen's survey link and the public page's limit.
    survey_link_days: int = 30  # a survey link works this long after it was mailed
    survey_change_days: int = 7  # the citizen may change their answer this long
    survey_requests_per_address: int = 30  # survey page requests per address and window
    survey_rate_window_seconds: int = 600
    # Database connections per process. 10 + 30 = 40, the threads each process runs sync
    # endpoints in, so a burst waits for a thread rather than for a connection; the search
    # index reads through 2 more of its own. Size PostgreSQL's max_connections for
    # (processes x 42) + workers. A request that still waits
    # longer than the timeout for a connection is told 503 with Retry-After, never 500.
    database_pool_size: int = 10
    database_max_overflow: int = 30
    database_pool_timeout_seconds: float = 10.0
    public_base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = Path("var")
    knowledge_base_dir: Path = PROJECT_ROOT / "knowledge_base"
    letterheads_dir: Path = PROJECT_ROOT / "templates" / "letterheads"
    migrations_dir: Path = PROJECT_ROOT / "migrations"
    migrate_on_start: bool = False
    token_ttl_minutes: int = 30
    console_session_hours: int = 8  # one shift; the console asks for a new sign-in after it
    # One account from one address may fail this often; then each failure doubles a wait that
    # starts at login_delay_seconds, up to login_failure_window_seconds (which is also the
    # window of the per-address limit). Other addresses are never locked out by it.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    login_failure_window_seconds: int = 900
    login_delay_seconds: int = 5
    # Comma-separated addresses or networks (10.0.0.0/8) of reverse proxies whose
    # X-Forwarded-For is believed; empty: the connecting address is the client's.
    trusted_proxies: str = ""
    # Above any form, JSON body or logo upload (200 KB) the API and console accept.
    max_request_bytes: int = 1_000_000
    # Observability (README "Operations"): JSON log lines at this level; one access log line
    # per request (route template, status, time; never the raw path) - default off in production.
    log_level: str = "INFO"
    access_log: bool | None = None
    # `hotline worker` serves its own /metrics on this port (None: none; `serve` has /metrics).
    worker_metrics_port: int | None = None
    # Public booking page (hotline/meetings): attempts per client address and window.
    booking_attempts_per_address: int = 20
    booking_attempt_window_seconds: int = 3600

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        """Accept the plain ``postgresql://`` URLs operators copy from their provider."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for entry in value.split(","):
            if entry.strip():
                ip_network(entry.strip(), strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> "Settings":
        if self.environment is Environment.PRODUCTION and self.secret_key is None:
            raise ValueError(
                "HOTLINE_SECRET_KEY must be set in production "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(
            ip_network(entry.strip(), strict=False)
            for entry in self.trusted_proxies.split(",")
            if entry.strip()
        )

    @property
    def writes_access_log(self) -> bool:
        return self.access_log if self.access_log is not None else not self.is_production

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @cached_property
    def signing_key(self) -> str:
        """The configured secret, or in demo mode one generated once into ``var/``."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.var_dir / "secret_key"
        if not key_file.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
