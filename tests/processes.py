"""The real processes, as deployed: `hotline serve` and `hotline worker` started as commands,
their stderr captured, reached over loopback."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hotline.config import Settings
from tests.conftest import TEST_SECRET

HOTLINE = Path(sys.executable).with_name("hotline")


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": settings.database_url,
        "HOTLINE_SECRET_KEY": TEST_SECRET,
        "HOTLINE_VAR_DIR": str(settings.var_dir),
        "HOTLINE_RUN_WORKER": "false",
        "HOTLINE_ACCESS_LOG": "true",
        **extra,
    }


@contextmanager
def process(arguments: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    """A `hotline` command running until the block ends (SIGTERM), its stderr into ``log``."""
    with log.open("wb") as stderr:
        running = subprocess.Popen([str(HOTLINE), *arguments], env=env, stderr=stderr)
        try:
            yield
        finally:
            running.terminate()
            running.wait(timeout=20)


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 180  # start-up takes a minute on a machine at load 15-20
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.1)
