"""Meeting types in the console: editors define them with every kind of question, opening
hours, capacity, closed days, horizon, notice and linked articles; a municipality's admin hides
one, adds local questions and instructions. Versions travel in the forms; refusals are Danish
and keep what was written."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge import service as knowledge
from hotline.knowledge.schemas import ArticleCreate
from hotline.meetings import service
from hotline.meetings.models import MeetingType, MeetingTypeOverride
from tests.console.conftest import SignIn, csrf_token, sign_in
from tests.meetings.conftest import MakeType

__all__ = ["sign_in"]

NEW = "/console/redaktion/moedetyper/ny"


def new_type_form(**changes: Any) -> dict[str, Any]:
    """The editor's form for a pension meeting, as a browser posts it (two blank rows too)."""
    values: dict[str, Any] = {
        "slug": "boligstoette",
        "title": "Boligstøtte - ansøgning",
        "description": "Vi hjælper dig med ansøgningen.",
        "channel": "video",
        "duration_minutes": "20",
        "parallel_agents": "3",
        "horizon_days": "21",
        "min_notice_hours": "4",
        "hours_0": "09:00-12:00, 13:00-15:00",
        "hours_2": "10:00-14:00",
        "closed_days": "2026-12-28\n2026-12-29",
        "article_slugs": "boligstoette",
        "version": "",
        **{f"hours_{day}": "" for day in (1, 3, 4, 5, 6)},
    }
    rows = [
        ("emne", "Hvad drejer det sig om?", "short_text", True, ""),
        ("detaljer", "Fortæl mere", "long_text", False, ""),
        ("bolig", "Hvor bor du?", "single_choice", True, "Lejebolig\nAndelsbolig"),
        ("bilag", "Hvad har du klar?", "multiple_choice", False, "Lejekontrakt\nLønsedler"),
        ("flyttet", "Hvornår flyttede du ind?", "date", False, ""),
        ("mitid", "Har du MitID?", "yes_no", True, ""),
        ("", "", "short_text", False, ""),
        ("", "", "short_text", False, ""),
    ]
    for i, (key, label, kind, required, options) in enumerate(rows):
        values |= {f"q{i}_key": key, f"q{i}_label": label, f"q{i}_label_en": "",
                   f"q{i}_kind": kind, f"q{i}_options": options}  # fmt: skip
        if required:
            values[f"q{i}_required"] = "yes"
    return values | changes


def post(client: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, "/console/"), **data}, **kwargs)


def housing_article(session: Session) -> None:
    knowledge.create_article(
        session,
        ArticleCreate(slug="boligstoette", title="Boligstøtte", category="Bolig", body="# Bolig"),
        "editor@hotline.example",
    )
    session.commit()


def test_an_editor_defines_a_type_with_every_kind_of_question(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    housing_article(session)
    sign_in("editor")
    created = post(client, NEW, new_type_form(), follow_redirects=False)
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"])
    assert "Mødetypen er gemt." in page.text

    kind = session.scalars(select(MeetingType)).one()
    assert (kind.channel, kind.duration_minutes, kind.parallel_agents) == ("video", 20, 3)
    assert (kind.horizon_days, kind.min_notice_hours) == (21, 4)
    assert kind.opening_hours == {"0": [["09:00", "12:00"], ["13:00", "15:00"]],
                                  "2": [["10:00", "14:00"]]}  # fmt: skip
    assert kind.closed_days == ["2026-12-28", "2026-12-29"]
    assert kind.article_slugs == ["boligstoette"]
    assert [(q["key"], q["kind"], q["required"]) for q in kind.questions] == [
        ("emne", "short_text", True),
        ("detaljer", "long_text", False),
        ("bolig", "single_choice", True),
        ("bilag", "multiple_choice", False),
        ("flyttet", "date", False),
        ("mitid", "yes_no", True),
    ]
    assert kind.questions[2]["options"] == ["Lejebolig", "Andelsbolig"]
    # The page shows it back as it was written, with two empty rows for more questions.
    assert 'value="09:00-12:00, 13:00-15:00"' in page.text
    assert page.text.count("Nyt spørgsmål") == 2
    listing = client.get("/console/redaktion/moedetyper")
    assert "Boligstøtte - ansøgning" in listing.text and "Video (link)" in listing.text


def test_a_refused_type_comes_back_in_danish_beside_its_field_with_the_text_kept(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    housing_article(session)
    sign_in("editor")
    refused = post(
        client,
        NEW,
        new_type_form(
            hours_2="10:00-09:00",
            q2_options="",  # a choice question without options
            q5_label="Skriv dit CPR-nummer 010190-1234",
        ),
    )
    assert refused.status_code == 422
    assert "Skriv tidsrum som 09:00-12:00" in refused.text
    assert "Et valgspørgsmål har svarmuligheder" in refused.text
    assert 'value="Boligstøtte - ansøgning"' in refused.text
    cpr = post(client, NEW, new_type_form(q5_label="Dit CPR-nummer er 010190-1234?"))
    assert cpr.status_code == 422 and "CPR-nummer" in cpr.text
    unknown = post(client, NEW, new_type_form(article_slugs="findes-ikke"))
    assert unknown.status_code == 422
    assert "Der findes ingen fælles artikel med adressen: findes-ikke." in unknown.text
    assert session.scalars(select(MeetingType)).all() == []


def test_overlapping_or_too_many_opening_windows_are_refused_in_danish_beside_the_day(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    housing_article(session)
    sign_in("editor")
    overlapping = post(client, NEW, new_type_form(hours_2="09:00-12:00, 10:00-13:00"))
    assert overlapping.status_code == 422
    assert "Tidsrummene 09:00-12:00 og 10:00-13:00 overlapper hinanden." in overlapping.text
    assert 'id="f-hours_2-error"' in overlapping.text
    many = ", ".join(f"{hour:02}:00-{hour:02}:30" for hour in range(8, 17))
    too_many = post(client, NEW, new_type_form(hours_4=many))
    assert too_many.status_code == 422
    assert "Højst 8 tidsrum om dagen." in too_many.text and 'id="f-hours_4-error"' in too_many.text
    assert session.scalars(select(MeetingType)).all() == []


def test_a_stale_form_overwrites_nothing_and_a_question_can_be_removed(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    housing_article(session)
    sign_in("editor")
    path = post(client, NEW, new_type_form(), follow_redirects=False).headers["location"]
    path = path.split("?")[0]
    form = client.get(path).text
    version = re.search(r'name="version" value="([^"]*)"', form)
    assert version and version.group(1) == "&#34;meeting-type-v1&#34;"
    shown = new_type_form(version='"meeting-type-v1"', q1_remove="yes", duration_minutes="30")
    assert post(client, path, shown).status_code == 200
    kind = session.scalars(select(MeetingType)).one()
    assert kind.duration_minutes == 30 and "detaljer" not in [q["key"] for q in kind.questions]
    stale = post(client, path, {**shown, "duration_minutes": "45"})  # still carries v1
    assert stale.status_code == 422
    assert "En anden har ændret oplysningerne" in stale.text
    session.refresh(kind)
    assert kind.duration_minutes == 30 and kind.version == 2

    withdrawn = post(client, path + "/tilbyd", {"version": '"meeting-type-v2"', "active": "no"},
                     follow_redirects=False)  # fmt: skip
    assert withdrawn.status_code == 303
    session.refresh(kind)
    assert kind.active is False and service.offered_types(session, "0751") == []


def test_an_admin_hides_a_type_and_adds_local_questions_and_instructions(
    client: TestClient, sign_in: SignIn, make_type: MakeType, session: Session
) -> None:
    kind = make_type()
    sign_in("admin.aarhus")
    listing = client.get("/console/kommune/0751/moedetyper")
    assert "Folkepension - telefonmøde" in listing.text and "Som fælles" in listing.text
    path = f"/console/kommune/0751/moedetyper/{kind.id}"
    local = {
        "version": "",
        "local_instructions": "Ring fra 8940 2000, og bed om sagsnummeret.",
        "q0_key": "sagsnummer",
        "q0_label": "Har du et sagsnummer?",
        "q0_kind": "short_text",
        "q1_key": "",
        "q1_label": "",
        "q1_kind": "short_text",
    }
    saved = post(client, path, local, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    offered = service.offered_type(session, "0751", "folkepension")
    assert [q.key for q in offered.questions][-1] == "sagsnummer"
    assert offered.local_instructions == "Ring fra 8940 2000, og bed om sagsnummeret."
    assert [q.key for q in service.offered_type(session, "0101", "folkepension").questions][
        -1
    ] == "mitid"  # København asks only the shared questions

    clash = post(client, path, {**local, "version": '"meeting-override-v1"', "q0_key": "emne"})
    assert clash.status_code == 422 and "samme nøgle som et fælles spørgsmål: emne" in clash.text
    stale = post(client, path, {**local, "hidden": "yes"})  # read before the first save
    assert stale.status_code == 422 and "En anden har ændret oplysningerne" in stale.text
    hidden = post(client, path, {**local, "version": '"meeting-override-v1"', "hidden": "yes"},
                  follow_redirects=False)  # fmt: skip
    assert hidden.status_code == 303
    assert service.offered_types(session, "0751") == []
    override = session.scalars(select(MeetingTypeOverride)).one()
    assert (override.hidden, override.version) == (True, 2)
    assert "Skjult" in client.get("/console/kommune/0751/moedetyper").text

    foreign = post(
        client, f"/console/kommune/0101/moedetyper/{kind.id}", {**local, "hidden": "yes"}
    )
    assert foreign.status_code == 403
    assert client.get("/console/redaktion/moedetyper").status_code == 403


CPR_IN_TEXT = (
    "Skriv ikke CPR-numre her: borgerne og medarbejderne læser mødetypens tekster. Ret "
    "teksten, og gem igen."
)


def error_beside(text: str, error_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{error_id}">([^<]*)</p>', text)
    assert found, f"no message {error_id}"
    return found.group(1)


def test_a_cpr_number_in_a_type_is_named_beside_the_text_that_holds_it(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    housing_article(session)
    sign_in("editor")
    in_question = post(client, NEW, new_type_form(q5_label="Dit CPR-nummer er 010190-1234?"))
    assert in_question.status_code == 422
    assert error_beside(in_question.text, "q5-error") == CPR_IN_TEXT
    assert 'value="Dit CPR-nummer er 010190-1234?"' in in_question.text
    in_title = post(client, NEW, new_type_form(title="Pension 010190-1234"))
    assert in_title.status_code == 422
    assert error_beside(in_title.text, "f-title-error") == CPR_IN_TEXT
    assert re.search(r'id="f-title"[^>]*aria-invalid="true"', in_title.text)
    assert 'value="Pension 010190-1234"' in in_title.text
    for page in (in_question, in_title):
        assert "Svaret indeholder" not in page.text and "The reply contains" not in page.text
    assert session.scalars(select(MeetingType)).all() == []


def test_a_cpr_number_in_local_instructions_is_named_beside_them_with_the_text_kept(
    client: TestClient, sign_in: SignIn, make_type: MakeType, session: Session
) -> None:
    kind = make_type()
    sign_in("admin.aarhus")
    instructions = "Borgerens CPR er 010190-1234, ring før mødet."
    local = {"version": "", "local_instructions": instructions, "q0_key": "sag",
             "q0_label": "Har du et sagsnummer?", "q0_kind": "short_text"}  # fmt: skip
    refused = post(client, f"/console/kommune/0751/moedetyper/{kind.id}", local)
    assert refused.status_code == 422
    assert error_beside(refused.text, "f-local_instructions-error") == CPR_IN_TEXT
    assert f">{instructions}</textarea>" in refused.text
    assert 'value="Har du et sagsnummer?"' in refused.text
    assert "Svaret indeholder" not in refused.text
    assert session.scalars(select(MeetingTypeOverride)).all() == []
