"""What a request costs in instructions: the app called in-process under callgrind.

wrk's rates (``benchmarks/request_cost.py``) on this shared 2-core machine move by up to 40 %
from one round to the next, so a change worth a few per cent of a request cannot be told from
the noise there. The number of instructions a request executes does not depend on the load.

For each case and checkout, one process under ``valgrind --tool=callgrind`` with
instrumentation off: it prepares a throwaway SQLite database with the shipped knowledge base,
serves it once with uvicorn to prepare the requests exactly as ``request_cost`` does
(``hotline_cases``: the same accounts, queries, headers and bodies), then enters the app's
lifespan and calls the ASGI app itself (no HTTP). It searches once (the index is built, as
production builds it at start), makes 50 requests to warm up, and asks for instrumentation;
the instructions of the next ``--requests`` requests are counted. Two things run by the clock
and, ~50x slower under valgrind, would be counted into every request: the index's look at the
change log (every 0.2 s) and the embedded outbox worker. The measured process turns both off.

    .venv/bin/python -m benchmarks.request_instructions [--requests 300] [--compare DIR] \
        [--only NAME ...]
    git archive main | tar -x -C /tmp/main     # the "before" checkout for --compare

Needs valgrind (Debian package ``valgrind``). Each (case, checkout) takes about a minute.
"""

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hotline.config import PROJECT_ROOT

CASES = (
    "GET /health",
    "GET /api/v1/municipalities/0751",
    "resolved article (200)",
    "GET /api/v1/search",
    "console search (POST /soeg)",
)
WARM_UP = 50
# The measured process runs this file from the checkout it measures (its working directory),
# so ``hotline`` and ``benchmarks`` are that checkout's.
_RUN_AS_CHILD = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__child__')"


def instructions_per_request(checkout: Path, case: str, requests: int) -> float:
    """Run one measured process and read callgrind's total."""
    with tempfile.TemporaryDirectory() as tmp:
        ready, out, log = Path(tmp) / "ready", Path(tmp) / "callgrind.out", Path(tmp) / "log"
        command = [
            *("valgrind", "--tool=callgrind", "--instr-atstart=no"),
            f"--callgrind-out-file={out}",
            *(sys.executable, "-c", _RUN_AS_CHILD, __file__, case, str(ready), str(requests)),
        ]
        env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0"}
        with log.open("w") as stream:
            process = subprocess.Popen(command, cwd=checkout, env=env, stdout=stream, stderr=stream)
            while not (ready.exists() and ready.read_text()):
                if process.poll() is not None:
                    sys.exit(f"{case} in {checkout} failed:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            subprocess.run(
                ["callgrind_control", "-i", "on", ready.read_text()],
                check=True,
                capture_output=True,
            )
            ready.unlink()
            if process.wait() != 0:
                sys.exit(f"{case} in {checkout} failed:\n{log.read_text()[-3000:]}")
        totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if totals is None:
            sys.exit(f"no totals in callgrind's output for {case} in {checkout}")
        return int(totals.group(1)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--compare", type=Path, help="another checkout, measured the same way")
    parser.add_argument(
        "--only", action="append", help="measure only the cases whose name contains this"
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    cases = [c for c in CASES if not args.only or any(word in c for word in args.only)]
    checkouts = {"this tree": PROJECT_ROOT}
    if args.compare:
        checkouts = {"compare": args.compare.resolve(), **checkouts}
    counts: dict[tuple[str, str], float] = {}
    for case in cases:
        for label, checkout in checkouts.items():
            counts[label, case] = instructions_per_request(checkout, case, args.requests)
            print(f"{label:10s} {case:36s} {counts[label, case] / 1e6:7.3f} M instructions")
    print("\ninstructions per request (millions), and per /health where it was measured")
    for case in cases:
        row = [f"{case:36s}"]
        for label in checkouts:
            health = counts.get((label, "GET /health"))
            share = f" ({counts[label, case] / health:.2f}x)" if health else ""
            row.append(f"{label}: {counts[label, case] / 1e6:6.3f}{share}")
        if args.compare:
            row.append(f"this / compare {counts['this tree', case] / counts['compare', case]:.3f}")
        print("  ".join(row))


# ------------------------------------------------------------------- the measured process


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _child(case_name: str, ready: Path, requests: int) -> None:
    """The measured process. It imports here, from the checkout it runs in, only what main has
    had since run 9 (``prepare``, ``hotline_cases``, ``Server``), so older checkouts compare."""
    os.environ["HOTLINE_ACCESS_LOG"] = "false"
    import hotline.search.index
    from benchmarks.request_cost import Server, hotline_cases, uvicorn_command
    from benchmarks.search_http import SECRET, prepare
    from hotline.app import create_app

    hotline.search.index.REFRESH_SECONDS = 3600.0
    with tempfile.TemporaryDirectory() as tmp:
        settings, token = prepare(Path(tmp))
        env = {
            **os.environ,
            "HOTLINE_DATABASE_URL": settings.database_url,
            "HOTLINE_VAR_DIR": tmp,
            "HOTLINE_SECRET_KEY": SECRET,
        }
        port = _free_port()
        command = uvicorn_command("hotline.app:create_app", "uvloop/httptools", 1, port)
        with Server(command, env, Path.cwd(), port, Path(tmp) / "server.log") as server:
            cases = {case.name: case for case in hotline_cases(settings, token, server.base)}
        app = create_app(settings.model_copy(update={"run_worker": False}))
        first_search = cases["GET /api/v1/search"].requests[0]
        asyncio.run(_measure(app, [first_search], cases[case_name].requests, ready, requests))


async def _measure(app: Any, before: list[Any], calls: list[Any], ready: Path, n: int) -> None:
    async with app.router.lifespan_context(app):  # it sets app.state, as under uvicorn
        for call in before + [calls[i % len(calls)] for i in range(WARM_UP)]:
            await _call(app, call)
        ready.write_text(str(os.getpid()))
        while ready.exists():  # the parent switches instrumentation on, then removes it
            await asyncio.sleep(0.1)
        for i in range(n):
            await _call(app, calls[i % len(calls)])


async def _call(app: Any, call: Any) -> None:
    """One request through the ASGI app, as uvicorn would hand it over; not a 2xx or 304 stops."""
    path, _, query = call.path.partition("?")
    headers = [(k.lower().encode(), v.encode()) for k, v in call.headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": call.method,
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [*headers, (b"host", b"127.0.0.1:8000")],
    }
    body = [{"type": "http.request", "body": (call.body or "").encode(), "more_body": False}]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        if body:
            return body.pop()
        await asyncio.sleep(3600)  # a client that stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    if not statuses or not (200 <= statuses[0] < 300 or statuses[0] == 304):
        raise RuntimeError(f"{call.method} {call.path} answered {statuses}")


if __name__ == "__main__":
    main()
elif __name__ == "__child__":
    _child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
