"""The agent's screen: municipality, search, article, reply and its delivery status."""

import gc
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jinja2.runtime
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import hotline.console.agent
import hotline.search.index
from hotline.auth.models import User
from hotline.auth.service import issue_token
from hotline.config import Settings
from hotline.console.templating import templates
from hotline.contacts.service import has_open_contact
from hotline.replies.models import Reply
from hotline.search.schemas import SearchRead, SearchResult
from hotline.search.service import knowledge_gaps
from tests.console.conftest import LOCAL_PART, SignIn, csrf_token, post_form

HTMX = {"HX-Request": "true"}


def test_a_postcode_in_two_municipalities_offers_both_and_marks_the_non_member(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    html = client.get("/console/?find=2000", headers={**HTMX, "HX-Target": "candidates"}).text
    assert "<html" not in html  # just the candidates
    assert "Københavns Kommune" in html and "Frederiksberg Kommune" in html
    frederiksberg = html[html.index("Frederiksberg Kommune") :].split("</li>")[0]
    assert "Ikke medlem af hotline" in frederiksberg


def test_a_shared_postcode_says_which_areas_belong_where(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    """2500 Valby is part Copenhagen, part Frederiksberg: each choice lists its postal districts
    (the ones it has alone first) and the agent is told what to ask."""
    sign_in("agent.aarhus")
    html = client.get("/console/?find=2500", headers={**HTMX, "HX-Target": "candidates"}).text
    assert "Postnummer 2500 Valby deles af 2 kommuner" in html
    assert "hvilken kommune der står på sundhedskortet" in html
    copenhagen = html[html.index(">Københavns Kommune</a>") :].split("</li>")[0]
    frederiksberg = html[html.index(">Frederiksberg Kommune</a>") :].split("</li>")[0]
    assert "Postdistrikter i Københavns Kommune: 1050 København K, 1620 København V," in copenhagen
    assert "2100 København Ø" in copenhagen and "2100" not in frederiksberg
    assert (
        "Postdistrikter i Frederiksberg Kommune: 2000 Frederiksberg (delt), "
        "2200 København N (delt), 2500 Valby (delt)"
    ) in frederiksberg


def test_an_unambiguous_postcode_chooses_the_municipality_at_once(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    response = client.get("/console/?find=8000", follow_redirects=False)
    assert response.headers["location"] == "/console/?kommune=0751"


def test_a_name_or_a_code_finds_the_municipality(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    for typed in ("odense", "461", "0461"):
        html = client.get(f"/console/?find={typed}", headers=HTMX).text
        assert "Odense Kommune" in html


def test_the_chosen_municipality_stays_in_view_with_its_logo(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.odense")
    html = client.get("/console/?kommune=0751").text
    assert "Borgerens kommune: Aarhus Kommune" in html
    assert 'src="data:image/png;base64,' in html


def test_a_non_member_is_clearly_marked(client: TestClient, sign_in: SignIn, kb: Session) -> None:
    sign_in("agent.aarhus")
    html = client.get("/console/?kommune=0147").text
    assert "Borgerens kommune: Frederiksberg Kommune" in html
    assert "Ikke medlem af hotline" in html
    assert "ikke med i den fælles hotline" in html


def test_search_as_you_type_returns_only_the_results_fragment(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    fragment = post_form(
        client,
        "/console/soeg",
        {"kommune": "0751", "q": "pas"},
        headers={**HTMX, "HX-Target": "results"},
    ).text
    assert "<html" not in fragment and "<header" not in fragment
    assert "Pas til voksne" in fragment
    assert "Lokal regel" in fragment  # Aarhus adds to the shared article
    assert "Borgerservice (" in fragment  # the category facet with its count


def test_the_search_box_answer_is_the_results_block_of_the_page(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    """The htmx answer draws the results template by itself; the page includes it."""
    sign_in("agent.aarhus")
    words = {"kommune": "0751", "q": "pas"}
    fragment = post_form(client, "/console/soeg", words, headers={**HTMX, "HX-Target": "results"})
    page = post_form(client, "/console/soeg", words).text
    block = page.split('<div id="results">', 1)[1].split("</div>", 1)[0]
    assert "Pas til voksne" in fragment.text
    # The same markup, whatever the indentation.
    assert fragment.text.split() == block.split()
    assert fragment.headers["Vary"] == "HX-Request, HX-Target"


def test_typing_draws_its_results_from_what_the_process_keeps_without_a_thread(
    client: TestClient,
    sign_in: SignIn,
    kb: Session,
    settings: Settings,
    demo_users: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first search for a municipality opens the agent's contact (a write: a worker
    thread); the keystrokes after it are drawn on the event loop, and a blocked account is
    stopped at the very next one."""
    monkeypatch.setattr(hotline.search.index, "REFRESH_SECONDS", 60.0)  # no look meanwhile
    hops: list[str] = []
    run_in_threadpool = hotline.console.agent.run_in_threadpool

    async def counted(function: Callable[..., Any], *args: Any) -> Any:
        hops.append(function.__name__)
        return await run_in_threadpool(function, *args)

    monkeypatch.setattr(hotline.console.agent, "run_in_threadpool", counted)
    sign_in("agent.aarhus")
    results = {**HTMX, "HX-Target": "results", "HX-Trigger-Name": "q"}
    typed = [
        post_form(client, "/console/soeg", {"kommune": "0751", "q": q}, headers=results)
        for q in ("pa", "pas", "pas ")
    ]
    assert all("Pas til voksne" in answer.text for answer in typed[1:])
    assert hops == ["_searched_page"]  # the first: it opened the contact
    kb.rollback()
    assert has_open_contact(kb, demo_users["agent.aarhus"].id)

    operator = {"Authorization": f"Bearer {issue_token(settings, demo_users['operator']).token}"}
    agent_id = demo_users["agent.aarhus"].id
    blocked = client.patch(f"/api/v1/users/{agent_id}", json={"active": False}, headers=operator)
    assert blocked.is_success
    stopped = post_form(client, "/console/soeg", {"kommune": "0751", "q": "pas"}, headers=results)
    assert stopped.status_code == 204
    assert stopped.headers["HX-Redirect"].startswith("/console/login")
    assert hops == ["_searched_page"]


def test_search_works_without_javascript_as_a_plain_form(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    page = post_form(client, "/console/soeg", {"kommune": "0751", "q": "pas"}).text
    assert page.startswith("<!doctype html>") and '<html lang="da">' in page
    assert '<form method="post" action="/console/soeg" role="search"' in page
    # The words searched for stay out of every address (history, logs): links carry none.
    assert 'href="/console/?kommune=0751&amp;artikel=pas"' in page
    assert "q=pas" not in page


def test_typing_logs_no_knowledge_gap_but_a_submitted_search_does(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    results = {**HTMX, "HX-Target": "results"}
    search = {"kommune": "0751", "q": "hvalrosser"}
    for partial in ("hvalr", "hvalros", "hvalrosser"):  # keystrokes: the box itself fires
        post_form(
            client,
            "/console/soeg",
            {**search, "q": partial},
            headers={**results, "HX-Trigger-Name": "q"},
        )
    kb.rollback()
    assert knowledge_gaps(kb) == []

    post_form(client, "/console/soeg", search, headers=results)  # Enter submits the form
    post_form(client, "/console/soeg", search)  # the plain form, JavaScript off
    kb.rollback()
    [gap] = knowledge_gaps(kb)
    assert (gap.query, gap.municipality_code, gap.count) == ("hvalrosser", "0751", 2)


def test_the_search_box_searches_as_you_type_and_its_form_submits_deliberately(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    page = client.get("/console/?kommune=0751").text
    form = page[page.index('aria-label="Søg i artikler"') :].split("</form>")[0]
    assert 'hx-post="/console/soeg"' in form and 'hx-target="#results"' in form
    box = form[form.index('name="q"') :].split(">")[0]
    assert 'hx-trigger="input changed delay:200ms"' in box


def test_a_typo_offers_the_suggestion(client: TestClient, sign_in: SignIn, kb: Session) -> None:
    sign_in("agent.aarhus")
    html = post_form(
        client, "/console/soeg", {"kommune": "0751", "q": "voksen pss"}, headers=HTMX
    ).text
    assert "Mente du" in html or "Viser resultater for" in html


def test_the_article_marks_the_local_part_and_highlights_facts(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.odense")
    html = client.get(
        "/console/?kommune=0751&artikel=pas", headers={**HTMX, "HX-Target": "article"}
    ).text
    assert "<html" not in html
    local = html[html.index('class="local-part"') :]
    assert "Lokal regel i Aarhus" in local and LOCAL_PART in local
    assert '<mark class="fact" title="Kommunens fakta: pasgebyr">1.234,50</mark>' in html
    assert "Gælder fra 1. januar 2020" in html
    assert "Vis den fælles tekst ved siden af" in html  # the toggle beside the local text


def test_a_missing_fact_is_said_in_words_without_its_key(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    """Odense (a member) has not given the phone: the agent reads what is missing by its
    label and where to send the citizen, and the text shows what the letter will say."""
    sign_in("agent.aarhus")
    html = client.get("/console/?kommune=0461&artikel=pas").text
    pointer = (  # the web address is a link, as in the letter
        "[telefon oplyses af Odense Kommune: "
        '<a href="https://www.odense.dk" rel="noopener noreferrer">https://www.odense.dk</a>]'
    )
    assert f'<mark class="fact-missing" title="Mangler: telefon">{pointer}</mark>' in html
    assert (
        "Odense har ikke oplyst telefon til hotline - henvis til kommunens hjemmeside "
        "(https://www.odense.dk)"
    ) in html
    assert "mangler at udfylde" not in html


def test_the_bar_beside_a_non_member_gives_its_switchboard_and_says_what_is_unknown(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    html = client.get("/console/?kommune=0147").text
    bar = html[html.index('id="municipality-now"') :].split("Skift kommune")[0]
    assert "+45 38 21 21 21" in bar  # the register's main number
    assert "Kommunens hovednummer: Frederiksberg er ikke med i hotline" in bar
    assert "åbningstiden kendes ikke" in bar
    assert "Kendes ikke: Vejvagt, Socialvagt, Børn og unge (døgnvagt)" in bar


def test_a_non_member_is_not_asked_to_fill_in_facts(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    html = client.get("/console/?kommune=0147&artikel=pas").text
    assert (
        "Frederiksberg er ikke med i hotline: pasgebyr og telefon kendes ikke - henvis til "
        "kommunens hjemmeside (https://www.frederiksberg.dk)"
    ) in html
    assert "mangler at udfylde" not in html
    assert "gebyr_pas" not in html


def test_a_local_article_is_only_found_in_its_municipality(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    assert "Lokal artikel i Aarhus" in client.get("/console/?kommune=0751&artikel=dokk1").text
    other = client.get("/console/?kommune=0461&artikel=dokk1").text
    assert "Siden eller oplysningen findes ikke." in other


def _reply_form(client: TestClient, **fields: str) -> dict:
    return {
        "csrf_token": csrf_token(client, "/console/?kommune=0751"),
        "municipality": "0751",
        "idempotency_key": "test-key-1",
        "to": "borger@example.dk",
        "subject": "Om dit pas",
        "body_markdown": "Se artiklen om pas.",
        "article_slugs": "pas",
        **fields,
    }


def test_the_preview_is_the_letter_in_a_sandboxed_frame(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.odense")
    html = client.post(
        "/console/svar/forhaandsvisning",
        data=_reply_form(client),
        headers={**HTMX, "HX-Target": "preview"},
    ).text
    assert "<html" not in html.split("srcdoc=")[0]
    assert '<iframe class="preview-frame" title="Forhåndsvisning af brevet" sandbox=""' in html
    assert "Fra: Aarhus Kommune" in html
    assert "data:image/png;base64," in html  # the logo shown, not a cid: link


def test_the_cpr_guard_speaks_next_to_the_field(
    client: TestClient, sign_in: SignIn, kb: Session, session: Session
) -> None:
    sign_in("agent.odense")
    form = _reply_form(client, body_markdown="Dit CPR-nummer er 010190-1234.")
    preview = client.post("/console/svar/forhaandsvisning", data=form, headers=HTMX).text
    assert "Svaret indeholder et CPR-nummer" in preview
    sent = client.post("/console/svar", data=form, headers={**HTMX, "HX-Target": "compose"})
    assert sent.status_code == 422
    assert 'id="f-body_markdown-error">Svaret indeholder et CPR-nummer' in sent.text
    assert "010190-1234" in sent.text  # the agent's text is kept to be corrected
    assert session.scalars(select(Reply)).all() == []


def test_invalid_fields_are_explained_in_danish(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.odense")
    form = _reply_form(client, to="ikke-en-adresse", subject="")
    html = client.post("/console/svar", data=form, headers={**HTMX, "HX-Target": "compose"}).text
    assert 'id="f-to-error">Skriv en gyldig e-mailadresse' in html
    assert 'id="f-subject-error">Skal udfyldes.' in html
    assert "value_error" not in html and "{" not in html.split('id="f-to-error">')[1][:80]


def test_sending_queues_the_reply_and_shows_its_status_until_it_settles(
    client: TestClient, sign_in: SignIn, kb: Session, session: Session
) -> None:
    sign_in("agent.odense")
    form = _reply_form(client)
    response = client.post("/console/svar", data=form, follow_redirects=False)
    assert response.status_code == 303
    reply = session.scalars(select(Reply)).one()
    assert response.headers["location"] == f"/console/svar/{reply.id}"
    status = client.get(
        f"/console/svar/{reply.id}", headers={**HTMX, "HX-Target": "reply-status"}
    ).text
    assert status.lstrip().startswith('<p id="reply-status"')
    assert 'hx-trigger="every 2s"' in status and "I kø" in status
    again = client.post("/console/svar", data=form, follow_redirects=False)
    assert again.headers["location"] == response.headers["location"]  # no second email
    assert "Om dit pas" in client.get("/console/svar").text


def test_the_template_fills_in_subject_and_text(
    client: TestClient, sign_in: SignIn, kb: Session, session: Session
) -> None:
    from hotline.composer.service import list_templates, seed_shared_templates

    seed_shared_templates(session)
    session.commit()
    template = list_templates(session, "0751")[0]
    sign_in("agent.odense")
    form = _reply_form(client, template=template.key, apply_template="1", body_markdown="")
    html = client.post(
        "/console/svar/udkast", data=form, headers={**HTMX, "HX-Target": "compose"}
    ).text
    assert template.body_markdown.splitlines()[0][:30] in html.replace("&#34;", '"')


def test_my_replies_name_the_municipality(client: TestClient, sign_in: SignIn, kb: Session) -> None:
    sign_in("agent.odense")
    client.post("/console/svar", data=_reply_form(client), follow_redirects=False)
    mine = client.get("/console/svar").text
    assert "<td>Aarhus Kommune</td>" in mine
    assert "<td>0751</td>" not in mine


def test_editors_read_the_knowledge_gaps_in_the_console(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    sign_in("agent.aarhus")
    client.get("/console/?kommune=0751&q=hvalrosser")  # a deliberate search that finds nothing
    assert client.get("/console/redaktion/huller").status_code == 403
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})

    sign_in("editor")
    page = client.get("/console/redaktion/huller").text
    row = page.split("<tbody>")[1]
    assert "<td>hvalrosser</td><td>Aarhus Kommune</td><td>1</td>" in row
    assert 'href="/console/redaktion/huller" aria-current="true"' in page
    other = client.get("/console/redaktion/huller?kommune=0461").text
    assert "hvalrosser" not in other and "Ingen søgninger uden resultat" in other


def _post_to_the_app(client: TestClient, path: str, form: dict[str, str]) -> str:
    """One search box POST (``form`` with its CSRF token) handed to the ASGI app itself, as a
    server hands it over, without the test client's transport: that keeps each page's context
    for its debug extension, and its own streams are reference cycles."""
    body = urlencode(form).encode()
    headers = {
        **HTMX,
        "HX-Target": "results",
        "HX-Trigger-Name": "q",
        "Host": "testserver",
        "Cookie": "; ".join(f"{name}={value}" for name, value in client.cookies.items()),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    request = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return request.pop() if request else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    assert client.portal is not None
    client.portal.call(client.app, scope, receive, send)
    assert sent[0]["status"] == 200
    return b"".join(message.get("body", b"") for message in sent[1:]).decode()


def _drawn_for_the_answer(thing: object) -> bool:
    """A console page's context or macro, or a search's answer (not, say, a mail's context
    the app's worker thread may draw meanwhile)."""
    if isinstance(thing, jinja2.runtime.Context):
        return thing.environment is templates.env
    return isinstance(thing, jinja2.runtime.Macro | SearchRead | SearchResult)


def test_the_search_box_answer_leaves_no_reference_cycle_to_the_garbage_collector(
    client: TestClient, sign_in: SignIn, kb: Session
) -> None:
    """Typing asks many times a minute. A macro taking a caller, defined in the drawn template,
    was kept in the page's context and held it: every answer (its request, its results, its
    context) waited for the collector, whose runs then cost ~50 us a search."""
    sign_in("agent.aarhus")
    form = {"csrf_token": csrf_token(client), "kommune": "0751"}
    _post_to_the_app(client, "/console/soeg", {**form, "q": "pa"})
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        # Categories, and a suggestion: both drawn with the search form and its buttons.
        answers = [
            _post_to_the_app(client, "/console/soeg", {**form, "q": q})
            for q in ("pas", "pas voksen")
        ]
        gc.collect()
        left = [thing for thing in gc.garbage if _drawn_for_the_answer(thing)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert 'name="kategori"' in answers[0] and "Mente du" in answers[1]
    assert left == []
