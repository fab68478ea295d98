"""What an API request costs beside the work it does: wrk against one uvicorn worker.

In one run, on loopback, with the same wrk settings for every server (one after the other):

- a bare FastAPI app (``benchmarks/bare_fastapi.py``): a sync endpoint (one thread-pool hop, as
  hotline's ``/health`` was) and an async one (no hop), under both uvicorn stacks;
- hotline as ``hotline serve`` runs it (this checkout), and with ``--compare DIR`` another
  checkout (e.g. main: ``git archive main | tar -x -C /tmp/main``) as main's ``serve`` ran it
  (asyncio loop, h11: main had neither uvloop nor httptools installed);

each serving a throwaway SQLite database with the shipped knowledge base: ``GET /health``,
``GET /api/v1/municipalities/0751``, resolved articles of 0751 (and the same with
``If-None-Match``), the API search with the agents' queries of tests/search/relevance.yaml and
the console's search fragment (htmx). ``--workers 2`` repeats ``/health`` with two app
processes. The access log is off, as production runs (``HOTLINE_ACCESS_LOG``).

Each measurement also reads the processor time the server's processes used (``/proc``): a
request's cost to the server, which neither wrk's own share of the two cores nor time spent
waiting moves, as they move a rate.

    .venv/bin/python -m benchmarks.request_cost [--seconds 5] [--connections 8] \
        [--compare /tmp/main] [--port 19000]

Needs ``wrk`` (Debian package ``wrk``).
"""

import argparse
import itertools
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import yaml
from sqlalchemy import select

from benchmarks.search_http import AGENT, RELEVANCE_SET, SECRET, prepare
from hotline.auth.models import User
from hotline.config import PROJECT_ROOT, Settings
from hotline.console.session import (
    COOKIE_NAME,
    CSRF_FIELD,
    CSRF_HEADER,
    encode_session,
    new_session,
)
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.knowledge.resolve import resolve_all

MUNICIPALITY = "0751"
API_SEARCH = "GET /api/v1/search"
CONSOLE_SEARCH = "console search (POST /soeg)"


@dataclass(frozen=True)
class Call:
    """One prepared request: a GET unless a method (and a body) is given."""

    path: str
    headers: dict[str, str]
    method: str = "GET"
    body: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    requests: list[Call]


@dataclass(frozen=True)
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    bad: int
    cpu_us: float  # the server's processor time per request (its processes, user + system)


def lua_script(requests: list[Call]) -> str:
    """A wrk script cycling through prepared requests (each with its own headers and body)."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = []
    for call in requests:
        headers = call.headers
        header_table = ", ".join(f"[{quoted(k)}] = {quoted(v)}" for k, v in headers.items())
        body = "nil" if call.body is None else quoted(call.body)
        rows.append(
            f"wrk.format({quoted(call.method)}, {quoted(call.path)}, {{{header_table}}}, {body})"
        )
    return (
        "local requests = {}\n"
        "local i = 0\n"
        "init = function(args)\n"
        + "".join(f"  requests[{n + 1}] = {row}\n" for n, row in enumerate(rows))
        + "end\n"
        "request = function()\n"
        "  i = i % #requests + 1\n"
        "  return requests[i]\n"
        "end\n"
    )


def _milliseconds(value: str) -> float:
    """wrk's latency (``812.00us``, ``6.31ms``, ``1.20s``, ``1.01m``) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        return math.nan
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[match.group(2)]
    return float(match.group(1)) * scale


def run_wrk(server: "Server", case: Case, args: argparse.Namespace, directory: Path) -> Result:
    script = directory / "case.lua"
    script.write_text(lua_script(case.requests), encoding="utf-8")
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    cpu_before = server.cpu_seconds()
    output = subprocess.run(
        [*command, "-s", str(script), server.base], capture_output=True, text=True, check=True
    ).stdout
    cpu = server.cpu_seconds() - cpu_before
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    # The distribution's own lines ("    50%    1.50ms"), not a "+/- Stdev" column (68.50%).
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        rate,
        _milliseconds(p50),
        _milliseconds(p99),
        int(bad.group(1)) if bad else 0,
        cpu / max(requests, 1) * 1e6,
    )


class Server:
    """One uvicorn server process, started and stopped around a block."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, port: int, log: Path):
        self.command, self.env, self.cwd, self.port, self.log = command, env, cwd, port, log
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self) -> "Server":
        self.stream = self.log.open("a")
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=self.cwd, stdout=self.stream, stderr=self.stream
        )
        for _ in range(300):
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            try:
                if httpx.get(self.base + "/sync", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {' '.join(self.command)} (see {self.log})")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.stream.close()

    def cpu_seconds(self) -> float:
        """Processor time the server's processes (the app workers too) have used so far: what
        a request costs the server, apart from wrk's own share of this machine's two cores
        and from time spent waiting (a rate moves with both)."""
        return sum(_process_cpu_seconds(pid) for pid in _process_tree(self.process.pid))


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_tree(pid: int) -> list[int]:
    """The process and its descendants (Linux ``/proc``: each thread's children)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            pending += [int(child) for child in task.read_text().split()]
    return tree


def _process_cpu_seconds(pid: int) -> float:
    """User + system time of one process (``/proc/PID/stat``, fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # ended between the listing and the read
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def hotline_cases(settings: Settings, token: str, base: str) -> list[Case]:
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        agent = session.scalars(select(User).where(User.email == AGENT)).one()
        console_session = new_session(settings, agent.id, agent.session_epoch)
        cookie = encode_session(settings, console_session)
        slugs = [article.slug for article in resolve_all(session, MUNICIPALITY)][:12]
    engine.dispose()
    bearer = {"Authorization": f"Bearer {token}"}
    municipality = f"/api/v1/municipalities/{MUNICIPALITY}"
    articles = [f"/api/v1/municipalities/{MUNICIPALITY}/articles/{slug}" for slug in slugs]
    with httpx.Client(base_url=base, headers=bearer) as http:
        # A search builds the server's index first, as production builds it at start: from
        # then on a municipality's fact values are kept beside it (hotline.search.readers).
        http.get("/api/v1/search", params={"q": "pas", "municipality": MUNICIPALITY})
        etags = [http.get(path).headers["ETag"] for path in articles]
    queries = yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
    searches = [
        "/api/v1/search?" + urlencode({"q": c["query"], "municipality": c["municipality"]})
        for c in queries
    ]
    # The console's search box as htmx sends it while the agent types (agent.html): a POST of
    # the search form (CSRF field, municipality, words) with the page's CSRF header, into
    # #results, fired by the box itself (``HX-Trigger-Name: q``, so no gap is logged).
    typing = {
        "HX-Request": "true",
        "HX-Target": "results",
        "HX-Trigger-Name": "q",
        "HX-Trigger": "q",
        CSRF_HEADER: console_session.csrf,
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{COOKIE_NAME}={cookie}",
    }
    posts = [
        Call(
            "/console/soeg",
            typing,
            "POST",
            urlencode(
                {CSRF_FIELD: console_session.csrf, "kommune": c["municipality"], "q": c["query"]}
            ),
        )
        for c in queries
    ]
    with httpx.Client(base_url=base) as http:  # every case must answer what a browser gets
        for call in posts[:3]:
            answer = http.post(call.path, headers=call.headers, content=call.body)
            if answer.status_code != 200 or "<html" in answer.text:
                raise RuntimeError(f"the console's search answered {answer.status_code}")
    return [
        Case("GET /health", [Call("/health", {})]),
        Case("GET /api/v1/municipalities/0751", [Call(municipality, bearer)]),
        Case("resolved article (200)", [Call(path, bearer) for path in articles]),
        Case(
            "resolved article, If-None-Match",
            [
                Call(path, {**bearer, "If-None-Match": etag})
                for path, etag in zip(articles, etags, strict=True)
            ],
        ),
        Case(API_SEARCH, [Call(path, bearer) for path in searches]),
        Case(CONSOLE_SEARCH, posts),
    ]


def uvicorn_command(app: str, stack: str, workers: int, port: int) -> list[str]:
    loop, http = ("asyncio", "h11") if stack == "asyncio/h11" else ("uvloop", "httptools")
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        loop,
        "--http",
        http,
        "--workers",
        str(workers),
        "--no-proxy-headers",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--compare", type=Path, help="another checkout, served as main serves")
    parser.add_argument("--port", type=int, default=19000)
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument(
        "--compare-serve",
        action="store_true",
        help="serve the --compare checkout as this one is served (hotline serve), for an A/B "
        "of code alone",
    )
    parser.add_argument(
        "--hotline",
        type=Path,
        default=Path(sys.executable).with_name("hotline"),
        help="the hotline command to serve with (a copy elsewhere keeps a shared machine's "
        "`pkill -f 'hotline serve'` off the measured servers)",
    )
    parser.add_argument(
        "--only", action="append", help="measure only the cases whose name contains this"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    samples: dict[tuple[str, str], list[Result]] = {}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
        directory = Path(tmp)
        settings, token = prepare(directory)
        multiproc = directory / "prometheus"
        multiproc.mkdir()
        env = {
            **os.environ,
            "HOTLINE_DATABASE_URL": settings.database_url,
            "HOTLINE_VAR_DIR": str(directory),
            "HOTLINE_SECRET_KEY": SECRET,
            "HOTLINE_ACCESS_LOG": "false",
        }
        log = directory / "servers.log"
        ports = itertools.count(args.port)
        hotline = str(args.hotline)
        bare, app = "benchmarks.bare_fastapi:create_app", "hotline.app:create_app"

        def hotline_serve(workers: int) -> Callable[[int], list[str]]:
            return lambda port: [
                *(hotline, "serve", "--host", "127.0.0.1", "--port", str(port)),
                *("--workers", str(workers)),
            ]

        def uvicorn(app: str, stack: str, workers: int = 1) -> Callable[[int], list[str]]:
            return lambda port: uvicorn_command(app, stack, workers, port)

        # label, command, checkout, which cases, app processes
        plan: list[tuple[str, Callable[[int], list[str]], Path, str, int]] = []
        if args.compare:
            compare = args.compare.resolve()
            if args.compare_serve:
                plan.append(("before", hotline_serve(1), compare, "hotline", 1))
            else:
                plan.append(
                    ("bare, asyncio/h11", uvicorn(bare, "asyncio/h11"), PROJECT_ROOT, "bare", 1)
                )
                plan.append(("before", uvicorn(app, "asyncio/h11"), compare, "hotline", 1))
        plan.append(
            ("bare, uvloop/httptools", uvicorn(bare, "uvloop/httptools"), PROJECT_ROOT, "bare", 1)
        )
        plan.append(("after", hotline_serve(1), PROJECT_ROOT, "hotline", 1))
        if not args.skip_workers:
            if args.compare:
                before2 = uvicorn(app, "asyncio/h11", workers=2)
                plan.append(("before, --workers 2", before2, compare, "health", 2))
            plan.append(("after, --workers 2", hotline_serve(2), PROJECT_ROOT, "health", 2))

        # Every server runs for the whole run and each round measures every (case, server) once,
        # one after the other: a load change on this shared machine hits all of them alike.
        measured: list[tuple[str, Server, Case]] = []
        for label, command, cwd, cases, workers in plan:
            port = next(ports)
            environment = dict(env)
            if cwd != PROJECT_ROOT:
                environment["PYTHONPATH"] = str(cwd)
            if workers > 1:
                environment["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc)
            server = servers.enter_context(Server(command(port), environment, cwd, port, log))
            if cases == "bare":
                chosen = [Case("bare FastAPI, sync", [Call("/sync", {})])]
                chosen.append(Case("bare FastAPI, async", [Call("/async", {})]))
            elif cases == "health":
                chosen = [Case("GET /health", [Call("/health", {})])]
            else:
                chosen = hotline_cases(settings, token, server.base)
            if args.only:
                chosen = [c for c in chosen if any(part in c.name for part in args.only)]
            measured += [(label, server, case) for case in chosen]
        warm_up = argparse.Namespace(seconds=1, connections=2)
        for _label, server, case in measured:
            run_wrk(server, case, warm_up, directory)
        order = sorted(measured, key=lambda entry: entry[2].name)
        for round_ in range(args.rounds):
            for label, server, case in order:
                result = run_wrk(server, case, args, directory)
                samples.setdefault((label, case.name), []).append(result)
                print(
                    f"round {round_ + 1} {label:24} {case.name:34} {result.rate:8.1f} req/s  "
                    f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                    f"server CPU {result.cpu_us:6.0f} us a request"
                    + (f"  ({result.bad} non-2xx/3xx)" if result.bad else ""),
                    flush=True,
                )
    rates = {key: statistics.median(r.rate for r in results) for key, results in samples.items()}
    cpu = {key: statistics.median(r.cpu_us for r in results) for key, results in samples.items()}
    print(
        f"\nmedian of {args.rounds} rounds: requests/s (over the same server's /health's); "
        "the server's processor time a request (/health's over it)"
    )
    for label in dict.fromkeys(label for label, _ in samples):
        health = rates.get((label, "GET /health"))
        health_cpu = cpu.get((label, "GET /health"))
        for (other, name), rate in rates.items():
            if other == label:
                ratio = f"  {rate / health:.2f}x /health" if health else "            "
                spent = cpu[other, name]
                cpu_ratio = f" ({health_cpu / spent:.2f}x)" if health_cpu else ""
                print(f"{label:24} {name:34} {rate:8.1f}{ratio}  CPU {spent:6.0f} us{cpu_ratio}")
        _print_console_to_api(label, samples)
        bare_label = "bare, asyncio/h11" if label.startswith("before") else "bare, uvloop/httptools"
        for variant in ("sync", "async"):
            bare_rate = rates.get((bare_label, f"bare FastAPI, {variant}"))
            if health and bare_rate:
                print(
                    f"{label:24} /health / bare {variant} ({bare_label}): {health / bare_rate:.2f}"
                )


def _print_console_to_api(label: str, samples: dict[tuple[str, str], list[Result]]) -> None:
    """The console's search rate over the API's, and its server CPU over the API's, round by
    round: the two are measured on the same server in the same round, so a load change that
    moves both cancels out of their ratio; the medians of rounds apart moved by up to 40 % on
    this machine."""
    console = samples.get((label, CONSOLE_SEARCH))
    api = samples.get((label, API_SEARCH))
    if not (console and api):
        return
    pairs = list(zip(console, api, strict=True))
    for what, ratios, target in (
        ("console search / API search", [c.rate / a.rate for c, a in pairs], f">= {1 / 1.2:.3f}"),
        (
            "console search's server CPU / API search's",
            [c.cpu_us / a.cpu_us for c, a in pairs],
            "<= 1.2",
        ),
    ):
        rounds = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(
            f"{label:24} {what}, each round: {rounds}; "
            f"median {statistics.median(ratios):.2f} (within 1.2x: {target})"
        )


if __name__ == "__main__":
    main()
