"""Search at scale: index build time, memory, query latency through the real search service,
and how soon an edit is found by another process.

Corpus: N shared articles of ~300 words (Danish words from the shipped knowledge base and
compounds of them), all 98 municipalities with fact values, a share of the (article,
municipality) pairs overridden (replace / append / hide), fact placeholders in every article.
Baselines in the same run, on the same in-memory tantivy index: a bare top-10 query of the same
stems over every document (no view, no facts, no counts), and the same with the service's
municipality view and fact values (no counts, snippets or suggestion).

    .venv/bin/python -m benchmarks.search [--articles 5000] [--override-share 0.2]
        [--queries 2000] [--edits 40]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Quick run: ``--articles 500 --queries 300``. Targets: service p50 <= 1 ms, p95 <= 5 ms,
p99 <= 10 ms; build <= 30 s; RSS <= 400 MB; edit found by another process p95 <= 1 s.
"""

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, make_url, select, text
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.app import settle_heap
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.knowledge.models import Article, Fact, FactValue, Override
from hotline.knowledge.resolve import today
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import sync_municipalities
from hotline.search import service
from hotline.search.analyzer import WORD
from hotline.search.index import FIELD_WEIGHTS, SearchIndex
from hotline.search.indexing import INDEX, analyzer, listen, new_index

SECRET = "benchmark-secret-0123456789-0123456789"  # noqa: S105 - throwaway database
KNOWLEDGE_BASE = PROJECT_ROOT / "knowledge_base"
FACTS = {  # key -> (type, value for municipality number i)
    "kommune_navn": ("text", lambda i: f"Kommune nummer {i}"),
    "borgerservice_telefon": ("phone", lambda i: f"+45 {70 + i % 20} {10 + i % 80} 20 {i:02d}"),
    "borgerservice_adresse": ("text", lambda i: f"Rådhusgade {i}, {5000 + i} Byen"),
    "gebyr_pas": ("money", lambda i: str(600 + i)),
    "url_kommune": ("url", lambda i: f"https://kommune{i}.example"),
    "affaldsselskab_navn": ("text", lambda i: f"Affaldsselskab{i}"),
}


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Real Danish words from the shipped articles, then compounds of them, most common first."""
    text_ = " ".join(path.read_text() for path in KNOWLEDGE_BASE.rglob("*.md"))
    counts: dict[str, int] = {}
    for word in WORD.findall(text_.lower()):
        if len(word) > 2 and not word.isdigit():
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda word: -counts[word])
    seen = set(words)
    while len(words) < size:
        compound = rng.choice(words[:2000]) + rng.choice(words[:2000])
        if compound not in seen:
            seen.add(compound)
            words.append(compound)
    return words


class Zipf:
    """Draws words with probability ~ 1/rank, like real text."""

    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words, self.rng = words, rng
        self.weights = [1 / (rank + 1) for rank in range(len(words))]

    def sample(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self._cumulative(), k=count)

    def _cumulative(self) -> list[float]:
        if not hasattr(self, "_cum"):
            total, self._cum = 0.0, []
            for weight in self.weights:
                total += weight
                self._cum.append(total)
        return self._cum


def _text(zipf: Zipf, words: int, facts: list[str]) -> str:
    body = zipf.sample(words)
    for key in facts:
        body.insert(zipf.rng.randrange(len(body)), f"{{{{ {key} }}}}")
    sentences = [" ".join(body[i : i + 12]).capitalize() + "." for i in range(0, len(body), 12)]
    return "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))


def build_corpus(
    session: Session, articles: int, override_share: float, seed: int = 7
) -> dict[str, int]:
    """Bulk-load the scale corpus into the knowledge tables (no indexing: that is timed apart)."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    zipf = Zipf(words, rng)
    sync_municipalities(session, KNOWLEDGE_BASE / "municipalities.csv")
    codes = sorted(session.scalars(select(Municipality.code)))
    now = datetime.now(UTC)
    session.execute(
        insert(Fact),
        [{"key": key, "description": key, "type": kind} for key, (kind, _) in FACTS.items()],
    )
    session.execute(
        insert(FactValue),
        [
            {
                "municipality_code": code,
                "fact_key": key,
                "value": value(i),
                "updated_at": now,
                "updated_by": "bench",
            }
            for i, code in enumerate(codes)
            for key, (_, value) in FACTS.items()
        ],
    )
    categories = [f"Kategori {n}" for n in range(12)]
    rows = []
    for n in range(articles):
        facts = rng.sample(sorted(FACTS), 3)
        rows.append(
            {
                "id": n + 1,
                "slug": f"artikel-{n}",
                "title": " ".join(zipf.sample(rng.randint(3, 6))).capitalize(),
                "body": _text(zipf, 300, facts),
                "category": rng.choice(categories),
                "tags": zipf.sample(3),
                "updated_at": now,
                "updated_by": "bench",
            }
        )
    for start in range(0, len(rows), 2_000):
        session.execute(insert(Article), rows[start : start + 2_000])
    overrides = []
    pairs = [(article, code) for article in range(1, articles + 1) for code in codes]
    for article, code in rng.sample(pairs, int(len(pairs) * override_share)):
        mode = rng.choices(["replace", "append", "hide"], weights=[4, 5, 1])[0]
        overrides.append(
            {
                "municipality_code": code,
                "article_id": article,
                "mode": mode,
                "title": " ".join(zipf.sample(4)).capitalize() if mode == "replace" else None,
                "body": _text(zipf, 150 if mode == "replace" else 60, ["kommune_navn"])
                if mode != "hide"
                else "",
                "based_on_revision": 1,
                "updated_at": now,
                "updated_by": "bench",
            }
        )
    for start in range(0, len(overrides), 5_000):
        session.execute(insert(Override), overrides[start : start + 5_000])
    session.commit()
    return {"articles": articles, "municipalities": len(codes), "overrides": len(overrides)}


def queries(session: Session, count: int, seed: int = 11) -> list[tuple[str, str]]:
    """Mixed agent queries: common and rare words, compounds cut short, typos, fact values."""
    rng = random.Random(seed)
    words = vocabulary(random.Random(7))
    zipf = Zipf(words[:5000], rng)
    codes = sorted(session.scalars(select(Municipality.code)))
    phones = dict(
        session.execute(
            select(FactValue.municipality_code, FactValue.value).where(
                FactValue.fact_key == "borgerservice_telefon"
            )
        ).all()
    )
    out = []
    for _ in range(count):
        code = rng.choice(codes)
        kind = rng.random()
        if kind < 0.5:
            query = " ".join(zipf.sample(rng.randint(1, 3)))
        elif kind < 0.7:
            query = rng.choice(words)
        elif kind < 0.8:
            word = rng.choice([w for w in words[:3000] if len(w) > 6])
            i = rng.randrange(1, len(word) - 2)
            query = word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
        elif kind < 0.9:
            query = phones[code]
        else:
            query = rng.choice([w for w in words[2000:] if len(w) > 12])[:8]
        out.append((query, code))
    return out


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return (
        f"p50 {cuts[49] * 1000:6.2f} ms  p95 {cuts[94] * 1000:6.2f} ms  "
        f"p99 {cuts[98] * 1000:6.2f} ms"
    )


def timed(calls: list[Callable[[], object]]) -> list[float]:
    samples = []
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory of this process now (Linux): all of it (``VmRSS``), or its private
    memory (``RssAnon``) without the mapped files (``RssFile``: libraries, an SQLite map)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stems(index: SearchIndex, settings: Settings, query: str) -> list[list[str]]:
    terms = analyzer(settings, "da").query_terms(query)
    return [index.expand((a.stem, a.prefix) for a in term.alternatives) for term in terms]


def _bare(index: SearchIndex, stems: list[list[str]]) -> object:
    """The ten best documents of a plain BM25 query of the same stems, over everything."""
    query = index.text_query(stems, FIELD_WEIGHTS)
    return index.searcher.search(query, 10, count=False).hits if query is not None else []


def _view_only(index: SearchIndex, stems: list[list[str]], code: str) -> object:
    """The service's ranked query (view, facts) without counts, snippets or suggestion."""
    return index.search(stems, code, today(), category=None, offset=0, limit=10, counted=False)


def freshness(name: str, engine: Engine, settings: Settings, edits: int) -> None:
    """Edit through one app's sessionmaker, search through another's (its own engine and
    index, as a second process has): seconds until the edit is found.

    The edited articles are ones the municipality reads as shared (an edit of a shared text it
    hid or replaced is rightly never found there), and found means the edited article among
    the results of the marker itself: not of the spelling correction, which, while the marker
    is still unknown, leads to an earlier edit's marker."""
    writer = listen(make_sessionmaker(engine), new_index(settings))
    other_engine = make_engine(settings.database_url)
    reader = listen(make_sessionmaker(other_engine), new_index(settings))
    code = "0751"
    with reader() as session:
        service.search(session, "warm", code)  # built before the edits begin
        overridden = select(Override.article_id).where(Override.municipality_code == code)
        shared = select(Article.id, Article.slug).where(Article.id.not_in(overridden))
        articles = session.execute(shared.order_by(Article.id).limit(edits)).all()
        session.rollback()
    samples = []
    for n, (article_id, slug) in enumerate(articles):
        marker = f"friskhedsprøve{n}x"
        with transaction(writer) as session:
            article = session.get(Article, article_id)
            assert article is not None
            article.body = f"{article.body} {marker}"
            article.revision += 1
        start = time.perf_counter()
        while True:
            with reader() as session:
                result = service.search(session, marker, code, log_gap=False)
            found = not result.corrected and slug in {hit.slug for hit in result.results}
            if found or time.perf_counter() - start > 10:
                break
            time.sleep(0.005)  # agents searching all the time, across the process
        samples.append(time.perf_counter() - start)
    other_engine.dispose()
    print(f"[{name}] edit -> found by another index ({len(samples)} edits): {percentiles(samples)}")


def hold_index(url: str) -> None:
    """``--hold-index URL``: a fresh process that imports the app and builds the index from the
    database, as an app worker does at start-up; prints the build time and its memory."""
    import hotline.app  # noqa: F401 - what an app process has loaded anyway

    settings = Settings(database_url=url, var_dir=Path(tempfile.gettempdir()), secret_key=SECRET)
    engine = make_engine(url)
    before = rss_mb()
    start = time.perf_counter()
    documents = new_index(settings).build(engine)
    build = time.perf_counter() - start
    gc.collect()
    figures = {"documents": documents, "seconds": build, "rss": rss_mb(), "before": before}
    print(json.dumps({**figures, "anon": rss_mb("RssAnon"), "file": rss_mb("RssFile")}))
    engine.dispose()


def fresh_process(name: str, url: str) -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "benchmarks.search", "--hold-index", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    print(
        f"[{name}] a fresh process: index of {figures['documents']} documents built from the "
        f"database in {figures['seconds']:.1f} s; RSS {figures['rss']:.0f} MB "
        f"({figures['before']:.0f} MB before the build; anonymous {figures['anon']:.0f} MB, "
        f"mapped files {figures['file']:.0f} MB)"
    )


def run(name: str, engine: Engine, settings: Settings, args: argparse.Namespace) -> None:
    migrate.upgrade(settings, engine=engine)
    factory = listen(make_sessionmaker(engine), new_index(settings))
    with factory() as session:
        start = time.perf_counter()
        sizes = build_corpus(session, args.articles, args.override_share)
        print(f"[{name}] corpus {sizes} loaded in {time.perf_counter() - start:.1f} s")
        fresh_process(name, settings.database_url)

        before = rss_mb()
        start = time.perf_counter()
        index = session.info[INDEX]
        documents = index.build(engine)
        build = time.perf_counter() - start
        print(
            f"[{name}] index build from the database: {documents} documents in {build:.1f} s; "
            f"RSS {rss_mb():.0f} MB (before the build {before:.0f} MB)"
        )

        workload = queries(session, args.queries)
        for query, code in workload[:50]:  # warm caches and the stemmer
            service.search(session, query, code)
            session.rollback()
        settle_heap()  # as the app does once started

        def through_service(query: str, code: str) -> Callable[[], object]:
            def call() -> object:
                result = service.search(session, query, code)
                session.rollback()  # zero-result queries log a gap; keep the corpus as it is
                return result

            return call

        real = timed([through_service(query, code) for query, code in workload])
        stems = [(_stems(index, settings, query), code) for query, code in workload]
        view = timed([lambda s=s, c=c: _view_only(index, s, c) for s, c in stems])
        bare = timed([lambda s=s: _bare(index, s) for s, _c in stems])
        results = [service.search(session, q, c, limit=1) for q, c in workload[:500]]
        session.rollback()
        print(f"[{name}] search service ({len(workload)} queries): {percentiles(real)}")
        print(f"[{name}]   view + facts ranked, no counts:   {percentiles(view)}")
        print(f"[{name}] bare tantivy top-10 baseline:      {percentiles(bare)}")
        ratio = statistics.quantiles(real, n=100)[94] / statistics.quantiles(bare, n=100)[94]
        capped = sum(1 for result in results if result.total_relation == "gte")
        print(
            f"[{name}] p95 ratio service / bare: {ratio:.1f}x; median total per query "
            f"{statistics.median(r.total for r in results):.0f}; {capped} of {len(results)} "
            f"totals capped (gte); RSS {rss_mb():.0f} MB"
        )
    freshness(name, engine, settings, args.edits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--override-share", type=float, default=0.2)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--hold-index", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HOTLINE_TEST_POSTGRES_URL"),
        help="server to create a throwaway database on (default: HOTLINE_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    if args.hold_index:
        hold_index(args.hold_index)
        return
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        settings = Settings(database_url=url, var_dir=Path(directory), secret_key=SECRET)
        engine = make_engine(url)
        try:
            run("sqlite", engine, settings, args)
        finally:
            engine.dispose()
        if args.postgres_url:
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.postgres_url).set(database=name)
            pg_url = url.render_as_string(hide_password=False)
            engine = make_engine(pg_url)
            try:
                settings = Settings(database_url=pg_url, var_dir=Path(directory), secret_key=SECRET)
                run("postgresql", engine, settings, args)
            finally:
                engine.dispose()
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
