"""Search at scale: index build time and query latency through the real search service.

Corpus: N shared articles of ~300 words (Danish words from the shipped knowledge base and
compounds of them), all 98 municipalities with fact values, a share of the (article,
municipality) pairs overridden (replace / append / hide), fact placeholders in every article.
Baseline in the same run: a bare FTS5 ``MATCH ... ORDER BY rank LIMIT 10`` (PostgreSQL: a bare
``tsv @@ query ORDER BY ts_rank LIMIT 10``) over the same documents with the same terms; and the
same confined to the shared documents and the municipality's, as the service's query is; and
that confined query unranked, only listing the matching rows: the least an exact ``total`` costs.

    .venv/bin/python -m benchmarks.search [--articles 5000] [--override-share 0.2]
        [--queries 2000] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Quick run: ``--articles 500 --queries 300``. Target: p95 <= 5 ms on SQLite, within 10x of the
bare baseline.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, make_url, select, text
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.app import settle_heap
from hotline.config import PROJECT_ROOT, Settings
from hotline.db import make_engine, make_sessionmaker
from hotline.knowledge.models import Article, Fact, FactValue, Override
from hotline.knowledge.resolve import today
from hotline.municipalities.models import Municipality
from hotline.municipalities.service import sync_municipalities
from hotline.search import engines, scoring, service
from hotline.search.analyzer import WORD
from hotline.search.indexing import analyzer, reindex_all
from hotline.search.models import SearchDoc

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


def _bare(session: Session, query: str, code: str, *, scoped: bool, ranked: bool = True) -> object:
    """The ten best rows of a bare full-text query: over every document, or (``scoped``) only
    the shared ones and the municipality's, as the service's own query is confined. Not
    ``ranked``: every matching row, in the engine's own order."""
    terms = analyzer("da").query_terms(query)
    if not terms:
        return []
    if session.get_bind().dialect.name == "postgresql":
        q = engines.scoped_tsquery(terms, code) if scoped else engines.tsquery(terms)
        order = " ORDER BY ts_rank(tsv, CAST(:q AS tsquery)) DESC LIMIT 10" if ranked else ""
        statement = "SELECT id FROM search_docs WHERE tsv @@ CAST(:q AS tsquery)" + order  # noqa: S608
        return session.execute(text(statement), {"q": q}).all()
    match = engines.fts5_match(terms, code) if scoped else engines.fts5_terms(terms)
    order = " ORDER BY rank LIMIT 10" if ranked else ""
    statement = "SELECT rowid FROM search_fts WHERE search_fts MATCH :q" + order  # noqa: S608
    return session.execute(text(statement), {"q": match}).all()


def run(name: str, engine: Engine, settings: Settings, args: argparse.Namespace) -> None:
    migrate.upgrade(settings, engine=engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        start = time.perf_counter()
        sizes = build_corpus(session, args.articles, args.override_share)
        print(f"[{name}] corpus {sizes} loaded in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        documents = reindex_all(session)
        session.commit()
        build = time.perf_counter() - start
        per_municipality = sizes["articles"] * sizes["municipalities"]
        print(
            f"[{name}] index build: {documents} documents in {build:.1f} s "
            f"({documents / build:.0f} docs/s); a copy per municipality would be "
            f"{per_municipality} documents ({per_municipality / documents:.1f}x)"
        )
        if name == "sqlite":
            session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
            session.commit()

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

        def index_only(query: str, code: str) -> Callable[[], object]:
            def call() -> object:
                terms = analyzer("da").query_terms(query)
                service.suggest(session, analyzer("da"), query, terms)
                rarity = scoring.rarities(session, terms)
                hits = engines.match(session, terms, rarity, code, today())
                best = hits[: scoring.RERANKED]
                return scoring.rerank(session, best, terms, rarity, code, today())

            return call

        real = timed([through_service(query, code) for query, code in workload])
        ranked = timed([index_only(query, code) for query, code in workload])
        bare = timed([lambda q=q, c=c: _bare(session, q, c, scoped=False) for q, c in workload])
        scoped = timed([lambda q=q, c=c: _bare(session, q, c, scoped=True) for q, c in workload])
        listed = timed(
            [lambda q=q, c=c: _bare(session, q, c, scoped=True, ranked=False) for q, c in workload]
        )
        totals = [service.search(session, q, c, limit=1).total for q, c in workload[:200]]
        session.rollback()
        print(f"[{name}] search service ({len(workload)} queries): {percentiles(real)}")
        print(f"[{name}]   of which matching, both rankings, typo check: {percentiles(ranked)}")
        print(f"[{name}] bare full-text baseline:          {percentiles(bare)}")
        print(f"[{name}]   the same, one municipality's view: {percentiles(scoped)}")
        print(f"[{name}]   that view, unranked (all matches): {percentiles(listed)}")
        ratio = statistics.quantiles(real, n=100)[94] / statistics.quantiles(bare, n=100)[94]
        print(
            f"[{name}] p95 ratio service / bare: {ratio:.1f}x; "
            f"median hits per query {statistics.median(totals):.0f}; "
            f"docs {session.scalar(select(func.count()).select_from(SearchDoc))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--override-share", type=float, default=0.2)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HOTLINE_TEST_POSTGRES_URL"),
        help="server to create a throwaway database on (default: HOTLINE_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
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
