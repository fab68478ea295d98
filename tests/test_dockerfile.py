"""The production image's health check, run as Docker runs it, against the real app."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.app import create_app
from hotline.config import Settings
from tests.conftest import PROJECT_ROOT, serving
from tests.mail.sink import free_port


def health_check_command() -> str:
    """The shell command of the Dockerfile's HEALTHCHECK (its continued lines joined)."""
    text = (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK"))
    return line.split(" CMD ", 1)[1].strip()


@pytest.fixture
def serving_port(settings: Settings) -> Iterator[int]:
    port = free_port()
    with serving(create_app(settings), port):
        yield port


def run_health_check(port: int) -> int:
    """Exit status of the health check in a container whose server listens on ``port``."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    environment = os.environ | {"PATH": path, "HOTLINE_PORT": str(port)}
    command = ["sh", "-c", health_check_command()]
    return subprocess.run(command, env=environment, capture_output=True, timeout=30).returncode


def test_health_check_asks_the_port_the_server_listens_on(serving_port: int) -> None:
    assert run_health_check(serving_port) == 0


def test_health_check_fails_when_nothing_answers(serving_port: int) -> None:
    assert run_health_check(free_port()) != 0
