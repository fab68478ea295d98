"""The admin's facts page carries the revision of every value it showed; the service compares."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.knowledge import service as knowledge
from tests.console.conftest import SignIn, csrf_token

PAGE = "/console/kommune/0751/fakta"
ADMIN = "admin.aarhus@hotline.example"


def _shown_form(client: TestClient) -> dict[str, str]:
    html = client.get(PAGE).text
    return {"csrf_token": csrf_token(client, PAGE)} | dict(
        re.findall(r'name="(revision-[\w-]+)" value="([^"]*)"', html)
    )


def test_a_value_changed_since_the_page_was_read_is_refused_not_overwritten(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    form = _shown_form(client)
    assert form["revision-telefon"] == "1"
    knowledge.set_fact_value(kb, "0751", "telefon", "+45 70 00 00 00", ADMIN)  # someone else
    kb.commit()
    refused = client.post(PAGE, data=form | {"fact-telefon": "+45 89 40 20 99"})
    assert refused.status_code == 422
    assert 'id="f-fact-telefon-error">En anden har ændret oplysningerne' in refused.text
    kb.expire_all()
    assert knowledge.get_fact_value(kb, "0751", "telefon").value == "+45 70 00 00 00"
    # Shown again with the current revision: saving now is a knowing overwrite.
    again = client.post(PAGE, data=_shown_form(client) | {"fact-telefon": "+45 89 40 20 99"})
    assert "Fakta er gemt." in again.text


def test_a_form_without_the_versions_it_showed_changes_nothing(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    bare = {"csrf_token": csrf_token(client, PAGE), "fact-telefon": "+45 89 40 20 99"}
    assert client.post(PAGE, data=bare).status_code == 422
    kb.expire_all()
    assert knowledge.get_fact_value(kb, "0751", "telefon").value == "+45 89 40 20 00"


@pytest.mark.parametrize(
    "typed",
    [
        {"fact-gebyr_pas": "999", "fact-telefon": "ring til mig"},  # the valid field first
        {"fact-gebyr_pas": "abc", "fact-telefon": "+45 11 22 33 44"},  # the invalid one first
    ],
)
def test_a_form_with_a_refused_value_saves_nothing_and_keeps_every_typed_value(
    client: TestClient, sign_in: SignIn, kb: Session, typed: dict[str, str]
) -> None:
    """All or nothing, whatever the order of the fields: the admin corrects the marked field
    and saves the page again, with nothing half saved meanwhile."""
    sign_in("admin.aarhus")
    refused = client.post(PAGE, data=_shown_form(client) | typed)
    assert refused.status_code == 422
    kb.expire_all()
    assert knowledge.get_fact_value(kb, "0751", "gebyr_pas").value == "1234.5"
    assert knowledge.get_fact_value(kb, "0751", "telefon").value == "+45 89 40 20 00"
    assert "Intet er gemt. Ret de markerede felter" in refused.text
    marked = re.findall(r'id="f-(fact-[\w-]+)-error">Ugyldig værdi', refused.text)
    assert marked == [name for name, value in typed.items() if value in ("abc", "ring til mig")]
    for name, value in typed.items():
        assert re.search(rf'name="{name}" type="\w+" value="{re.escape(value)}"', refused.text)
