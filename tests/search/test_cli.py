"""``hotline search reindex`` rebuilds every process's index from the knowledge base."""

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.cli import app
from hotline.config import Settings
from hotline.search import service
from hotline.search.indexing import index_of
from tests.search.conftest import AARHUS


def test_reindex_rebuilds_a_lost_index_in_every_process(
    corpus: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = index_of(corpus)  # this test's "process", built before the CLI runs
    documents = index.searcher.num_docs
    index.writer.delete_all_documents()
    index.commit()
    assert service.search(corpus, "saltbil", AARHUS).total == 0
    corpus.rollback()  # the gap row above is not what this test is about

    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(app, ["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"indexed {documents} documents" in result.output
    index.mark_stale()  # as if REFRESH_SECONDS had passed
    assert service.search(corpus, "saltbil", AARHUS).total == 1
