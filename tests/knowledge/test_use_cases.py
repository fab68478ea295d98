"""The knowledge use cases authorise and check versions themselves, whoever calls them."""

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.errors import Forbidden, InvalidInput, PreconditionFailed, PreconditionRequired
from hotline.knowledge import service
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from hotline.knowledge.service import FactEdit, FactValuesRefused
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


def _values(kb: Session) -> dict[str, str | None]:
    kb.expire_all()
    return {
        key: value.value if (value := service.get_fact_value(kb, AARHUS, key)) else None
        for key in ("gebyr_pas", "kommune_navn", "telefon")
    }


def test_one_save_of_several_values_writes_all_of_them_or_none(
    kb: Session, demo_users: dict[str, User]
) -> None:
    """The facts form's save: every refused value is named, and while any is refused none is
    written, whichever comes first (the caller's transaction need not roll back)."""
    admin = _users(kb, demo_users)["admin.aarhus"]
    before = _values(kb)
    with pytest.raises(FactValuesRefused) as refused:
        service.write_fact_values(kb, admin, AARHUS, [
            FactEdit("gebyr_pas", "999", '"1"'),
            FactEdit("kommune_navn", "Aarhus Byråd", '"7"'),  # changed since it was read
            FactEdit("telefon", "ring til mig", '"1"'),
        ])  # fmt: skip
    assert {key: type(problem) for key, problem in refused.value.refused.items()} == {
        "kommune_navn": PreconditionFailed,
        "telefon": InvalidInput,
    }
    assert [error["field"] for error in refused.value.extra["errors"]] == [
        "kommune_navn",
        "telefon",
    ]
    assert _values(kb) == before

    service.write_fact_values(kb, admin, AARHUS, [
        FactEdit("gebyr_pas", "999", '"1"'),
        FactEdit("kommune_navn", "Aarhus Byråd", '"1"'),
        FactEdit("telefon", "", '"1"'),  # removed
    ])  # fmt: skip
    assert _values(kb) == {"gebyr_pas": "999", "kommune_navn": "Aarhus Byråd", "telefon": None}
