"""Hostile input in subject, names, agent text and articles never reaches the citizen as code."""

import email.policy
import time
from email.headerregistry import Address
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.composer.rendering import TemplateProblem
from hotline.composer.service import SenderOutsideDomain, preview_of
from hotline.knowledge.schemas import ArticleCreate
from hotline.knowledge.service import create_article
from hotline.municipalities.models import Municipality
from tests.composer.conftest import Compose

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


class _ActiveContent(HTMLParser):
    """Collects what a mail client would execute or load: scripts, handlers, foreign sources."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "form"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if (
                name in ("href", "src")
                and value
                and not value.startswith(("https://", "mailto:", "tel:", "cid:"))
            ):
                self.found.append(f"{tag} {name}={value}")


def _assert_no_active_content(html: str) -> None:
    parser = _ActiveContent()
    parser.feed(html)
    assert parser.found == []


def test_xss_in_name_subject_agent_text_and_article_is_neutralised(
    compose: Compose, session: Session, demo_users: dict
) -> None:
    create_article(
        session,
        ArticleCreate(
            slug="ondsindet",
            title=f"Titel {XSS}",
            category="Test",
            body=f'Tekst {XSS} <a href="javascript:alert(3)">klik</a> [link](javascript:alert(4))',
        ),
        "test",
    )
    composed = compose(
        citizen_name=XSS,
        subject=f"Svar {XSS}",
        body_markdown=f"Hej {XSS}\n\n[klik her](javascript:alert(5)) <iframe src=//evil>",
        article_slugs=["ondsindet"],
    )
    _assert_no_active_content(composed.html)
    assert "&lt;script&gt;" in composed.html  # shown as text, not dropped silently


def test_placeholder_values_cannot_turn_into_markdown_links(compose: Compose) -> None:
    composed = compose(
        citizen_name="[Klik for refusion](https://evil.example)",
        body_markdown="Kære {{ citizen_name }}",
    )
    assert 'href="https://evil.example"' not in composed.html
    assert "[Klik for refusion](https://evil.example)" in composed.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Svar\r\nBcc: alle@example.dk"),
        ("subject", "Svar\nX-Injected: 1"),
        ("citizen_name", "Jens\r\nBcc: alle@example.dk"),
        ("to", "borger@example.dk\r\nBcc: alle@example.dk"),
        ("to", "Borger <borger@example.dk>, alle@example.dk"),
        ("subject", "Svar\u2028Bcc: alle@example.dk"),
    ],
)
def test_header_injection_is_refused(
    client: TestClient, auth_headers: dict[str, dict[str, str]], field: str, value: str
) -> None:
    request = {
        "municipality": "0751",
        "to": "borger@example.dk",
        "subject": "Svar",
        "body_markdown": "Tak.",
        field: value,
    }
    response = client.post(
        "/api/v1/replies/preview", headers=auth_headers["agent.aarhus"], json=request
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == f"body.{field}"


def test_a_subject_placeholder_cannot_add_a_line(compose: Compose) -> None:
    with pytest.raises(TemplateProblem):
        compose(subject="Svar {{ '\\r\\nBcc: x@example.dk' }}")


def test_a_hostile_display_name_stays_one_quoted_sender(
    client: TestClient, auth_headers: dict[str, dict[str, str]], compose: Compose
) -> None:
    evil = 'Aarhus, "Kommune" <evil@example.dk>'
    client.patch(
        "/api/v1/letterheads/0751",
        headers=auth_headers["admin.aarhus"],
        json={"sender_name": evil},
    )
    composed = compose()
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = Address(display_name=composed.from_name, addr_spec=composed.from_address)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (evil, "borgerservice@aarhus.dk")
    [again] = email.message_from_string(
        f"From: {preview_of(composed).from_}\n\n", policy=email.policy.default
    )["From"].addresses
    assert again.addr_spec == "borgerservice@aarhus.dk"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('id') }}",
        "{{ self._TemplateReference__context }}",
        "{% for i in range(10**9) %}x{% endfor %}",
        "{{ 'x' * 100000000 }}",
        "{{ 9 ** 9999999 }}",
        "{% set x = [] %}{{ x.append.__self__ }}",
        "{{ unknown_placeholder }}",
        "{% if %}",
    ],
)
def test_template_text_cannot_run_code(compose: Compose, source: str) -> None:
    with pytest.raises(TemplateProblem):
        compose(body_markdown=source)


def test_template_errors_reach_the_agent_as_422(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.post(
        "/api/v1/replies/preview",
        headers=auth_headers["agent.aarhus"],
        json={
            "municipality": "0751",
            "to": "borger@example.dk",
            "subject": "Svar",
            "body_markdown": "{{ ''.__class__.__mro__ }}",
        },
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/template-error"


def test_the_preview_shows_the_one_sender_a_long_hostile_name_really_gets(
    client: TestClient, auth_headers: dict[str, dict[str, str]], compose: Compose
) -> None:
    evil = 'Aarhus Kommune Borgerservice og Ydelser til borgere i kommunen, "x" <ceo@evil.example>,'
    saved = client.patch(
        "/api/v1/letterheads/0751", headers=auth_headers["admin.aarhus"], json={"sender_name": evil}
    )
    assert saved.status_code == 200
    preview = preview_of(compose())
    [sender] = email.message_from_string(f"From: {preview.from_}\n\n", policy=email.policy.default)[
        "From"
    ].addresses
    assert (sender.display_name, sender.addr_spec) == (evil, "borgerservice@aarhus.dk")


def test_a_stored_sender_outside_the_municipalitys_domain_sends_nothing(
    compose: Compose, session: Session
) -> None:
    """Rows written before the rule (or by hand) cannot borrow another domain's identity."""
    aarhus = session.get_one(Municipality, "0751")
    aarhus.sender_email = "borgerservice@kk.dk"
    session.commit()
    with pytest.raises(SenderOutsideDomain):
        compose()


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
        "{% for c in 'x' * 20000 %}{% for d in 'y' * 20000 %}{% endfor %}{% endfor %}",
        "{{ 'x'|center(10**8) }}",
        "{{ 'x'.center(100000000) }}",
        "{{ 'x'|indent(10**7) }}",
        "{{ lipsum(3000) }}",
        "{{ {}.update }}",
        "{{ ''.format }}",
        "{{ [1, 2] }}",
        "{{ cycler }}{{ joiner }}{{ namespace }}",
        "{% set a = 'x' * 100000 %}{{ a ~ a }}",
        "{% set a = 'x' * 100000 %}{{ a + a }}",
        "{{ ([('x' * 100000)] * 1000) | join }}",
        "{{ '%100000000s' % 'x' }}",
        "{{ ('x' * 50000).replace('', 'y') }}",
        "{{ range(100000) | list | length }}",
    ],
    ids=[
        "nested-range", "nested-strings", "center-filter", "center-method", "indent", "lipsum",
        "method-repr", "format-repr", "list-repr", "helpers", "concat", "plus", "join",
        "percent-format", "replace", "long-range",
    ],
)  # fmt: skip
def test_templates_cannot_spend_unbounded_cpu_or_memory_or_print_objects(
    compose: Compose, source: str
) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateProblem):
        compose(body_markdown=source)
    assert time.perf_counter() - started < 2  # refused early, not after the work is done


def test_what_templates_need_still_works(compose: Compose) -> None:
    composed = compose(
        citizen_name="Jens Hansen",
        body_markdown=(
            "Kære {{ citizen_name|upper }}, {% for n in range(3) %}{{ n }}{% endfor %} "
            "{{ ['a', 'b']|join(', ') }} {{ 'x' ~ municipality }} "
            "{% if citizen_name.startswith('Jens') %}ja{% endif %} {{ today }}"
        ),
    )
    assert "JENS HANSEN" in composed.text and "012" in composed.text
    assert "a, b" in composed.text and "xAarhus Kommune" in composed.text and "ja" in composed.text


RECURSIVE_MACRO = "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}"


@pytest.mark.parametrize("endpoint", ["/api/v1/replies/preview", "/api/v1/replies"])
@pytest.mark.parametrize("field", ["body_markdown", "subject"])
def test_a_macro_calling_itself_reaches_the_agent_as_422(
    client: TestClient, auth_headers: dict[str, dict[str, str]], endpoint: str, field: str
) -> None:
    request = {"municipality": "0751", "to": "a@example.com", "subject": "s", "body_markdown": "b"}
    response = client.post(
        endpoint, headers=auth_headers["agent.aarhus"], json={**request, field: RECURSIVE_MACRO}
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/template-error"


DEEP = 3000


@pytest.mark.parametrize(
    "source",
    [
        RECURSIVE_MACRO,
        "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}",
        "{% macro m(f) %}{{ f(f) }}{% endmacro %}{{ m(m) }}",
        "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
        "{% macro m() %}{{ caller() }}{% endmacro %}"
        + "{% call m() %}" * 300 + "{% endcall %}" * 300,
        "{{ " + "(" * DEEP + "1" + ")" * DEEP + " }}",
        "{{ " + "[" * DEEP + "]" * DEEP + " }}",
        "{{ 1" + "|abs" * DEEP + " }}",
        "{{ 1" + " + 1" * DEEP + " }}",
        "{% for a in [1] %}" * 25 + "{% endfor %}" * 25,
        "{% if 1 %}" * 200 + "{% endif %}" * 200,
    ],
    ids=[
        "macro-itself", "macros-each-other", "macro-as-argument", "recursive-loop", "call-blocks",
        "parentheses", "lists", "filters", "sums", "loops-in-loops", "ifs-in-ifs",
    ],
)  # fmt: skip
def test_recursive_or_deeply_nested_templates_are_refused_quickly(
    compose: Compose, source: str
) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateProblem):
        compose(body_markdown=source)
    assert time.perf_counter() - started < 2


def test_macros_may_still_call_other_macros(compose: Compose) -> None:
    composed = compose(
        body_markdown=(
            "{% macro line(n) %}Linje {{ n }}{% endmacro %}"
            "{% macro lines() %}{{ line(1) }} og {{ line(2) }}{% endmacro %}{{ lines() }}"
        )
    )
    assert "Linje 1 og Linje 2" in composed.text
