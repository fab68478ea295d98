"""Two identical contacts requests at once (a double click, a retry; ``tests/races.py``):
where writing twice is harmless, both succeed and the data is as after one of them."""

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.contacts.models import ContactArticle, ContactPrice, SharedRoute
from tests.contacts.conftest import add_article
from tests.races import twice

Headers = dict[str, dict[str, str]]


def test_the_same_new_shared_desk_set_twice_at_once_is_saved_by_both(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    path = "/api/v1/routing-shared/Ny%20kategori"

    def set_desk(name: str) -> Callable[[], httpx.Response]:
        body = {"desk_name": name, "mailbox_local_part": "x"}
        return lambda: client.put(path, json=body, headers=auth_headers["operator"])

    for name in ("d", "e"):  # a new category, then an existing one (no version sent)
        lost, won = twice(client, set_desk(name))
        assert (won.status_code, lost.status_code) == (200, 200), lost.text
    row = session.scalars(select(SharedRoute)).one()
    assert (row.category, row.desk_name, row.version) == ("Ny kategori", "e", 4)


def test_the_same_price_set_twice_at_once_is_saved_by_both(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    path = "/api/v1/contact-prices/2032-03-01"

    def set_price(price: int) -> Callable[[], httpx.Response]:
        body = {"price_per_contact": price}
        return lambda: client.put(path, json=body, headers=auth_headers["operator"])

    for price in (1, 2):  # a new month, then an existing one
        lost, won = twice(client, set_price(price))
        assert (won.status_code, lost.status_code) == (200, 200), lost.text
    row = session.scalars(select(ContactPrice)).one()
    assert (row.price_per_contact, row.version) == (2, 4)


def test_an_article_recorded_twice_at_once_on_a_contact_is_recorded_once(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    add_article(session, "pas")
    agent = auth_headers["agent.aarhus"]
    contact_id = client.post("/api/v1/contacts", json={"municipality": "0751"}, headers=agent)
    path = f"/api/v1/contacts/{contact_id.json()['id']}/articles"
    body = {"slug": "pas", "use": "opened"}
    lost, won = twice(client, lambda: client.post(path, json=body, headers=agent))
    assert (won.status_code, lost.status_code) == (200, 200), lost.text
    assert len(lost.json()["articles"]) == 1
    assert session.scalar(select(func.count()).select_from(ContactArticle)) == 1
