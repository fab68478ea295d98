"""The console's pages for the hotline's own contact settings: the shared default routing and
the price per contact, each form carrying the version it read."""

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.contacts import reports, routing
from hotline.contacts.models import ContactPrice, SharedRoute
from hotline.contacts.schemas import SharedRouteWrite
from hotline.errors import Forbidden, PreconditionFailed
from hotline.kit.versions import revision_version
from tests.console.conftest import SignIn, post_form, sign_in
from tests.contacts.conftest import user_in

__all__ = ["sign_in"]


def test_a_stale_version_overwrites_neither_a_shared_desk_nor_a_price(
    session: Session, demo_users: dict[str, User]
) -> None:
    operator = user_in(session, demo_users, "operator")
    desk = SharedRouteWrite(desk_name="Borgerservice", mailbox_local_part="borgerservice")
    row = routing.set_shared_route(session, operator, "Pas", desk)
    read = revision_version(row.version)
    moved = SharedRouteWrite(desk_name="Pasteamet", mailbox_local_part="pas")
    routing.set_shared_route(session, operator, "Pas", moved, read)  # the reader's own change
    with pytest.raises(PreconditionFailed):
        routing.set_shared_route(session, operator, "Pas", desk, read)  # read before it
    price = reports.set_price(session, operator, date(2026, 1, 1), Decimal("12.50"))
    read = revision_version(price.version)
    reports.set_price(session, operator, date(2026, 1, 1), Decimal("13.00"), read)
    with pytest.raises(PreconditionFailed):
        reports.set_price(session, operator, date(2026, 1, 1), Decimal("99.00"), read)
    agent = user_in(session, demo_users, "agent.aarhus")
    with pytest.raises(Forbidden):
        routing.shared_routes(session, agent)
    with pytest.raises(Forbidden):
        reports.prices(session, agent)


def test_an_operator_sets_a_shared_desk_and_corrects_it_with_the_version_read(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("operator")
    page = client.get("/console/videresendelse")
    assert page.status_code == 200 and "Fælles videresendelse" in page.text
    saved = post_form(
        client, "/console/videresendelse",
        {"category": "Bolig", "desk_name": "Boligteamet", "mailbox_local_part": "bolig"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    form = client.get("/console/videresendelse", params={"kategori": "Bolig"}).text
    assert 'name="version" value="1"' in form and 'value="Boligteamet"' in form
    fixed = {"category": "Bolig", "desk_name": "Boligen", "mailbox_local_part": "bolig"}
    assert post_form(client, "/console/videresendelse", {**fixed, "version": "1"},
                     follow_redirects=False).status_code == 303  # fmt: skip
    lost = post_form(client, "/console/videresendelse", {**fixed, "version": "1"})
    assert lost.status_code == 422 and "En anden har ændret oplysningerne" in lost.text
    bad = post_form(
        client, "/console/videresendelse",
        {"category": "Pas", "desk_name": "Pas", "mailbox_local_part": "Ikke gyldig@"},
    )  # fmt: skip
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    session.expire_all()
    assert session.get_one(SharedRoute, "Bolig").desk_name == "Boligen"


def test_an_operator_sets_the_price_in_danish_kroner(
    client: TestClient, sign_in: SignIn, session: Session
) -> None:
    sign_in("operator")
    saved = post_form(client, "/console/pris", {"month": "2026-03", "price": "12,50"},
                      follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = client.get("/console/pris")
    assert "12,50 kr." in page.text and "1. marts 2026" in page.text
    ambiguous = post_form(client, "/console/pris", {"month": "2026-04", "price": "1,600"})
    assert ambiguous.status_code == 422 and "Skriv prisen i kroner" in ambiguous.text
    form = client.get("/console/pris", params={"maaned": "2026-03"}).text
    assert 'name="version" value="1"' in form and 'value="12,50"' in form
    again = {"month": "2026-03", "price": "14", "version": "1"}
    assert post_form(client, "/console/pris", again, follow_redirects=False).status_code == 303
    lost = post_form(client, "/console/pris", again)
    assert lost.status_code == 422 and "En anden har ændret oplysningerne" in lost.text
    session.expire_all()
    assert session.get_one(ContactPrice, date(2026, 3, 1)).price_per_contact == Decimal("14.00")


@pytest.mark.parametrize("account", ["agent.aarhus", "admin.aarhus", "supervisor", "editor"])
def test_the_settings_pages_are_the_operators(
    client: TestClient, sign_in: SignIn, account: str
) -> None:
    sign_in(account)
    assert client.get("/console/videresendelse").status_code == 403
    assert client.get("/console/pris").status_code == 403
    refused = post_form(client, "/console/pris", {"month": "2026-03", "price": "1"})
    assert refused.status_code == 403
