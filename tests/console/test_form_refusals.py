"""Every refused console form says in Danish why, beside the field (or at the top), keeps what
was typed, and is never a 500 or the generic error page."""

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.console.access import ROLE_NAMES, Role
from hotline.console.errors import danish_message
from hotline.contacts.models import Contact
from hotline.errors import Problem
from hotline.knowledge import service as knowledge
from tests.console.conftest import SignIn, csrf_token, post_form
from tests.meetings.test_console_types import NEW as MEETING_TYPES
from tests.meetings.test_console_types import new_type_form

ACCOUNTS = "/console/drift/konti"


def _form(client: TestClient, page: str, **fields: str) -> dict:
    return {"csrf_token": csrf_token(client, page), **fields}


def _reply_preview(client: TestClient, **fields: str) -> Response:
    """The agent's reply to Aarhus shown as a preview, with ``fields`` as written."""
    draft = {"to": "borger@example.dk", "subject": "Om dit pas", "body_markdown": "Hej."}
    form = _form(client, "/console/?kommune=0751", municipality="0751", **(draft | fields))
    return client.post("/console/svar/forhaandsvisning", data=form)


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
    assert 'id="f-email-error">Der findes allerede en konto med den e-mailadresse.' in refused.text
    assert 'value="Anden Agent"' in refused.text  # what was typed is kept
    assert client.get(ACCOUNTS).status_code == 200  # and the session goes on


@pytest.mark.parametrize("version", ["abc", "1e3", "²", "9" * 5000])
def test_a_contact_form_with_an_unreadable_version_is_refused_as_stale(
    client: TestClient, sign_in: SignIn, session: Session, version: str
) -> None:
    sign_in("agent.aarhus")
    client.get("/console/", params={"kommune": "0751"})
    contact = session.scalars(select(Contact)).one()
    closing = post_form(
        client, f"/console/henvendelser/{contact.id}/luk",
        {"outcome": "answered", "version": version},
    )  # fmt: skip
    assert closing.status_code == 422
    assert "En anden har ændret oplysningerne" in closing.text
    forward = {"question": "Hvornår?", "action_taken": "Forklarede", "version": version}
    forwarding = post_form(client, f"/console/henvendelser/{contact.id}/videresend", forward)
    assert forwarding.status_code == 422
    assert "En anden har ændret oplysningerne" in forwarding.text
    assert ">Hvornår?</textarea>" in forwarding.text
    session.expire_all()
    assert session.get_one(Contact, contact.id).is_open


def test_an_article_form_with_an_unreadable_revision_is_refused_as_stale(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    page = "/console/redaktion/artikler/pas"
    fields = {"title": "Pas", "category": "Borgerservice", "status": "published", "body": "Nyt."}
    refused = client.post(page, data=_form(client, page, **fields, revision="²"))
    assert "En anden har ændret oplysningerne" in refused.text


def test_a_meeting_to_cancel_named_by_no_whole_number_is_ignored(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    assert client.get("/console/moeder", params={"aflys": "²"}).status_code == 200


AARHUS_PAGE = "/console/drift/kommuner/0751"
AARHUS_CONTACT = {"phone": "+45 89 40 20 00", "website": "https://www.aarhus.dk"}


@pytest.mark.parametrize("sender", ["borgerservice@odense.dk", "post@aarhus.dk.evil.com"])
@pytest.mark.parametrize("account", ["operator", "admin.aarhus"])
def test_a_sender_outside_the_email_domain_is_explained_beside_it(
    client: TestClient, sign_in: SignIn, kb: Session, account: str, sender: str
) -> None:
    sign_in(account)
    hotline_columns = {"locale": "da", "email_domain": "aarhus.dk", "member": "yes"}
    fields = {**AARHUS_CONTACT, **(hotline_columns if account == "operator" else {})}
    refused = client.post(
        AARHUS_PAGE, data=_form(client, AARHUS_PAGE, **fields, sender_email=sender)
    )
    assert refused.status_code == 422
    assert (
        'id="f-sender_email-error">Afsenderadressen skal ligge i kommunens e-maildomæne '
        "aarhus.dk, fx borgerservice@aarhus.dk." in refused.text
    )
    assert f'value="{sender}"' in refused.text  # what was typed is kept
    assert ("Kun driften kan ændre e-maildomænet." in refused.text) is (account != "operator")


def test_a_new_email_domain_that_leaves_the_sender_outside_is_explained_beside_both(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("operator")
    fields = {**AARHUS_CONTACT, "locale": "da", "sender_email": "borgerservice@aarhus.dk"}
    refused = client.post(
        AARHUS_PAGE, data=_form(client, AARHUS_PAGE, **fields, email_domain="odense.dk")
    )
    assert refused.status_code == 422
    assert (
        'id="f-sender_email-error">Afsenderadressen skal ligge i kommunens e-maildomæne '
        "odense.dk, fx borgerservice@odense.dk." in refused.text
    )
    assert 'id="f-email_domain-error">Afsenderadressen ligger ikke i det nye domæne' in (
        refused.text
    )
    assert 'value="odense.dk"' in refused.text


UNKNOWN_FACT = "{{ ukendt }} i linje 2 er ikke en kendt fakta (se faktalisten)"
UNKNOWN_FACT_BODY = "Ring til os.\nRing {{ ukendt }}"


def test_an_override_with_an_unknown_fact_names_it_and_its_line_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/tilpasninger/pas"
    version = knowledge.override_version(knowledge.get_override(kb, "0751", "pas"))
    fields = {"mode": "append", "title": "", "body": UNKNOWN_FACT_BODY, "version": version}
    refused = client.post(page, data=_form(client, page, **fields))
    assert f'id="f-body-error">Teksten kan ikke gemmes: {UNKNOWN_FACT}.' in refused.text
    assert "not known facts" not in refused.text


def test_a_local_article_with_a_template_tag_names_it_and_its_line_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/lokale-artikler/ny"
    fields = {"slug": "ny", "title": "Ny", "category": "Borgerservice", "status": "published"}
    refused = client.post(page, data=_form(client, page, **fields, body="{% if %}"))
    assert (
        'id="f-body-error">Teksten kan ikke gemmes: {% if %} i linje 1 er ikke tilladt: '
        "kun fakta, skrevet som {{ navn }}." in refused.text
    )


def test_a_shared_article_with_an_unknown_fact_names_it_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    page = "/console/redaktion/artikler/ny"
    fields = {"slug": "ny", "title": "Ny", "category": "Borgerservice", "status": "published"}
    refused = client.post(page, data=_form(client, page, **fields, body=UNKNOWN_FACT_BODY))
    assert f'id="f-body-error">Teksten kan ikke gemmes: {UNKNOWN_FACT}.' in refused.text


TEMPLATES = "/console/redaktion/svarskabeloner/ny"
TEMPLATE = {"key": "tak", "title": "Tak", "subject": ""}


@pytest.mark.parametrize("body", ["Hej\n{% if %}", "Hej\n{{ a b }}"])
def test_a_reply_template_that_does_not_parse_names_the_line_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session, body: str
) -> None:
    sign_in("editor")
    refused = post_form(client, TEMPLATES, TEMPLATE | {"body_markdown": body})
    assert refused.status_code == 422
    assert (
        'id="f-body_markdown-error">Skabelonen kan ikke læses: der er en fejl i linje 2.'
        in refused.text
    )
    assert "Expected" not in refused.text and "expected token" not in refused.text


def test_a_reply_template_with_a_cpr_number_is_refused_beside_the_field(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("editor")
    fields = TEMPLATE | {"subject": "Om 010190-1234", "body_markdown": "Hej"}
    refused = post_form(client, TEMPLATES, fields)
    assert refused.status_code == 422
    assert 'id="f-subject-error">Teksten indeholder et CPR-nummer.' in refused.text
    assert 'value="Om 010190-1234"' in refused.text


def test_a_reply_with_an_unknown_placeholder_names_it(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    preview = _reply_preview(client, body_markdown="Gebyret er {{ gebyr }} kr.")
    assert 'id="f-body_markdown-error">Pladsholderen {{ gebyr }} kendes ikke.' in preview.text


@pytest.mark.parametrize("page", ["/console/tal", "/console/tilfredshed"])
def test_a_report_period_that_ends_before_it_starts_is_explained(
    client: TestClient, sign_in: SignIn, kb: Session, page: str
) -> None:
    sign_in("supervisor")
    shown = client.get(page, params={"fra": "2026-02-01", "til": "2026-01-01"})
    assert shown.status_code == 422
    assert "Perioden slutter, før den begynder." in shown.text


@pytest.mark.parametrize(
    "page", ["/console/tal", "/console/tilfredshed", "/console/tal/opgoerelse"]
)
def test_a_report_for_an_unknown_municipality_is_explained(
    client: TestClient, sign_in: SignIn, kb: Session, page: str
) -> None:
    sign_in("operator")
    shown = client.get(page, params={"kommune": "9999"})
    assert shown.status_code == 422
    assert "Ingen kommune har den kommunekode." in shown.text


def test_every_cpr_refusal_has_its_own_danish_message() -> None:
    import hotline.app  # noqa: F401 (every domain, so every problem the console may meet)

    def problems(cls: type[Problem]) -> list[type[Problem]]:
        return [cls, *(sub for direct in cls.__subclasses__() for sub in problems(direct))]

    cpr_slugs = {cls.slug for cls in problems(Problem) if "cpr" in cls.slug}
    assert {"cpr-number-in-text", "cpr-number-in-reply", "cpr-number-in-search"} <= cpr_slugs
    for slug in cpr_slugs:
        assert "CPR-nummer" in danish_message(422, slug), slug


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "0", "Skriv et helt tal fra 5 til 240."),
        ("parallel_agents", "1000", "Skriv et helt tal fra 1 til 100."),
        ("parallel_agents", "mange", "Skriv et helt tal fra 1 til 100."),
    ],
)
def test_a_meeting_setting_out_of_range_is_told_with_the_schemas_range(
    client: TestClient, sign_in: SignIn, kb: Session, field: str, value: str, message: str
) -> None:
    sign_in("editor")
    form = _form(client, "/console/", **new_type_form(**{field: value}))
    refused = client.post(MEETING_TYPES, data=form)
    assert refused.status_code == 422
    assert f'id="f-{field}-error">{message}' in refused.text
    assert f'value="{value}"' in refused.text


def test_a_too_long_subject_or_name_is_told_in_characters(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    preview = _reply_preview(client, citizen_name="N" * 121, subject="S" * 201)
    assert 'id="f-subject-error">Må højst være 200 tegn.' in preview.text
    assert 'id="f-citizen_name-error">Må højst være 120 tegn.' in preview.text


def test_a_letterhead_line_too_long_is_told_in_characters(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("admin.aarhus")
    page = "/console/kommune/0751/brevpapir"
    refused = client.post(page, data=_form(client, page, department="D" * 121))
    assert 'id="f-department-error">Må højst være 120 tegn.' in refused.text


@pytest.mark.parametrize("phone", ["abc", "12ab34"])
def test_a_phone_number_that_is_none_is_told_so(
    client: TestClient, sign_in: SignIn, kb: Session, phone: str
) -> None:
    sign_in("operator")
    fields = {
        "locale": "da", "email_domain": "aarhus.dk", "member": "yes",
        "sender_email": "borgerservice@aarhus.dk", "website": "https://www.aarhus.dk",
    }  # fmt: skip
    refused = client.post(AARHUS_PAGE, data=_form(client, AARHUS_PAGE, **fields, phone=phone))
    assert 'id="f-phone-error">Telefonnummeret er ikke gyldigt.' in refused.text


def test_every_role_has_a_danish_name_and_the_operator_opens_a_supervisor_account(
    client: TestClient, sign_in: SignIn, kb: Session, session: Session
) -> None:
    assert set(ROLE_NAMES) == set(Role)
    sign_in("operator")
    page = client.get(ACCOUNTS).text
    for role in Role:
        assert f'<option value="{role.value}" >{ROLE_NAMES[role]}</option>' in page
    assert f"<td>{ROLE_NAMES[Role.SUPERVISOR]}</td>" in page  # the demo supervisor's row
    fields = {
        "full_name": "Ny Vagtleder",
        "email": "vagt@hotline.example",
        "role": "supervisor",
        "municipality_code": "",
        "password": "en-lang-adgangskode",
    }
    created = client.post(ACCOUNTS, data=_form(client, ACCOUNTS, **fields), follow_redirects=False)
    assert created.status_code == 303, created.text
    new = session.scalars(select(User).where(User.email == "vagt@hotline.example")).one()
    assert new.role == Role.SUPERVISOR
