"""The final order comes from one score over stored statistics that edits keep in step."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.db import make_sessionmaker, transaction
from hotline.knowledge import service as kb
from hotline.knowledge.models import Article
from hotline.search import service
from hotline.search.indexing import analyzer, reindex_all, stems_of
from hotline.search.models import ALL_DOCUMENTS, SearchDoc, SearchStem
from hotline.search.scoring import rarities
from tests.search.conftest import EDITOR, KOBENHAVN, ODENSE, add_article, add_local, slugs


def _stored_counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(SearchStem.stem, SearchStem.documents)).tuples().all())


def _recounted(session: Session) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for row in session.execute(select(SearchDoc.title, SearchDoc.keywords, SearchDoc.body)):
        counts.update(stems_of(*row))
    return dict(counts)


def test_document_counts_follow_every_edit_as_a_rebuild_would_count_them(
    corpus: Session,
) -> None:
    snow = corpus.scalar(select(Article).where(Article.slug == "snerydning"))
    assert snow is not None
    kb.update_article(corpus, snow, {"body": "Saltbilen kører ved frost og sne."}, EDITOR)
    add_local(corpus, KOBENHAVN, "havnebad", "Havnebad", "Havnebadet åbner i juni ved frost.")
    kb.delete_override(corpus, kb.get_override(corpus, "0751", "baal"))
    corpus.commit()

    incremental = _stored_counts(corpus)
    assert incremental == _recounted(corpus)
    assert incremental[ALL_DOCUMENTS] == len(corpus.scalars(select(SearchDoc.id)).all())
    assert "ruteplan" not in incremental  # the edit removed the only document with it
    reindex_all(corpus)
    corpus.commit()
    assert _stored_counts(corpus) == incremental


def test_concurrent_edits_keep_the_counts_exact(engine: Engine, corpus: Session) -> None:
    """Editors saving at the same moment, their texts sharing words: no count is lost."""
    slugs = ["snerydning", "beboerlicens", "sundhedskort-nyt", "baal"]
    sessions = make_sessionmaker(engine)

    def edit(slug: str) -> None:
        for n in range(5):
            with transaction(sessions) as tx:
                article = kb.get_article(tx, slug)
                body = f"Runde {n}: kommunen rydder {slug} hurtigt, fælles ord i alle tekster."
                kb.update_article(tx, article, {"body": body}, EDITOR)

    with ThreadPoolExecutor(max_workers=len(slugs)) as pool:
        for done in [pool.submit(edit, slug) for slug in slugs]:
            done.result()
    corpus.expire_all()
    assert _stored_counts(corpus) == _recounted(corpus)


def test_a_rare_word_weighs_more_than_a_common_one(session: Session, municipalities: None) -> None:
    for n in range(6):
        add_article(session, f"borgerservice-{n}", f"Emne {n}", "Kontakt borgerservice.")
    session.commit()
    common, rare, _joined = rarities(session, analyzer("da").query_terms("borgerservice havnebad"))
    assert common < rare

    add_article(session, "havnebad", "Havnebad", "Åbent hele juni.")
    add_article(session, "borgerservice", "Borgerservice", "Åbent hele juli.")
    session.commit()
    # Alike but for one title word each: the rarer word decides.
    assert slugs(service.search(session, "borgerservice havnebad", ODENSE))[0] == "havnebad"


def test_scores_are_shown_with_the_results_best_first(
    session: Session, municipalities: None
) -> None:
    add_article(session, "titel", "Genbrugsplads", "Åbningstider står på hjemmesiden.")
    add_article(session, "tekst", "Affald", "Din genbrugsplads har åbent.")
    session.commit()
    scores = [hit.score for hit in service.search(session, "genbrugsplads", ODENSE).results]
    assert len(scores) == 2
    assert scores[0] > scores[1] > 0
