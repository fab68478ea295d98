"""Latency of the console's search-as-you-type fragment beside the JSON search API.

In one process, on a throwaway SQLite database holding the shipped knowledge base, a signed-in
console session asks for the htmx results fragment of each query in tests/search/relevance.yaml
(what an agent waits for after a keystroke), then the full agent page with an article, and in the
same run the JSON ``GET /api/v1/search`` for the same queries and ``GET /health`` as baselines.
Prints median and 95th percentile in milliseconds.

    .venv/bin/python -m benchmarks.console [--rounds 3]
"""

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml
from fastapi.testclient import TestClient

from hotline import migrate
from hotline.app import create_app
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.demo import DEMO_PASSWORD, seed_demo_accounts
from hotline.knowledge.files import sync_folder

SECRET = "benchmark-secret-0123456789-0123456789"  # noqa: S105 - throwaway database
AGENT = "agent.aarhus@hotline.example"
RELEVANCE_SET = PROJECT_ROOT / "tests" / "search" / "relevance.yaml"
# The search box as htmx posts it while the agent types (agent.html): into #results, fired by
# the box itself (no gap logged), with the page's CSRF header.
FRAGMENT = {"HX-Request": "true", "HX-Target": "results", "HX-Trigger-Name": "q"}


def prepare(directory: Path) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{directory / 'console.db'}",
        var_dir=directory,
        secret_key=SECRET,
        run_worker=False,
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(settings, engine=engine)
    with transaction(make_sessionmaker(engine)) as session:
        sync_folder(session, settings.knowledge_base_dir)
        seed_demo_accounts(session)
    engine.dispose()
    return settings


def timings(request: Callable[[], httpx.Response], count: int) -> list[float]:
    """Milliseconds per request; a failed request stops the benchmark."""
    result = []
    for _ in range(count):
        start = time.perf_counter()
        response = request()
        result.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return result


def report(name: str, values: list[float]) -> float:
    median = statistics.median(values)
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)
    print(f"{name:44} median {median:7.1f} ms   p95 {p95:7.1f} ms   (n={len(values)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query set")
    args = parser.parse_args()
    cases = yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as directory:
        settings = prepare(Path(directory))
        with TestClient(create_app(settings)) as client:
            login = client.get("/console/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
            client.post(
                "/console/login",
                data={"csrf_token": token, "email": AGENT, "password": DEMO_PASSWORD},
            )
            api_token = client.post(
                "/api/v1/auth/token", data={"username": AGENT, "password": DEMO_PASSWORD}
            ).json()["access_token"]
            bearer = {"Authorization": f"Bearer {api_token}"}
            page_text = client.get("/console/").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)
            typing = {**FRAGMENT, "X-CSRF-Token": csrf}
            queries = [(c["query"], c["municipality"]) for c in cases] * args.rounds
            runs: dict[str, list[float]] = {"GET /health (baseline)": [], "api": [], "frag": []}
            for query, code in queries:
                params = {"q": query, "municipality": code}
                runs["api"] += timings(
                    lambda p=params: client.get("/api/v1/search", params=p, headers=bearer), 1
                )
                form = {"csrf_token": csrf, "kommune": code, "q": query}
                runs["frag"] += timings(
                    lambda f=form: client.post("/console/soeg", data=f, headers=typing), 1
                )
            runs["GET /health (baseline)"] = timings(lambda: client.get("/health"), len(queries))
            page = timings(
                lambda: client.get(
                    "/console/",
                    params={
                        "kommune": "0751",
                        "q": "storskrald",
                        "artikel": "storskrald-afhentning",
                    },
                ),
                len(queries) // 4 or 1,
            )
        baseline = report("GET /health (baseline)", runs["GET /health (baseline)"])
        api = report("GET /api/v1/search (JSON)", runs["api"])
        fragment = report("console search fragment (htmx)", runs["frag"])
        full = report("console agent page with article", page)
        print(f"fragment / JSON search: {fragment / api:.2f}")
        print(f"fragment / baseline:    {fragment / baseline:.2f}")
        print(f"full page / fragment:   {full / fragment:.2f}")


if __name__ == "__main__":
    main()
