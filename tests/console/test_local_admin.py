"""A municipality admin keeps the local rules, facts and letterhead; agents see the change."""

import base64
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.knowledge import service as knowledge
from hotline.letterheads.service import clean_logo
from tests.console.conftest import AARHUS, EDITOR, LOCAL_PART, SignIn, csrf_token
from tests.letterheads.images import png

OVERRIDE_PAGE = "/console/kommune/0751/tilpasninger/pas"


def _form(client: TestClient, page: str, **fields: str) -> dict:
    return {"csrf_token": csrf_token(client, page), **fields}


def _facts_form(client: TestClient, page: str, **fields: str) -> dict:
    """The facts form as the browser sends it: with the revision of each value the page showed."""
    shown = dict(re.findall(r'name="(revision-[\w-]+)" value="([^"]*)"', client.get(page).text))
    return {**_form(client, page), **shown, **fields}


def _version(session: Session) -> str:
    """The override's version as its page carries it (its revision and the shared one's)."""
    session.expire_all()
    return knowledge.override_version(knowledge.get_override(session, AARHUS, "pas"))


def test_the_overview_is_a_to_do_list(client: TestClient, sign_in: SignIn, kb: Session) -> None:
    knowledge.update_article(
        kb, knowledge.get_article(kb, "pas"), {"body": "Ny tekst om pas."}, EDITOR
    )
    kb.commit()
    sign_in("admin.aarhus")
    html = client.get("/console/kommune/0751").text
    assert "Det skal I se på" in html
    todo = html.split('<ul class="todo"')[1].split("</ul>")[0]
    assert "Forældet" in todo and "/console/kommune/0751/tilpasninger/pas" in todo


def test_editing_an_override_changes_what_the_agent_reads(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    response = client.post(
        OVERRIDE_PAGE,
        data=_form(
            client,
            OVERRIDE_PAGE,
            mode="append",
            title="",
            body="Nyt lokalt afsnit: kom i god tid.",
            version=_version(kb),
        ),
    )
    assert "Tilpasningen er gemt." in response.text
    article = client.get("/console/?kommune=0751&artikel=pas").text
    assert "Nyt lokalt afsnit: kom i god tid." in article
    assert LOCAL_PART not in article


def test_a_stale_override_shows_the_diff_and_can_be_reconfirmed(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    knowledge.update_article(
        kb, knowledge.get_article(kb, "pas"), {"body": "Et pas koster nu mere."}, EDITOR
    )
    kb.commit()
    sign_in("admin.aarhus")
    page = client.get(OVERRIDE_PAGE).text
    assert "Den fælles tekst er ændret" in page
    assert "<ins>+Et pas koster nu mere.</ins>" in page
    response = client.post(
        OVERRIDE_PAGE, data=_form(client, OVERRIDE_PAGE, action="confirm", version=_version(kb))
    )
    assert "Tilpasningen er bekræftet." in response.text
    assert "Den fælles tekst er ændret" not in response.text


def test_a_changed_override_is_not_overwritten_by_an_old_form(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    response = client.post(
        OVERRIDE_PAGE,
        data=_form(client, OVERRIDE_PAGE, mode="append", body="Gammel", version='"999.1"'),
    )
    assert "En anden har ændret oplysningerne" in response.text
    assert "Gammel" not in client.get("/console/?kommune=0751&artikel=pas").text


def test_override_rules_are_explained_next_to_the_field(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    response = client.post(
        OVERRIDE_PAGE,
        data=_form(client, OVERRIDE_PAGE, mode="replace", title="", body="x", version=_version(kb)),
    )
    assert response.status_code == 422
    assert 'id="f-title-error">En erstattende tekst skal have en titel.' in response.text


def test_facts_are_validated_by_type_and_saved(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/fakta"
    bad = client.post(
        page,
        data=_facts_form(
            client, page, **{"fact-gebyr_pas": "mange penge", "fact-telefon": "+4511"}
        ),
    )
    assert bad.status_code == 422
    assert 'id="f-fact-gebyr_pas-error">Ugyldig værdi. Beløb i kroner' in bad.text
    good = client.post(
        page,
        data=_facts_form(
            client, page, **{"fact-gebyr_pas": "999", "fact-telefon": "+45 89 40 20 00"}
        ),
    )
    assert "Fakta er gemt." in good.text
    assert ">999</mark>" in client.get("/console/?kommune=0751&artikel=pas").text


def test_a_local_article_is_written_and_found_by_the_agent(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/lokale-artikler/ny"
    fields = {"slug": "parkering-dokk1", "title": "Parkering ved Dokk1", "category": "Trafik"}
    missing_body = client.post(page, data=_form(client, page, **fields, body=""))
    assert 'id="f-body-error">Skal udfyldes.' in missing_body.text
    created = client.post(
        page,
        data=_form(client, page, **fields, body="P-kælder under Dokk1."),
        follow_redirects=False,
    )
    assert created.headers["location"] == "/console/kommune/0751/lokale-artikler/parkering-dokk1"
    article = client.get("/console/?kommune=0751&artikel=parkering-dokk1").text
    assert "P-kælder under Dokk1." in article and "Lokal artikel i Aarhus" in article


def test_the_letterhead_refuses_colours_without_contrast_and_previews_changes(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/brevpapir"
    preview = client.post(
        "/console/kommune/0751/brevpapir/forhaandsvisning",
        data=_form(client, page, department="Borgerservice Nord"),
        headers={"HX-Request": "true", "HX-Target": "letterhead-preview"},
    )
    assert "<html" not in preview.text.split("srcdoc=")[0]
    assert "Borgerservice Nord" in preview.text
    refused = client.post(
        page,
        data=_form(client, page, **{"color-primary": "#ffffff", "color-on_primary": "#fefefe"}),
    )
    assert "for lav kontrast" in refused.text
    saved = client.post(page, data=_form(client, page, department="Borgerservice Nord"))
    assert "Brevpapiret er gemt." in saved.text
    assert 'value="Borgerservice Nord"' in saved.text
    reset = client.post(f"{page}/nulstil", data=_form(client, page))
    assert 'value="Borgerservice Nord"' not in reset.text
    assert "Nulstil brevpapiret" not in reset.text  # nothing of ours is left to reset


def test_a_logo_upload_is_checked_and_shown_in_the_agents_bar(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/brevpapir"
    refused = client.post(
        f"{page}/logo",
        data=_form(client, page),
        files={"logo": ("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")},
    )
    assert 'id="f-logo-error">Logoet skal være en PNG- eller JPEG-fil' in refused.text
    logo = png(120, 40)
    saved = client.post(
        f"{page}/logo", data=_form(client, page), files={"logo": ("logo.png", logo, "image/png")}
    )
    assert "Brevpapiret er gemt." in saved.text
    agent_view = client.get("/console/?kommune=0751").text
    stored = clean_logo(logo).data  # decoded and encoded afresh on upload
    assert f'src="data:image/png;base64,{base64.b64encode(stored).decode()}"' in agent_view


def test_a_danish_amount_is_shown_as_understood_before_it_is_saved(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/fakta"
    preview = client.post(page, data=_facts_form(client, page, **{"fact-gebyr_pas": "1.600"}))
    assert preview.status_code == 200
    assert 'id="understood-gebyr_pas">Forstået som <strong>1.600,00 kr.</strong>' in preview.text
    assert "Intet er gemt endnu" in preview.text
    assert knowledge.get_fact_value(kb, "0751", "gebyr_pas").value != "1600"
    confirmed = client.post(
        page,
        data=_facts_form(
            client, page, **{"fact-gebyr_pas": "1.600", "confirmed-gebyr_pas": "1.600"}
        ),
    )
    assert "Fakta er gemt." in confirmed.text
    kb.expire_all()
    assert knowledge.get_fact_value(kb, "0751", "gebyr_pas").value == "1600"


def test_an_ambiguous_amount_is_explained_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/fakta"
    refused = client.post(page, data=_facts_form(client, page, **{"fact-gebyr_pas": "1,600"}))
    assert refused.status_code == 422
    assert "»1,600« kan læses på to måder. Skriv 1.600 for tusinder eller 1,60" in refused.text
