"""Before a shared text changes, editors see which municipalities it reaches; the admins then
read the editor's reason beside the diff."""

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.kit.versions import revision_version
from hotline.knowledge import service
from hotline.knowledge.models import FactType, OverrideMode
from hotline.knowledge.schemas import FactCreate
from hotline.knowledge.service import Effect
from tests.knowledge.conftest import AARHUS, KOBENHAVN, ODENSE, add_override


def _editor(session: Session, demo_users: dict[str, User]) -> User:
    return session.get_one(User, demo_users["editor"].id)


def test_the_impact_names_the_municipalities_and_how_the_change_reaches_them(
    kb: Session, demo_users: dict[str, User]
) -> None:
    pas = service.get_article(kb, "pas")
    add_override(kb, AARHUS, pas, OverrideMode.APPEND, "Mød op i Dokk1.")
    add_override(kb, KOBENHAVN, pas, OverrideMode.HIDE)
    fact = FactCreate(key="aabningstid", description="Åbningstid", type=FactType.TEXT)
    service.create_fact(kb, fact, "editor@hotline.example")
    service.set_fact_value(kb, AARHUS, "aabningstid", "8-15", "admin.aarhus@hotline.example")

    impact = service.change_impact(kb, pas, {"body": pas.body + " Åben {{ aabningstid }}."})

    by_code = {a.code: a for a in impact.affected}
    assert by_code[AARHUS].name == "Aarhus Kommune"
    assert by_code[AARHUS].effect is Effect.OVERRIDE_STALE
    assert by_code[KOBENHAVN].effect is Effect.HIDDEN
    assert by_code[ODENSE].effect is Effect.MISSING_FACTS
    assert by_code[ODENSE].facts == ("aabningstid",)
    assert impact.needs_confirmation
    assert AARHUS in impact.codes and ODENSE in impact.codes and KOBENHAVN not in impact.codes


def test_a_change_of_dates_only_needs_no_confirmation(kb: Session) -> None:
    pas = service.get_article(kb, "pas")
    add_override(kb, AARHUS, pas, OverrideMode.APPEND, "Mød op i Dokk1.")
    impact = service.change_impact(kb, pas, {"tags": ["pas"], "body": pas.body})
    assert not impact.needs_confirmation


def test_a_confirmed_change_must_cover_every_municipality_it_reaches(
    kb: Session, demo_users: dict[str, User]
) -> None:
    editor = _editor(kb, demo_users)
    pas = service.get_article(kb, "pas")
    add_override(kb, AARHUS, pas, OverrideMode.APPEND, "Mød op i Dokk1.")
    change = {"body": "Et pas koster {{ gebyr_pas }} kr."}

    with pytest.raises(service.ChangeNotConfirmed) as refused:
        service.edit_article(
            kb,
            editor,
            "pas",
            change,
            expected=revision_version(pas.revision),
            confirmed=frozenset(),
        )
    assert refused.value.extra["affected"] == [AARHUS]
    assert pas.revision == 1

    service.edit_article(
        kb,
        editor,
        "pas",
        change,
        expected=revision_version(pas.revision),
        confirmed=frozenset({AARHUS}),
        reason="  Gebyret   er ændret\r\nved lov. ",
    )
    assert pas.revision == 2
    assert service.get_revision(kb, pas, 2).reason == "Gebyret er ændret ved lov."


def test_the_admins_read_the_reason_with_the_diff(kb: Session, demo_users: dict[str, User]) -> None:
    editor = _editor(kb, demo_users)
    pas = service.get_article(kb, "pas")
    override = add_override(kb, AARHUS, pas, OverrideMode.APPEND, "Mød op i Dokk1.")
    service.edit_article(
        kb,
        editor,
        "pas",
        {"body": "Ny tekst."},
        expected=revision_version(pas.revision),
        reason="Ny lov fra 1. januar.",
    )
    read = service.override_read(kb, override)
    assert read.stale and read.shared_diff
    assert [(c.revision, c.reason) for c in read.shared_changes] == [(2, "Ny lov fra 1. januar.")]


def test_a_too_long_reason_is_refused(kb: Session, demo_users: dict[str, User]) -> None:
    editor = _editor(kb, demo_users)
    with pytest.raises(service.ReasonTooLong):
        service.edit_article(
            kb, editor, "pas", {"body": "Ny."}, expected=revision_version(1), reason="x" * 501
        )
