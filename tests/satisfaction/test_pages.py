"""The public survey page: GET records nothing (mail scanners), the POST saves; Danish with an
English toggle; on the municipality's letterhead; limited per client address in the database."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction
from hotline.ratelimit.models import RateLimitWindow
from hotline.ratelimit.service import TooManyRequests, count_request
from hotline.satisfaction import rounds
from hotline.satisfaction.links import partner_token, survey_token
from hotline.satisfaction.models import PartnerAnswer, SurveyResponse
from hotline.satisfaction.schemas import PartnerAnswerWrite, RoundOpen
from tests.conftest import app_for, make_settings
from tests.contacts.conftest import OpenContact
from tests.satisfaction.conftest import Answered, user


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


CPR_COMMENT = "Mit cpr er 070761-4285, ring gerne"


def comment_error(text: str) -> str:
    """The message beside the comment, after checking the textarea is tied to it."""
    textarea = re.search(r"<textarea[^>]*>", text)
    assert textarea and 'aria-invalid="true"' in textarea.group(0)
    assert "comment-error" in textarea.group(0)
    found = re.search(r'<p class="field-error" id="comment-error">([^<]*)</p>', text)
    assert found, "no message beside the comment"
    return found.group(1)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("da", "Skriv ikke CPR-numre i kommentaren. Ret kommentaren, og send igen."),
        ("en", "Do not write CPR numbers in the comment. Correct the comment and send it again."),
    ],
)
def test_a_cpr_number_in_the_comment_is_refused_beside_it_with_the_new_answer_kept(
    client: TestClient, session: Session, settings: Settings, answered: Answered,
    lang: str, message: str,
) -> None:  # fmt: skip
    contact = answered(rating=5, got_answer="ja", comment="Fin hjælp")  # stored before
    path = f"/tilfredshed/{survey_token(settings, contact.id, contact.started_at)}"
    page = client.post(
        path, data={"lang": lang, "rating": "2", "got_answer": "nej", "comment": CPR_COMMENT}
    )
    assert page.status_code == 422 and f'<html lang="{lang}">' in page.text
    assert comment_error(page.text) == message
    assert "Svaret indeholder" not in page.text and "The reply contains" not in page.text
    # What the citizen just picked and wrote, not the stored answer.
    assert 'id="rating-2" name="rating" value="2" required checked' in page.text
    assert 'value="5" required checked' not in page.text
    assert 'id="answer-nej" name="got_answer" value="nej" required checked' in page.text
    assert f">{CPR_COMMENT}</textarea>" in page.text
    session.expire_all()
    stored = session.get_one(SurveyResponse, contact.id)
    assert (stored.rating, stored.got_answer, stored.comment) == (5, "ja", "Fin hjælp")


@pytest.mark.parametrize(
    ("path", "lang", "status", "message"),
    [
        ("/tilfredshed/forged.link.here", "da", 400, "Linket er ugyldigt."),
        ("/tilfredshed/forged.link.here", "en", 400, "The link is not valid."),
        ("/partner/forged.link.here", "en", 400, "The link is not valid."),
    ],
)
def test_a_link_that_does_not_work_is_a_page_in_its_language_with_a_way_back(
    client: TestClient, path: str, lang: str, status: int, message: str
) -> None:
    page = client.get(f"{path}?lang={lang}")
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in page.text and message in page.text
    assert '<a href="https://www.borger.dk">' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"


def _partner_link(session: Session, settings: Settings, demo_users: dict[str, User]) -> str:
    operator = user(session, demo_users, "operator")
    feedback_round = rounds.open_round(
        session, settings, operator,
        RoundOpen(title="Nu", closes_on=date.today() + timedelta(days=10)),
    )  # fmt: skip
    admin = user(session, demo_users, "admin.aarhus")
    good = PartnerAnswerWrite(quality_of_answers=4, quality_of_forwards=4, cooperation=4)
    rounds.answer_round(session, admin, feedback_round.id, good)  # stored before
    session.commit()
    end = rounds.round_end(feedback_round)
    return f"/partner/{partner_token(settings, feedback_round.id, admin.id, end)}"


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("da", "Skriv ikke CPR-numre i kommentaren. Ret kommentaren, og gem igen."),
        ("en", "Do not write CPR numbers in the comment. Correct the comment and save again."),
    ],
)
def test_a_cpr_number_in_the_partner_comment_keeps_every_rating_and_the_comment(
    client: TestClient, session: Session, settings: Settings, demo_users: dict[str, User],
    lang: str, message: str,
) -> None:  # fmt: skip
    path = _partner_link(session, settings, demo_users)
    ratings = {"quality_of_answers": "2", "quality_of_forwards": "5", "cooperation": "1"}
    page = client.post(path, data={"lang": lang, **ratings, "comment": CPR_COMMENT})
    assert page.status_code == 422 and f'<html lang="{lang}">' in page.text
    assert comment_error(page.text) == message
    assert "Svaret indeholder" not in page.text and "The reply contains" not in page.text
    for name, value in ratings.items():
        assert f'id="{name}-{value}" name="{name}" value="{value}" required checked' in page.text
    assert page.text.count("required checked") == 3
    assert f">{CPR_COMMENT}</textarea>" in page.text
    session.expire_all()
    assert session.scalar(select(PartnerAnswer.cooperation)) == 4
