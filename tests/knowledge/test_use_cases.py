"""The knowledge use cases authorise and check versions themselves, whoever calls them."""

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.errors import Forbidden, PreconditionFailed, PreconditionRequired
from hotline.knowledge import service
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from tests.knowledge.conftest import AARHUS, ODENSE


def _users(session: Session, demo_users: dict[str, User]) -> dict[str, User]:
    return {name: session.get_one(User, user.id) for name, user in demo_users.items()}


def test_an_agent_cannot_write_through_any_entry_point(
    kb: Session, demo_users: dict[str, User]
) -> None:
    agent = _users(kb, demo_users)["agent.aarhus"]
    with pytest.raises(Forbidden):
        service.add_article(
            kb, agent, ArticleCreate(slug="ny", title="Ny", category="Test", body="Tekst.")
        )
    with pytest.raises(Forbidden):
        service.write_fact_value(kb, agent, AARHUS, "telefon", "+45 11 22 33 44", expected=None)
    with pytest.raises(Forbidden):
        service.save_override(
            kb, agent, AARHUS, "pas", OverrideWrite(mode=OverrideMode.HIDE), expected=None
        )


def test_an_admin_writes_only_in_their_own_municipality(
    kb: Session, demo_users: dict[str, User]
) -> None:
    admin = _users(kb, demo_users)["admin.aarhus"]
    hide = OverrideWrite(mode=OverrideMode.HIDE)
    with pytest.raises(Forbidden):
        service.save_override(kb, admin, ODENSE, "pas", hide, expected=None)
    override, created = service.save_override(kb, admin, AARHUS, "pas", hide, expected=None)
    assert created and override.updated_by == admin.email


def test_a_change_needs_the_version_that_was_read(kb: Session, demo_users: dict[str, User]) -> None:
    editor = _users(kb, demo_users)["editor"]
    with pytest.raises(PreconditionRequired):
        service.edit_article(kb, editor, "pas", {"title": "Pas til voksne"}, expected=None)
    service.edit_article(kb, editor, "pas", {"title": "Pas til voksne"}, expected='"1"')
    with pytest.raises(PreconditionFailed):
        service.edit_article(kb, editor, "pas", {"title": "Pas for alle"}, expected='"1"')
    assert service.get_article(kb, "pas").title == "Pas til voksne"


def test_reconfirming_binds_the_shared_revision_that_was_read(
    kb: Session, demo_users: dict[str, User]
) -> None:
    users = _users(kb, demo_users)
    admin, editor = users["admin.aarhus"], users["editor"]
    append = OverrideWrite(mode=OverrideMode.APPEND, body="Lokalt.")
    override, _ = service.save_override(kb, admin, AARHUS, "pas", append, expected=None)
    seen = service.override_version(override)  # '"1.1"'
    service.edit_article(kb, editor, "pas", {"body": "Ny fælles tekst."}, expected='"1"')
    with pytest.raises(PreconditionFailed):
        service.reconfirm_override(kb, admin, AARHUS, "pas", expected=seen)
    current = service.override_version(service.get_override(kb, AARHUS, "pas"))
    confirmed = service.reconfirm_override(kb, admin, AARHUS, "pas", expected=current)
    assert (confirmed.based_on_revision, confirmed.revision) == (2, 2)
