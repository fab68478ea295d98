"""Relevance on the shipped knowledge base: agents' real queries, the article they need.

tests/search/relevance.yaml holds the queries (everyday words, misspellings, compounds,
synonyms) with the article expected in the top three for the citizen's municipality.
"""

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from hotline.knowledge.files import sync_folder
from hotline.search import service
from tests.conftest import KNOWLEDGE_BASE

RELEVANCE_SET = Path(__file__).with_name("relevance.yaml")
MIN_RECALL_AT_3 = 0.95
MIN_MRR = 0.95


def test_recall_at_3_and_mrr_on_the_shipped_knowledge_base(session: Session) -> None:
    sync_folder(session, KNOWLEDGE_BASE)
    session.commit()  # indexed by the same commit, as every edit is
    cases = yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
    assert len(cases) >= 60

    ranks: list[int | None] = []
    misses = []
    for case in cases:
        result = service.search(session, case["query"], case["municipality"], limit=10)
        found = [hit.slug for hit in result.results]
        rank = found.index(case["expected"]) + 1 if case["expected"] in found else None
        ranks.append(rank)
        if rank is None or rank > 3:
            misses.append(f"{case['query']!r} ({case['municipality']}): {rank}, top {found[:3]}")
    session.rollback()

    recall_at_3 = sum(1 for rank in ranks if rank is not None and rank <= 3) / len(ranks)
    mrr = sum(1 / rank for rank in ranks if rank is not None) / len(ranks)
    print(f"\nrelevance: {len(cases)} queries, recall@3 {recall_at_3:.3f}, MRR {mrr:.3f}")
    for miss in misses:
        print(f"  not in top 3: {miss}")
    assert recall_at_3 >= MIN_RECALL_AT_3, misses
    assert mrr >= MIN_MRR, misses
