"""The letterhead editor says which colours it refuses and why, and keeps what the admin chose."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.letterheads.models import LetterheadOverride
from tests.console.conftest import SignIn, csrf_token

PAGE = "/console/kommune/0751/brevpapir"
PREVIEW = "/console/kommune/0751/brevpapir/forhaandsvisning"


def _form(client: TestClient, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(client, PAGE), **fields}


def test_a_refused_save_names_each_failing_pair_and_keeps_the_chosen_colours(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    chosen = {"color-primary": "#777777", "color-on_primary": "#888888", "color-accent": "#00507d"}
    refused = client.post(PAGE, data=_form(client, department="Borgerservice Nord", **chosen))
    assert refused.status_code == 422
    html = refused.text
    assert (
        "Farverne har for lav kontrast (WCAG AA kræver mindst 4,5:1): Tekst på hovedfarven" in html
    )
    assert "#888888 på #777777 har kontrast 1,26:1" in html
    assert 'id="f-color-on_primary-error"' in html  # beside the colour to change
    assert 'value="#777777"' in html and 'value="#888888"' in html  # nothing snapped back
    assert 'value="Borgerservice Nord"' in html
    kb.expire_all()
    assert kb.get(LetterheadOverride, "0751") is None


def test_the_background_is_checked_against_the_text_drawn_on_it(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    refused = client.post(PAGE, data=_form(client, **{"color-background": "#222222"}))
    assert refused.status_code == 422
    assert "Sidefodens tekst på baggrunden" in refused.text
    assert 'id="f-color-background-error"' in refused.text
    assert 'value="#222222"' in refused.text


def test_the_live_preview_warns_before_the_admin_saves(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    preview = client.post(
        PREVIEW,
        data=_form(client, **{"color-accent": "#cccccc"}),
        headers={"HX-Request": "true", "HX-Target": "letterhead-preview"},
    )
    assert preview.status_code == 200  # htmx swaps it in
    assert "Links og overskrifter på det hvide brev: #cccccc på #ffffff" in preview.text
    assert "kan ikke gemmes" in preview.text


def test_a_cpr_number_is_refused_in_danish_beside_the_text_that_holds_it(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    texts = {"footer": "Spørg os. 010190-1234", "department": "Borgerservice Nord"}
    refused = client.post(PAGE, data=_form(client, **texts))
    assert refused.status_code == 422
    html = refused.text
    assert '<p class="field-error" id="f-footer-error">Brevpapiret indeholder et CPR-nummer' in html
    assert 'id="f-department-error"' not in html
    assert 'value="Borgerservice Nord"' in html  # the admin's other text stays in the form
    kb.expire_all()
    assert kb.get(LetterheadOverride, "0751") is None
