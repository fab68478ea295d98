"""Registering a contact: open, attach, correct within the shift, close; who sees what."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.contacts import service
from hotline.contacts.models import ArticleUse, Contact, ContactReadAudit
from hotline.contacts.schemas import ContactClose, ContactOpen, ContactUpdate
from hotline.contacts.service import CprNumberInContact
from hotline.errors import Forbidden, InvalidInput, NotFound, PreconditionFailed
from tests.contacts.conftest import OpenContact, add_article, user_in


def test_opening_records_the_municipality_its_membership_and_copenhagen_time(
    session: Session, demo_users: dict[str, User], municipalities: None
) -> None:
    agent = user_in(session, demo_users, "agent.aarhus")
    # 22:30 UTC on Sunday 31 May 2026 is 00:30 on Monday 1 June in Copenhagen (summer time).
    contact = service.open_contact(
        session, agent, ContactOpen(municipality="0461", channel="chat"),
        now=datetime(2026, 5, 31, 22, 30, tzinfo=UTC),
    )  # fmt: skip
    assert (contact.municipality_code, contact.channel, contact.agent_id) == (
        "0461",
        "chat",
        agent.id,
    )
    assert contact.member is True
    assert contact.local_date.isoformat() == "2026-06-01"
    assert (contact.local_hour, contact.local_weekday) == (0, 0)
    assert contact.local_week.isoformat() == "2026-06-01"
    assert contact.local_month.isoformat() == "2026-06-01"
    assert contact.is_open


def test_only_those_who_answer_citizens_open_contacts(
    session: Session, demo_users: dict[str, User], municipalities: None
) -> None:
    for key in ("supervisor", "operator", "editor", "admin.aarhus"):
        with pytest.raises(Forbidden):
            service.open_contact(
                session, user_in(session, demo_users, key), ContactOpen(municipality="0751")
            )


def test_closing_takes_the_outcome_and_measures_the_handling_time(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered", minutes=7)
    closed = session.get_one(Contact, contact.id)
    assert closed.outcome == "answered"
    assert closed.handling_seconds == 7 * 60
    assert not closed.is_open


def test_a_referral_names_the_authority(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    with pytest.raises(InvalidInput):
        service.close_contact(
            session,
            agent,
            contact.id,
            service.contact_version(contact.version),
            ContactClose(outcome="referred"),
        )
    closed = service.close_contact(
        session, agent, contact.id, service.contact_version(contact.version),
        ContactClose(outcome="referred", referred_to="udbetaling_danmark"),
    )  # fmt: skip
    assert closed.referred_to == "udbetaling_danmark"


def test_articles_opened_and_attached_are_recorded_once(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    add_article(session, "pas")
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    for _ in range(2):
        service.record_article(session, agent, contact.id, "pas", ArticleUse.OPENED)
    service.record_article(session, agent, contact.id, "pas", ArticleUse.ATTACHED)
    uses = [(a.slug, a.use) for a in session.get_one(Contact, contact.id).articles]
    assert uses == [("pas", "opened"), ("pas", "attached")]


def test_only_an_article_the_contacts_municipality_reads_is_recorded(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    add_article(session, "parkering", municipality="0751")
    add_article(session, "affald", municipality="0461")
    contact = open_contact(municipality="0751")
    agent = user_in(session, demo_users, "agent.aarhus")
    for slug in ("findes-ikke", "affald"):  # none at all; Odense's own, not Aarhus's
        with pytest.raises(NotFound):
            service.record_article(session, agent, contact.id, slug, ArticleUse.OPENED)
    service.record_article(session, agent, contact.id, "parkering", ArticleUse.OPENED)
    uses = [(a.slug, a.use) for a in session.get_one(Contact, contact.id).articles]
    assert uses == [("parkering", "opened")]


def test_a_note_holding_a_cpr_number_is_refused_and_nothing_is_kept(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    with pytest.raises(CprNumberInContact):
        service.update_contact(
            session,
            agent,
            contact.id,
            service.contact_version(contact.version),
            ContactUpdate(note="Borger 010203-1234 ringede"),
        )
    session.rollback()
    with pytest.raises(CprNumberInContact):  # nor when the contact is closed with it
        service.close_contact(
            session, agent, contact.id, service.contact_version(contact.version),
            ContactClose(outcome="answered", note="Borger 010203-1234 ringede"),
        )  # fmt: skip
    session.rollback()
    kept = session.get_one(Contact, contact.id)
    assert kept.note is None and kept.is_open


def test_a_citizen_detail_holding_a_cpr_number_is_refused_as_the_contacts_and_opens_nothing(
    session: Session, demo_users: dict[str, User]
) -> None:
    agent = user_in(session, demo_users, "agent.aarhus")
    for details in (
        {"citizen_name": "Jens 010203-1234"},
        {"citizen_phone": "0102031234"},
        {"citizen_email": "x0102031234@example.com"},
    ):
        with pytest.raises(CprNumberInContact):
            service.open_contact(session, agent, ContactOpen(municipality="0751", **details))
        session.rollback()
    assert service.open_contact_of(session, agent) is None


def test_a_note_is_limited_in_length() -> None:
    with pytest.raises(ValueError, match="at most 500 characters"):
        ContactUpdate(note="x" * 501)


def test_an_agent_corrects_their_own_contact_during_the_shift_only(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    started = datetime.now(UTC) - timedelta(hours=13)
    old = open_contact(at=started, outcome="answered")
    recent = open_contact(outcome="answered")
    agent = user_in(session, demo_users, "agent.aarhus")
    corrected = service.update_contact(
        session, agent, recent.id, service.contact_version(2), ContactUpdate(outcome="reply_sent")
    )
    assert corrected.outcome == "reply_sent"
    with pytest.raises(service.ShiftOver):
        service.update_contact(
            session, agent, old.id, service.contact_version(2), ContactUpdate(topic="Pas")
        )
    with pytest.raises(NotFound):  # another agent's contact is not theirs to correct
        service.update_contact(
            session,
            user_in(session, demo_users, "agent.odense"),
            recent.id,
            service.contact_version(3),
            ContactUpdate(topic="Pas"),
        )


def test_a_stale_version_changes_nothing(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    service.update_contact(
        session, agent, contact.id, service.contact_version(1), ContactUpdate(topic="Pas")
    )
    with pytest.raises(PreconditionFailed):
        service.update_contact(
            session, agent, contact.id, service.contact_version(1), ContactUpdate(topic="Skat")
        )


def test_supervisors_see_every_contact_and_agents_their_own_and_reading_details_is_audited(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    aarhus = open_contact(citizen_name="Karen Jensen")
    odense = open_contact(agent="agent.odense")
    since = datetime.now(UTC) - timedelta(hours=1)
    seen = {
        key: {
            c.id
            for c in service.list_contacts(session, user_in(session, demo_users, key), since=since)
        }
        for key in ("supervisor", "agent.aarhus", "agent.odense", "editor", "admin.aarhus")
    }
    assert seen == {
        "supervisor": {aarhus.id, odense.id},
        "agent.aarhus": {aarhus.id},
        "agent.odense": {odense.id},
        "editor": set(),
        "admin.aarhus": set(),
    }
    supervisor = user_in(session, demo_users, "supervisor")
    assert service.get_contact(session, supervisor, aarhus.id).citizen_name == "Karen Jensen"
    audit = session.scalars(select(ContactReadAudit)).all()
    assert [(a.contact_id, a.reader_id) for a in audit] == [(aarhus.id, supervisor.id)]
    with pytest.raises(NotFound):
        service.get_contact(session, user_in(session, demo_users, "agent.odense"), aarhus.id)


def test_my_contacts_today_lists_only_todays_own(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    today = open_contact()
    open_contact(at=datetime.now(UTC) - timedelta(days=2))
    open_contact(agent="agent.odense")
    agent = user_in(session, demo_users, "agent.aarhus")
    assert [c.id for c in service.contacts_today(session, agent)] == [today.id]
    assert session.scalar(select(func.count(Contact.id))) == 3


def test_a_closed_contact_keeps_an_outcome(
    session: Session, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact(outcome="answered")
    agent = user_in(session, demo_users, "agent.aarhus")
    with pytest.raises(InvalidInput):
        service.update_contact(
            session, agent, contact.id, service.contact_version(2), ContactUpdate(outcome=None)
        )


def test_two_corrections_at_once_lose_nothing(
    engine, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    """Both read version 1; the second to save gets 412, not a 500 or a silent overwrite."""
    contact = open_contact()
    first, second = Session(engine), Session(engine)
    try:
        for s in (first, second):
            s.get_one(Contact, contact.id)  # both hold version 1
        agent_1, agent_2 = (user_in(s, demo_users, "agent.aarhus") for s in (first, second))
        service.update_contact(
            first, agent_1, contact.id, service.contact_version(1), ContactUpdate(topic="Pas")
        )
        first.commit()
        with pytest.raises(PreconditionFailed):
            service.update_contact(
                second, agent_2, contact.id, service.contact_version(1), ContactUpdate(topic="Skat")
            )
        second.rollback()
    finally:
        first.close()
        second.close()
