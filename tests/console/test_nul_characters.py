"""A console form or address with a NUL character is refused with a Danish page, whichever
page reads it and however (tests/test_inputs.py has the API's side)."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.satisfaction.models import FeedbackRound
from tests.console.conftest import SignIn, post_form

NUL_TEXT = "a\u0000b"


def test_a_console_form_or_address_with_a_nul_is_refused_in_danish(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("operator")
    form = {"title": NUL_TEXT, "closes_on": "2027-03-01"}
    refused = post_form(client, "/console/tilfredshed/runder", form)
    assert refused.status_code == 422
    assert "NUL-tegn" in refused.text
    assert session.scalar(select(func.count()).select_from(FeedbackRound)) == 0
    searched = client.get("/console/?q=a%00b")
    assert searched.status_code == 422
    assert "NUL-tegn" in searched.text and 'lang="da"' in searched.text
