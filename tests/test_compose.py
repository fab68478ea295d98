"""compose.yaml: the production shape on one machine, from the one image (no Docker needed)."""

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from typing import Any

import yaml

from tests.conftest import PROJECT_ROOT
from tests.mail.sink import free_port

HOTLINE_SERVICES = ("release", "app-1", "app-2", "worker")


def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())


def test_postgresql_two_app_processes_one_worker_and_a_catcher_from_one_image() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "smtp", *HOTLINE_SERVICES}
    assert {services[name]["build"] for name in HOTLINE_SERVICES} == {"."}
    assert {services[name]["image"] for name in (*HOTLINE_SERVICES, "smtp")} == {"hotline:local"}
    assert services["worker"]["command"] == ["worker"]
    for name in HOTLINE_SERVICES:
        environment = services[name]["environment"]
        assert environment["HOTLINE_DATABASE_URL"].endswith("@db:5432/hotline")
        assert environment["HOTLINE_SMTP_URL"].startswith("smtp://smtp:1025")
        assert environment["HOTLINE_RUN_WORKER"] == "false"  # only the worker delivers
    assert services["app-1"]["ports"] != services["app-2"]["ports"]


def test_the_catchers_command_line_starts_an_smtp_server_that_accepts_mail() -> None:
    smtp = compose()["services"]["smtp"]
    assert smtp["entrypoint"] == ["python", "-m", "aiosmtpd"]
    port = free_port()
    arguments = [
        f"--listen=127.0.0.1:{port}" if argument.startswith("--listen") else argument
        for argument in smtp["command"]
    ]
    catcher = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.dk", "b@x.dk", "Prøve"
        message.set_content("hej")
        deadline = time.monotonic() + 20
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                    client.send_message(message)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "the catcher did not start"
                time.sleep(0.1)
    finally:
        catcher.terminate()
        output = catcher.communicate(timeout=10)[0].decode()
    assert "Subject: Prøve" in output or "Subject: =?utf-8?" in output
