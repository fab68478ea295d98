"""Requests per second of ``GET /api/v1/search`` beside trivial endpoints of the same app.

One uvicorn server (one worker) on loopback serves a throwaway SQLite database holding the
shipped knowledge base; in the same run, with the same client and concurrency, it measures
``GET /health`` (no database) and ``GET /api/v1/municipalities/{code}`` (token + one row),
then search with the agents' queries of tests/search/relevance.yaml, and prints the ratios.

    .venv/bin/python -m benchmarks.search_http [--seconds 10] [--concurrency 4]

(Run it as a module: a script named http.py would shadow the standard library's ``http``.)
"""

import argparse
import asyncio
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from sqlalchemy import select

from hotline import migrate
from hotline.auth.models import User
from hotline.auth.service import issue_token
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.demo import seed_demo_accounts
from hotline.knowledge.files import sync_folder

SECRET = "benchmark-secret-0123456789-0123456789"  # noqa: S105 - throwaway database
AGENT = "agent.aarhus@hotline.example"
RELEVANCE_SET = PROJECT_ROOT / "tests" / "search" / "relevance.yaml"


def prepare(directory: Path) -> tuple[Settings, str]:
    """A migrated database with the shipped knowledge base (indexed) and a bearer token."""
    settings = Settings(
        database_url=f"sqlite:///{directory / 'http.db'}", var_dir=directory, secret_key=SECRET
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(settings, engine=engine)
    with transaction(make_sessionmaker(engine)) as session:
        sync_folder(session, settings.knowledge_base_dir)
        seed_demo_accounts(session)
    with transaction(make_sessionmaker(engine)) as session:
        agent = session.scalars(select(User).where(User.email == AGENT)).one()
        token = issue_token(settings, agent).token
    engine.dispose()
    return settings, token


async def measure(
    base: str, paths: list[str], token: str, seconds: float, concurrency: int
) -> tuple[float, int]:
    """Requests per second with ``concurrency`` keep-alive clients cycling through ``paths``."""
    cycle = itertools.cycle(paths)
    done = errors = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        nonlocal done, errors
        async with httpx.AsyncClient(base_url=base, headers=headers) as http:
            while time.perf_counter() < deadline:
                response = await http.get(next(cycle))
                done += 1
                errors += response.status_code != 200

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done / (time.perf_counter() - start), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    cases = yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
    searches = [
        str(
            httpx.URL("/api/v1/search", params={"q": c["query"], "municipality": c["municipality"]})
        )
        for c in cases
    ]
    with tempfile.TemporaryDirectory() as directory:
        settings, token = prepare(Path(directory))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        environment = {
            **os.environ,
            "HOTLINE_DATABASE_URL": settings.database_url,
            "HOTLINE_VAR_DIR": directory,
            "HOTLINE_SECRET_KEY": SECRET,
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "hotline.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=environment,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            runs = {
                "GET /health": ["/health"],
                "GET /api/v1/municipalities/{code}": ["/api/v1/municipalities/0751"],
                "GET /api/v1/search": searches,
            }
            asyncio.run(measure(base, searches[:20], token, 1.0, args.concurrency))  # warm up
            rates = {}
            for name, paths in runs.items():
                rate, errors = asyncio.run(
                    measure(base, paths, token, args.seconds, args.concurrency)
                )
                rates[name] = rate
                print(f"{name:36} {rate:8.1f} requests/s  ({errors} errors)")
            search = rates["GET /api/v1/search"]
            for name in ("GET /health", "GET /api/v1/municipalities/{code}"):
                print(f"search / {name}: {search / rates[name]:.2f}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
