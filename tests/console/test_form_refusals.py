"""Every refused console form says in Danish why, beside the field (or at the top), keeps what
was typed, and is never a 500 or the generic error page."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.console.conftest import SignIn, csrf_token

ACCOUNTS = "/console/drift/konti"


def _form(client: TestClient, page: str, **fields: str) -> dict:
    return {"csrf_token": csrf_token(client, page), **fields}


@pytest.mark.parametrize("email", ["agent.aarhus@hotline.example", "AGENT.Aarhus@hotline.example"])
def test_an_account_with_a_taken_email_is_refused_beside_the_email(
    client: TestClient, sign_in: SignIn, kb: Session, email: str
) -> None:
    sign_in("operator")
    fields = {
        "full_name": "Anden Agent",
        "email": email,
        "role": "agent",
        "municipality_code": "0751",
        "password": "en-lang-adgangskode",
    }
    refused = client.post(ACCOUNTS, data=_form(client, ACCOUNTS, **fields))
    assert refused.status_code == 422
    assert (
        'id="f-email-error">Der findes allerede en konto med den e-mailadresse.' in refused.text
    )
    assert 'value="Anden Agent"' in refused.text  # what was typed is kept
    assert client.get(ACCOUNTS).status_code == 200  # and the session goes on
