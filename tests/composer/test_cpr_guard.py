"""CPR numbers never leave by email: the agent is told to use Digital Post instead."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.composer.service import letter_on_letterhead
from hotline.config import Settings
from hotline.kit.cpr import CprNumberInReply, contains_cpr_number
from hotline.kit.markdown import markdown_to_html
from hotline.letterheads.models import LetterheadOverride
from hotline.letterheads.render import LetterContent
from hotline.letterheads.service import CprNumberInLetterhead, letterhead_for
from hotline.municipalities.service import get_municipality
from tests.composer.conftest import Compose


@pytest.mark.parametrize(
    "text",
    [
        "Dit CPR-nummer er 010190-1234.",
        "cpr 0101901234",
        "født 290200-4123 (skudår, år 2000)",
        "310858-5123",  # 7th digit 5 and year 58: born 1858
        "010190–1234",  # en dash, as word processors write it
        "０１０１９０１２３４",  # full-width digits
    ],
)
def test_date_valid_cpr_numbers_are_found(text: str) -> None:
    assert contains_cpr_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ring på +45 89 40 20 00 eller 89402000.",
        "Ring på +4589402000.",
        "Sagsnummer 3213456789",  # 32nd day
        "Ordre 0113901234",  # 13th month
        "290200-1234",  # 29 February 1900 did not exist (7th digit 1: 1900s)
        "Konto 12345678901",  # eleven digits, not a CPR number
        "Postnummer 8000, tlf. 70 10 12 34",
    ],
)
def test_numbers_that_are_not_cpr_numbers_pass(text: str) -> None:
    assert not contains_cpr_number(text)


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Angående 010190-1234"},
        {"body_markdown": "Vi har noteret 0101901234."},
        {"citizen_name": "Jens 010190-1234"},
        {"body_markdown": "Nummeret 0101**90**1234 er noteret."},  # joins up once rendered
    ],
    ids=["subject", "body", "name", "split-by-markdown"],
)
def test_a_reply_with_a_cpr_number_is_refused(compose: Compose, fields: dict) -> None:
    with pytest.raises(CprNumberInReply):
        compose(**fields)


def test_a_template_cannot_smuggle_a_cpr_number_through_a_placeholder(compose: Compose) -> None:
    with pytest.raises(CprNumberInReply):
        compose(citizen_name="Jens", body_markdown="{{ '010190' }}-{{ '1234' }}")


def test_the_refusal_is_a_clear_422_pointing_to_digital_post(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.post(
        "/api/v1/replies/preview",
        headers=auth_headers["agent.aarhus"],
        json={
            "municipality": "0751",
            "to": "borger@example.dk",
            "subject": "Svar",
            "body_markdown": "Dit CPR-nummer 010190-1234 er registreret.",
        },
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/cpr-number-in-reply"
    assert "Digital Post" in problem["detail"]
    assert "010190" not in response.text  # the number is not echoed back


def test_phone_numbers_and_dates_are_fine_in_a_reply(compose: Compose) -> None:
    composed = compose(body_markdown="Ring på 89 40 20 00 eller +4589402000 den 01.01.2027.")
    assert "+4589402000" in composed.text


def _stored_before_the_guard(session: Session, code: str, theme: dict[str, str]) -> None:
    """A letterhead saved with a CPR number before saving refused one."""
    session.add(LetterheadOverride(municipality_code=code, theme=theme))
    session.commit()


@pytest.mark.parametrize(
    "theme",
    [{"logo_alt": "Odense 010190-1234"}, {"footer": "Spørg os. 010190-1234"}],
    ids=["logo_alt", "footer"],
)
def test_a_letterhead_stored_with_a_cpr_number_sends_nothing_and_is_named(
    client: TestClient,
    auth_headers: dict[str, dict[str, str]],
    session: Session,
    theme: dict[str, str],
) -> None:
    _stored_before_the_guard(session, "0461", theme)
    reply = {"municipality": "0461", "to": "borger@example.dk", "subject": "Svar",
             "body_markdown": "Her er svaret."}  # fmt: skip
    for path in ("/api/v1/replies/preview", "/api/v1/replies"):
        response = client.post(path, headers=auth_headers["agent.odense"], json=reply)
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/cpr-number-in-letterhead"
        assert problem["fields"] == list(theme)
        assert "010190" not in response.text


def test_a_system_letter_on_such_a_letterhead_is_refused_as_the_letterheads(
    session: Session, settings: Settings, municipalities: None
) -> None:
    _stored_before_the_guard(session, "0461", {"logo_alt": "Odense 010190-1234"})
    letterhead = letterhead_for(session, settings, get_municipality(session, "0461"))
    letter = LetterContent(
        subject="Bekræftelse: dit møde er booket",
        day=date(2027, 1, 4),
        greeting="Kære Karen,",
        body_html=markdown_to_html("Tak, dit møde er booket."),
        body_text="Tak, dit møde er booket.",
    )
    with pytest.raises(CprNumberInLetterhead):
        letter_on_letterhead(settings, letterhead, "0461", "karen@example.dk", letter)
