"""Start-up time of the `hotline` command: `--help` of every command, and two that run.

Each command runs as its own process, as an operator types it, ``--rounds`` times; the script
prints the median and the slowest in seconds, beside the same-run baseline of a bare
``python -c pass`` (what any Python command costs on this machine at this moment). With
``--compare DIR`` it also times the checkout in DIR (e.g. an older commit) with the same
interpreter, so before/after are measured under the same load.

    .venv/bin/python -m benchmarks.cli_startup [--rounds 5] [--compare /tmp/old-checkout]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["serve", "--help"],
    ["db", "upgrade", "--help"],
    ["users", "create", "--help"],
    ["kb", "sync", "--help"],
    ["search", "reindex", "--help"],
    ["worker", "--help"],
    ["reply-templates", "seed", "--help"],
    ["users", "list"],  # runs: settings, database, one query
    ["municipalities", "sync"],
]


def timed(arguments: list[str], environment: dict[str, str], rounds: int) -> list[float]:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(arguments, env=environment, capture_output=True, check=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout to time alike")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        environment = {
            **os.environ,
            "HOTLINE_DATABASE_URL": f"sqlite:///{directory}/cli.db",
            "HOTLINE_VAR_DIR": f"{directory}/var",
        }
        hotline = [str(Path(sys.executable).with_name("hotline"))]
        subprocess.run(
            [*hotline, "db", "upgrade"], env=environment, check=True, capture_output=True
        )
        checkouts = {"this checkout": environment}
        if options.compare:
            checkouts[str(options.compare)] = {**environment, "PYTHONPATH": str(options.compare)}
        print(f"nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, {options.rounds} rounds")
        base = timed([sys.executable, "-c", "pass"], environment, options.rounds)
        print(f"{'baseline: python -c pass':40} median {statistics.median(base):.2f} s")
        for command in COMMANDS:
            for name, env in checkouts.items():
                seconds = timed([*hotline, *command], env, options.rounds)
                label = "hotline " + " ".join(command)
                print(
                    f"{label:40} median {statistics.median(seconds):.2f} s, "
                    f"slowest {max(seconds):.2f} s  ({name})"
                )


if __name__ == "__main__":
    main()
