"""Editors change shared articles knowing the impact; operators keep municipalities and accounts."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.auth.permissions import SystemActor
from hotline.auth.service import list_users
from hotline.console.forms import PASSWORD_BLANK
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import FactType
from hotline.knowledge.schemas import FactCreate
from tests.console.conftest import SignIn, csrf_token

ARTICLE_PAGE = "/console/redaktion/artikler/pas"


def _form(client: TestClient, page: str, **fields: str) -> dict:
    return {"csrf_token": csrf_token(client, page), **fields}


def test_the_editor_sees_the_impact_before_saving(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    html = client.get(ARTICLE_PAGE).text
    assert "Tilpasset i 1 kommune; 1 tilpasning bliver forældet" in html


def test_saving_a_new_text_makes_a_revision_with_a_diff(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    fields = {"title": "Pas til voksne", "category": "Borgerservice", "status": "published"}
    change = {**fields, "body": "Et pas koster nu mere.", "revision": "1"}
    held = client.post(ARTICLE_PAGE, data=_form(client, ARTICLE_PAGE, **change))
    assert "Bekræft, hvem ændringen rammer" in held.text and "Artiklen er gemt." not in held.text
    saved = client.post(
        ARTICLE_PAGE,
        data=_form(client, ARTICLE_PAGE, **change, confirmed="0751", reason="Nyt gebyr."),
    )
    assert "Artiklen er gemt." in saved.text
    assert "Begrundelse: »Nyt gebyr.«" in saved.text
    assert "Tilpasset i 1 kommune; 0 tilpasninger bliver forældede" in saved.text
    diff = client.get(ARTICLE_PAGE + "?fra=1&til=2").text
    assert "<ins>+Et pas koster nu mere.</ins>" in diff
    stale = client.post(
        ARTICLE_PAGE, data=_form(client, ARTICLE_PAGE, **fields, body="Igen.", revision="1")
    )
    assert "En anden har ændret oplysningerne" in stale.text


def test_the_editor_confirms_the_municipalities_a_change_reaches_and_admins_read_why(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    fields = {"title": "Pas til voksne", "category": "Borgerservice", "status": "published"}
    change = {**fields, "body": "Pas koster {{ gebyr_pas }} kr.", "revision": "1"}
    page = client.get(ARTICLE_PAGE).text
    assert "<strong>Aarhus Kommune</strong> har en lokal tilpasning, som skal gennemses" in page

    held = client.post(ARTICLE_PAGE, data=_form(client, ARTICLE_PAGE, **change, reason="Lov"))
    assert held.status_code == 200
    assert "Intet er gemt endnu." in held.text
    assert '<input type="hidden" name="confirmed" value="0751">' in held.text
    assert ">Lov</textarea>" in held.text  # the reason written so far is kept
    assert '<input type="hidden" name="revision" value="1">' in held.text
    assert knowledge.get_article(kb, "pas").revision == 1

    reason = "Gebyret følger den nye bekendtgørelse."
    saved = client.post(
        ARTICLE_PAGE, data=_form(client, ARTICLE_PAGE, **change, confirmed="0751", reason=reason)
    )
    assert "Artiklen er gemt." in saved.text

    client.post("/console/logout", data=_form(client, ARTICLE_PAGE))
    sign_in("admin.aarhus")
    override = client.get("/console/kommune/0751/tilpasninger/pas").text
    assert "Den fælles tekst er ændret" in override
    assert f"<strong>Begrundelse:</strong> »{reason}«" in override
    assert "<ins>+Pas koster {{ gebyr_pas }} kr.</ins>" in override


def test_the_editor_sets_tags_and_the_review_date(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    fields = {"title": "Pas til voksne", "category": "Borgerservice", "status": "published"}
    saved = client.post(
        ARTICLE_PAGE,
        data=_form(
            client,
            ARTICLE_PAGE,
            **fields,
            body="Et pas koster 1.234,50 kr.",
            tags=" pas, rejsepas ,,",
            review_by="2027-03-01",
            revision="1",
            confirmed="0751",  # the new text reaches Aarhus' override: the editor confirmed
        ),
    )
    assert "Artiklen er gemt." in saved.text
    page = client.get(ARTICLE_PAGE).text
    assert 'value="pas, rejsepas"' in page
    assert 'value="2027-03-01"' in page


def test_a_new_article_needs_a_free_slug_and_a_text(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    page = "/console/redaktion/artikler/ny"
    fields = {"title": "Pas", "category": "Borgerservice", "status": "published"}
    taken = client.post(page, data=_form(client, page, slug="pas", body="Tekst", **fields))
    assert 'id="f-slug-error">Der findes allerede en artikel' in taken.text
    bad = client.post(page, data=_form(client, page, slug="Ikke Gyldig", body="", **fields))
    assert 'id="f-slug-error">Har ikke det rigtige format.' in bad.text
    assert 'id="f-body-error">Skal udfyldes.' in bad.text


def test_the_editor_keeps_the_fact_catalogue(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    facts = client.get("/console/redaktion/fakta").text
    assert "gebyr_pas" in facts and "Beløb i kroner" in facts

    new = "/console/redaktion/fakta/ny"
    fields = {"key": "gebyr_kørekort", "description": "", "type": "money"}
    refused = client.post(new, data=_form(client, new, **fields))
    assert refused.status_code == 422
    assert 'id="f-key-error"' in refused.text and 'id="f-description-error"' in refused.text

    fields = {"key": "gebyr_koerekort", "description": "Kørekortgebyr", "type": "money"}
    created = client.post(new, data=_form(client, new, **fields))
    assert created.url.path == "/console/redaktion/fakta/gebyr_koerekort"
    assert "0 kommuner har givet en værdi." in created.text
    again = client.post(new, data=_form(client, new, **fields))
    assert "Der findes allerede en fakta med dette navn." in again.text

    page = "/console/redaktion/fakta/gebyr_koerekort"
    saved = client.post(
        page, data=_form(client, page, description="Gebyr for kørekort", type="text", revision="1")
    )
    assert "Faktaen er gemt." in saved.text
    stale = client.post(
        page, data=_form(client, page, description="Igen", type="text", revision="1")
    )
    assert "En anden har ændret oplysningerne" in stale.text
    assert knowledge.get_fact(kb, "gebyr_koerekort").description == "Gebyr for kørekort"
    assert knowledge.get_fact(kb, "gebyr_koerekort").updated_by == "editor@hotline.example"


def test_the_editor_gives_a_fact_its_label_and_shared_default(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    """The label is what agents and citizens read for a missing value; the default fills every
    municipality without a value of its own. A default that does not fit the type is refused."""
    sign_in("editor")
    new = "/console/redaktion/fakta/ny"
    fields = {"key": "politi_telefon", "description": "Politiet", "type": "phone"}
    client.post(new, data=_form(client, new, **fields, label="politiets nummer"))
    page = "/console/redaktion/fakta/politi_telefon"
    refused = client.post(
        page, data=_form(client, page, **fields, default_value="ring 112", revision="1")
    )
    assert refused.status_code == 422 and 'id="f-default_value-error"' in refused.text
    saved = client.post(
        page,
        data=_form(
            client, page, **fields, label="politiets nummer", default_value="114", revision="1"
        ),
    )
    assert "Faktaen er gemt." in saved.text and 'value="114"' in saved.text
    fact = knowledge.get_fact(kb, "politi_telefon")
    assert (fact.label, fact.default_value) == ("politiets nummer", "114")
    cleared = client.post(page, data=_form(client, page, **fields, label="", revision="2"))
    assert "Faktaen er gemt." in cleared.text
    kb.expire_all()
    assert (fact.label, fact.default_value) == (None, None)


def test_a_new_fact_type_must_fit_the_values_municipalities_gave(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    page = "/console/redaktion/fakta/gebyr_pas"
    refused = client.post(
        page, data=_form(client, page, description="Pasgebyr", type="phone", revision="1")
    )
    assert refused.status_code == 422
    assert "Værdierne fra 0461, 0751 passer ikke til den nye type." in refused.text
    assert knowledge.get_fact(kb, "gebyr_pas").type == "money"


def test_a_fact_in_use_cannot_be_deleted_an_unused_one_can(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    used = client.get("/console/redaktion/fakta/gebyr_pas").text
    assert "pas" in used.split("Bruges i:")[1] and "Slet faktaen" not in used
    refused = client.post(
        "/console/redaktion/fakta/gebyr_pas/slet",
        data=_form(client, "/console/redaktion/fakta/gebyr_pas"),
    )
    assert "Faktaen bruges stadig" in refused.text
    assert knowledge.get_fact(kb, "gebyr_pas") is not None

    knowledge.create_fact(
        kb, FactCreate(key="ubrugt", description="Ubrugt", type=FactType.TEXT), "editor"
    )
    kb.commit()
    page = "/console/redaktion/fakta/ubrugt"
    deleted = client.post(page + "/slet", data=_form(client, page))
    assert deleted.url.path == "/console/redaktion/fakta"
    assert "Faktaen ubrugt er slettet." in deleted.text
    assert client.get(page).status_code == 404


def test_the_operator_edits_a_municipality_with_errors_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("operator")
    page = "/console/drift/kommuner/0147"
    fields = {"locale": "da", "email_domain": "frederiksberg.dk", "phone": "+45 38 21 21 21"}
    bad = client.post(
        page,
        data=_form(client, page, **fields, sender_email="ikke-en-mail", website="frederiksberg.dk"),
    )
    assert 'id="f-sender_email-error">Skriv en gyldig e-mailadresse' in bad.text
    assert 'id="f-website-error">' in bad.text
    good = client.post(
        page,
        data=_form(
            client,
            page,
            **fields,
            member="yes",
            sender_email="borgerservice@frederiksberg.dk",
            website="https://www.frederiksberg.dk",
        ),
    )
    assert "Ændringerne er gemt." in good.text
    assert "Ikke medlem af hotline" not in client.get("/console/?kommune=0147").text


def test_the_operator_creates_and_blocks_accounts(
    client: TestClient, sign_in: SignIn, kb: Session, session: Session
) -> None:
    sign_in("operator")
    page = "/console/drift/konti"
    short = client.post(
        page,
        data=_form(
            client,
            page,
            full_name="Ny Agent",
            email="ny@hotline.example",
            role="agent",
            municipality_code="0751",
            password="kort",
        ),
    )
    assert 'id="f-password-error">Adgangskoden skal have mindst 12 tegn.' in short.text
    assert "kort" not in short.text.split('id="f-password"')[1][:60]  # never echoed
    no_municipality = client.post(
        page,
        data=_form(
            client,
            page,
            full_name="Ny Agent",
            email="ny@hotline.example",
            role="agent",
            municipality_code="",
            password="en-lang-adgangskode",
        ),
    )
    assert 'id="f-municipality_code-error">Vælg kommunen for denne rolle.' in no_municipality.text
    created = client.post(
        page,
        data=_form(
            client,
            page,
            full_name="Ny Agent",
            email="ny@hotline.example",
            role="agent",
            municipality_code="0751",
            password="en-lang-adgangskode",
        ),
        follow_redirects=False,
    )
    assert created.status_code == 303
    new = next(u for u in list_users(session, SystemActor()) if u.email == "ny@hotline.example")
    client.post(f"{page}/{new.id}/aktiv", data=_form(client, page))
    session.expire_all()
    assert session.get(type(new), new.id).active is False


def test_a_password_of_only_invisible_characters_is_refused_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("operator")
    page = "/console/drift/konti"
    fields = {"full_name": "Ny", "email": "ny@hotline.example", "role": "editor"}
    blank = client.post(page, data=_form(client, page, **fields, password="\u0001" * 12))
    assert blank.status_code == 422
    assert f'id="f-password-error">{PASSWORD_BLANK}' in blank.text
