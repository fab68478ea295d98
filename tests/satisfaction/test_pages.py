"""The public survey page: GET records nothing (mail scanners), the POST saves; Danish with an
English toggle; on the municipality's letterhead; limited per client address in the database."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction
from hotline.ratelimit.models import RateLimitWindow
from hotline.ratelimit.service import TooManyRequests, count_request
from hotline.satisfaction.links import survey_token
from hotline.satisfaction.models import SurveyResponse
from tests.conftest import app_for, make_settings
from tests.contacts.conftest import OpenContact


def _rows(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_opening_the_link_records_nothing_only_the_submit_does(
    client: TestClient, session: Session, settings: Settings, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    path = f"/tilfredshed/{survey_token(settings, contact.id, datetime.now(UTC))}"
    for _ in range(3):  # a scanner, a preview pane, the citizen
        page = client.get(path)
        assert page.status_code == 200
    assert (_rows(session, SurveyResponse), _rows(session, RateLimitWindow)) == (0, 0)
    assert "Aarhus Kommune" in page.text and '<html lang="da">' in page.text
    assert "Hvor tilfreds er du med hjælpen?" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text
    saved = client.post(
        path,
        data={"rating": "5", "got_answer": "delvist", "comment": "Tak!"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{path}?gemt=1"
    session.expire_all()
    response = session.get_one(SurveyResponse, contact.id)
    assert (response.rating, response.got_answer, response.comment) == (5, "delvist", "Tak!")
    again = client.get(saved.headers["location"])
    assert "Tak for din vurdering" in again.text and "Ret min vurdering" in again.text
    assert 'value="5" required checked' in again.text


def test_english_toggle_is_a_plain_link_and_the_post_answers_in_english(
    client: TestClient, settings: Settings, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    path = f"/tilfredshed/{survey_token(settings, contact.id, datetime.now(UTC))}"
    assert f'href="{path}?lang=en"' in client.get(path).text
    english = client.get(f"{path}?lang=en")
    assert '<html lang="en">' in english.text and f'href="{path}?lang=da"' in english.text
    assert "How satisfied are you" in english.text
    missing = client.post(path, data={"lang": "en", "rating": "3"})
    assert missing.status_code == 422 and "Choose an answer to both questions." in missing.text


def test_bad_input_and_bad_links_get_a_page_never_a_5xx(
    client: TestClient, settings: Settings, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    path = f"/tilfredshed/{survey_token(settings, contact.id, datetime.now(UTC))}"
    cpr = client.post(path, data={"rating": "2", "got_answer": "nej", "comment": "070761-4285"})
    assert cpr.status_code == 422 and "CPR" in cpr.text
    long = client.post(path, data={"rating": "2", "got_answer": "nej", "comment": "x" * 1001})
    assert long.status_code == 422 and "Kommentaren må højst være 1000 tegn" in long.text
    assert client.post(path, data={"rating": "nine", "got_answer": "ja"}).status_code == 422
    assert client.get("/tilfredshed/forged.link.here").status_code == 400
    old = survey_token(settings, contact.id, datetime.now(UTC) - timedelta(days=31))
    expired = client.get(f"/tilfredshed/{old}")
    assert expired.status_code == 410 and "udløbet" in expired.text


@pytest.fixture
def strict_client(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(database_url, tmp_path / "var", survey_requests_per_address=2)
    with TestClient(app_for(settings), raise_server_exceptions=False) as client:
        yield client


def test_submits_are_limited_per_client_address(
    settings: Settings, strict_client: TestClient, open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    path = f"/tilfredshed/{survey_token(settings, contact.id, datetime.now(UTC))}"
    form = {"rating": "4", "got_answer": "ja"}
    statuses = [strict_client.post(path, data=form, follow_redirects=False).status_code
                for _ in range(3)]  # fmt: skip
    assert statuses == [303, 303, 429]


def test_the_count_is_shared_by_every_session_and_resets_with_the_window(engine: Engine) -> None:
    """Two sessions stand for two processes: both count the same rows."""
    factory = make_sessionmaker(engine)
    now = datetime(2026, 11, 2, 10, 0, 5, tzinfo=UTC)
    limits = {"limit": 3, "window_seconds": 60}
    try:
        for _ in range(3):
            with transaction(factory) as session:
                count_request(session, "test", "192.0.2.1", now=now, **limits)
        with pytest.raises(TooManyRequests), transaction(factory) as session:
            count_request(session, "test", "192.0.2.1", now=now, **limits)
        with transaction(factory) as session:  # another address, and the next window
            assert count_request(session, "test", "192.0.2.2", now=now, **limits) == 1
            later = now + timedelta(seconds=60)
            assert count_request(session, "test", "192.0.2.1", now=later, **limits) == 1
    finally:
        with transaction(factory) as session:
            session.query(RateLimitWindow).delete()
