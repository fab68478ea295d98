"""Cost of the knowledge base: syncing the shipped folder and resolving articles.

Run: ``.venv/bin/python benchmarks/knowledge.py [--rounds 20]``. On one throwaway SQLite
database it measures the first and the (no-op) second ``kb sync`` of ``knowledge_base/``, and
per municipality the median of ``resolve_all`` and of one ``resolve``, against a baseline in the
same run: loading the same articles with one plain SELECT and rendering their Markdown to HTML,
i.e. the floor of any resolution.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from hotline import migrate
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.knowledge.files import sync_folder
from hotline.knowledge.models import Article
from hotline.knowledge.resolve import markdown_to_html, resolve, resolve_all

MUNICIPALITIES = ("0751", "0101", "0461", "0851", "0563", "0741")


def median_ms(action: Callable[[], object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite:///{Path(directory) / 'bench.db'}", var_dir=Path(directory)
        )
        engine = make_engine(settings.database_url)
        migrate.upgrade(settings, engine=engine)
        factory = make_sessionmaker(engine)
        for attempt in ("first", "second"):
            started = time.perf_counter()
            with transaction(factory) as session:
                report = sync_folder(session, PROJECT_ROOT / "knowledge_base")
            elapsed = (time.perf_counter() - started) * 1000
            print(f"kb sync ({attempt}): {elapsed:8.1f} ms, {report.changes} changes")

        with factory() as session:

            def baseline() -> None:
                for article in session.scalars(select(Article)):
                    markdown_to_html(article.body)

            print(
                f"baseline (SELECT + Markdown of all shared): {median_ms(baseline, rounds):6.2f} ms"
            )
            for code in MUNICIPALITIES:
                count = len(resolve_all(session, code))
                every = median_ms(lambda code=code: resolve_all(session, code), rounds)
                one = median_ms(lambda code=code: resolve(session, "pas-voksen", code), rounds)
                print(
                    f"{code}: resolve_all {every:6.2f} ms ({count} articles), resolve {one:5.2f} ms"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
