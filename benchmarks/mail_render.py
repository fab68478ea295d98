"""Render speed of replies: what composing one message costs, against a bare Jinja2 render.

Run: ``.venv/bin/python benchmarks/mail_render.py [--messages 2000]``. In one run and on one
throwaway SQLite database it measures, per message, median and p95 of

* baseline: a bare Jinja2 render of the same layout (``base.html.j2``) with the same context;
* render + inline: the layout plus the text twin plus css-inline (``render_letter``);
* compose: ``compose_reply`` end to end (letterhead lookup, sandboxed Markdown, facts, CPR
  guard, render + inline), which is what POST /replies and /replies/preview pay.

Target (issue 5): render + inline <= 5 ms p95.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from hotline import migrate
from hotline.auth.models import User
from hotline.composer.rendering import render_markdown_template
from hotline.composer.schemas import ReplyRequest
from hotline.composer.service import compose_reply
from hotline.config import Settings
from hotline.db import make_engine, make_sessionmaker, transaction
from hotline.demo import seed_demo_accounts
from hotline.letterheads.render import (
    HTML_LAYOUT,
    LetterContent,
    layout_context,
    layout_environment,
    render_letter,
)
from hotline.letterheads.service import letterhead_for
from hotline.municipalities.service import get_municipality, sync_municipalities

# The six themed members, one on the default theme (Roskilde) and a non-member (Frederiksberg).
MUNICIPALITIES = ["0751", "0101", "0461", "0851", "0563", "0741", "0265", "0147"]
BODY = """Tak for din henvendelse om {{ municipality }}s regler for storskrald.

Du kan bestille afhentning af **storskrald** på {{ municipality_website }}. Husk:

1. Stil tingene ud senest kl. 6 på afhentningsdagen.
2. Sorter jern, elektronik og haveaffald for sig.

Har du spørgsmål, så ring på {{ municipality_phone }}."""


def _summary(name: str, samples_ns: list[int]) -> tuple[float, float]:
    ordered = sorted(samples_ns)
    median = statistics.median(ordered) / 1e6
    p95 = ordered[int(len(ordered) * 0.95) - 1] / 1e6
    print(f"{name:<38} median {median:7.3f} ms   p95 {p95:7.3f} ms   (n={len(ordered)})")
    return median, p95


def _timed(count: int, action: Callable[[int], object]) -> list[int]:
    for i in range(min(50, count)):  # warm caches: compiled templates, theme files
        action(i)
    samples = []
    for i in range(count):
        start = time.perf_counter_ns()
        action(i)
        samples.append(time.perf_counter_ns() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    count = parser.parse_args().messages

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite:///{Path(directory) / 'bench.db'}",
            var_dir=Path(directory),
            secret_key="benchmark-secret-key-0123456789-abcdef",  # noqa: S106 (throwaway DB)
        )
        migrate.upgrade(settings)
        engine = make_engine(settings.database_url)
        with transaction(make_sessionmaker(engine)) as session:
            sync_municipalities(session, settings.knowledge_base_dir / "municipalities.csv")
            seed_demo_accounts(session)
            agent = session.scalar(select(User).where(User.email.startswith("agent.odense@")))
            assert agent is not None
            letterheads = [
                letterhead_for(session, settings, get_municipality(session, code))
                for code in MUNICIPALITIES
            ]
            requests = [
                ReplyRequest(
                    municipality=code,
                    to="borger@example.dk",
                    citizen_name=f"Borger {i}",
                    subject=f"Svar på henvendelse {i}",
                    body_markdown=BODY,
                )
                for i, code in enumerate(MUNICIPALITIES)
            ]
            body_html, body_text = render_markdown_template(
                BODY,
                {
                    "municipality": "Aarhus Kommune",
                    "municipality_website": "x",
                    "municipality_phone": "y",
                },
            )
            letter = LetterContent(
                subject="Svar på din henvendelse",
                day=date(2026, 11, 23),
                greeting="Kære Jens Hansen,",
                body_html=body_html,
                body_text=body_text,
                agent_first_name="Ole",
            )
            layout = layout_environment(settings.letterheads_dir).get_template(HTML_LAYOUT)
            contexts = [layout_context(lh, letter, f"cid:{lh.logo_cid}") for lh in letterheads]

            print(f"Reply rendering, {count} messages over {len(MUNICIPALITIES)} letterheads\n")
            base_median, _ = _summary(
                "baseline: bare Jinja2 render (HTML)",
                _timed(count, lambda i: layout.render(contexts[i % len(contexts)])),
            )
            median, p95 = _summary(
                "render + text twin + css-inline",
                _timed(
                    count,
                    lambda i: render_letter(
                        settings,
                        letterheads[i % len(letterheads)],
                        letter,
                        logo_src=f"cid:{letterheads[i % len(letterheads)].logo_cid}",
                    ),
                ),
            )
            compose_median, compose_p95 = _summary(
                "compose_reply end to end (with DB)",
                _timed(
                    count,
                    lambda i: compose_reply(
                        session,
                        settings,
                        requests[i % len(requests)],
                        agent,
                        today=date(2026, 11, 23),
                    ),
                ),
            )
        engine.dispose()
    print(
        f"\nrender + inline costs {median / base_median:.1f}x the bare Jinja2 render; "
        f"target p95 <= 5 ms: {'met' if p95 <= 5 else 'MISSED'} ({p95:.3f} ms); "
        f"compose end to end p95 {compose_p95:.3f} ms (median {compose_median:.3f} ms)"
    )


if __name__ == "__main__":
    main()
