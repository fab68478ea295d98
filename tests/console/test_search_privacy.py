"""A CPR number typed into the search box (issue 14): refused in Danish, never in a URL, a log
line or the knowledge-gap log."""

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.observability.logs import configure_logging
from hotline.search.service import knowledge_gaps
from tests.console.conftest import SignIn, post_form

CPR = "120345-1234"  # 12 March 1945: a valid date, so a CPR number
HTMX = {"HX-Request": "true"}


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    captured = io.StringIO()
    configure_logging("INFO", stream=captured)
    yield captured
    configure_logging("INFO", force=True)


def test_a_cpr_number_in_the_search_box_is_refused_in_danish_and_never_kept(
    client: TestClient, sign_in: SignIn, kb: Session, log_lines: io.StringIO
) -> None:
    sign_in("agent.aarhus")
    for headers in ({}, {**HTMX, "HX-Target": "results"}):
        response = post_form(
            client, "/console/soeg", {"kommune": "0751", "q": f"borger {CPR}"}, headers=headers
        )
        assert response.status_code == 200
        assert "Søgningen indeholder et CPR-nummer" in response.text
        assert CPR not in response.text  # not even written back into the search box
    kb.rollback()
    assert knowledge_gaps(kb) == []
    assert CPR not in log_lines.getvalue()
    assert '"route": "/console/soeg"' in log_lines.getvalue()  # the request was logged, bare


def test_the_access_log_never_records_a_query_string(
    client: TestClient, sign_in: SignIn, kb: Session, log_lines: io.StringIO
) -> None:
    """Old bookmarks and other pages still put words in addresses: the log keeps the route."""
    sign_in("agent.aarhus")
    client.get(f"/console/?kommune=0751&q={CPR}")
    client.get(f"/api/v1/search?q={CPR}&municipality=0751")
    written = log_lines.getvalue()
    assert '"route": "/console/"' in written
    assert CPR not in written and "q=" not in written


def test_the_api_refuses_a_cpr_number_in_a_search_as_problem_json(
    client: TestClient, auth_headers: dict[str, dict[str, str]], kb: Session
) -> None:
    response = client.get(
        "/api/v1/search",
        params={"q": CPR, "municipality": "0751"},
        headers=auth_headers["agent.aarhus"],
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("cpr-number-in-search")
