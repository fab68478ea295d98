"""The real processes, as deployed: `hotline serve` (one or several app processes) and
`hotline worker`, their logs captured from stderr and their /metrics scraped over loopback."""

import json
import os
import time
from pathlib import Path

import httpx
import pytest

from hotline.auth.models import User
from hotline.config import Settings
from hotline.demo import DEMO_PASSWORD
from tests.mail.sink import SmtpSink, free_port
from tests.observability.conftest import sample
from tests.processes import environment, process, wait_until_up

pytestmark = pytest.mark.slow

CITIZEN_EMAIL = "karen.ulstrup-vinther@example.dk"
CITIZEN_NAME = "Karen Ulstrup-Vinther"
SEARCH_WORDS = "hundeluftning gravsted"


def test_a_full_flow_logs_json_with_request_ids_and_no_personal_data(
    settings: Settings, demo_users: dict[str, User], tmp_path: Path
) -> None:
    sink = SmtpSink()
    sink.start()
    port, metrics_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    app_log, worker_log = tmp_path / "app.log", tmp_path / "worker.log"
    worker_env = environment(
        settings,
        HOTLINE_SMTP_URL=sink.url,
        HOTLINE_MAIL_POLL_SECONDS="0.05",
        HOTLINE_WORKER_METRICS_PORT=str(metrics_port),
    )
    try:
        with (
            process(["serve", "--port", str(port)], environment(settings), app_log),
            process(["worker"], worker_env, worker_log),
        ):
            wait_until_up(url)
            token = httpx.post(
                f"{url}/api/v1/auth/token",
                data={"username": demo_users["agent.odense"].email, "password": DEMO_PASSWORD},
            ).json()["access_token"]
            agent = {"Authorization": f"Bearer {token}"}
            found = httpx.get(
                f"{url}/api/v1/search",
                params={"q": SEARCH_WORDS, "municipality": "0461"},
                headers=agent,
            )
            assert found.status_code == 200, found.text
            sent = httpx.post(
                f"{url}/api/v1/replies",
                json={
                    "municipality": "0461",
                    "to": CITIZEN_EMAIL,
                    "citizen_name": CITIZEN_NAME,
                    "subject": "Svar på dit spørgsmål",
                    "body_markdown": f"Kære {CITIZEN_NAME}, om {SEARCH_WORDS}: se hjemmesiden.",
                },
                headers=agent,
            )
            assert sent.status_code == 202, sent.text
            sink.wait_for(1)
            worker_metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    finally:
        sink.stop()

    lines = app_log.read_text().splitlines() + worker_log.read_text().splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    request_id = sent.headers["X-Request-ID"]
    assert any(e["event"] == "delivered" and e["request_id"] == request_id for e in events)
    assert any(e.get("route") == "/api/v1/search" and e["status"] == 200 for e in events)
    everything = "\n".join(lines).lower()
    for personal in [CITIZEN_EMAIL, CITIZEN_NAME, *CITIZEN_NAME.split(), *SEARCH_WORDS.split()]:
        assert personal.lower() not in everything, f"{personal!r} was logged"
    assert DEMO_PASSWORD.lower() not in everything
    assert sample(worker_metrics, "hotline_mail_deliveries_total") == 1
    assert sample(worker_metrics, "hotline_outbox_replies", status="queued") == 0


def writers(directory: Path) -> set[str]:
    """The process ids that have written metrics into a multi-process directory."""
    return {name.removesuffix(".db").rsplit("_", 1)[1] for name in os.listdir(directory)}


def test_metrics_of_several_app_processes_add_up_in_every_scrape(
    settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"")  # a stale file of an earlier run
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(settings, PROMETHEUS_MULTIPROC_DIR=str(directory))
    with process(["serve", "--port", str(port), "--workers", "2"], env, tmp_path / "app.log"):
        deadline = time.monotonic() + 180  # as wait_until_up: a minute or more at load 15-20
        while len(writers(directory)) < 2:  # each app process writes once it has started
            assert time.monotonic() < deadline, "the two app processes did not start"
            time.sleep(0.1)
        wait_until_up(url)
        before = sample(
            httpx.get(f"{url}/metrics").text,
            "hotline_http_responses_total",
            method="GET",
            route="/health",
            status="200",
        )
        for _ in range(40):
            assert httpx.get(f"{url}/health").status_code == 200  # a new connection each
        scrapes = [httpx.get(f"{url}/metrics").text for _ in range(6)]
    for scrape in scrapes:
        counted = sample(
            scrape, "hotline_http_responses_total", method="GET", route="/health", status="200"
        )
        assert counted - before == 40
    assert "999999" not in writers(directory)  # `hotline serve` emptied the directory first
