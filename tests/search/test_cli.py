"""``hotline search reindex`` rebuilds the index from the knowledge base."""

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.cli import app
from hotline.config import Settings
from hotline.search import service
from hotline.search.models import SearchDoc
from tests.search.conftest import AARHUS


def test_reindex_rebuilds_a_lost_index(
    corpus: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = corpus.scalar(select(func.count()).select_from(SearchDoc))
    corpus.execute(delete(SearchDoc))
    corpus.commit()
    assert service.search(corpus, "saltbil", AARHUS).total == 0
    corpus.rollback()  # the gap row above is not what this test is about

    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(app, ["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"indexed {documents} documents" in result.output
    assert service.search(corpus, "saltbil", AARHUS).total == 1
