"""After HOTLINE_CONTACT_RETENTION_DAYS the worker erases citizen details; statistics stay."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts import forwarding, reports
from hotline.contacts.models import Contact, Forward
from hotline.contacts.reports import ReportQuery
from hotline.contacts.retention import erase_expired_contacts
from hotline.contacts.schemas import ContactUpdate, ForwardRequest
from hotline.contacts.service import contact_version, update_contact
from hotline.replies.models import Reply, ReplyStatus
from tests.contacts.conftest import OpenContact, user_in


def test_details_and_notes_are_erased_after_the_retention_and_the_counts_stay(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    now = datetime.now(UTC)
    old = open_contact(
        at=now - timedelta(hours=2), citizen_name="Karen Jensen", citizen_phone="12345678"
    )
    recent = open_contact(citizen_name="Per Hansen")
    agent = user_in(session, demo_users, "agent.aarhus")
    update_contact(
        session, agent, old.id, contact_version(1), ContactUpdate(note="Ringer igen i morgen")
    )
    forward = forwarding.forward_contact(
        session,
        settings,
        agent,
        old.id,
        contact_version(2),
        ForwardRequest(question="Hvornår?", action_taken="Intet", citizen_name="Karen Jensen"),
    )
    session.get_one(Reply, forward.reply_id).status = ReplyStatus.SENT.value
    session.commit()
    supervisor = user_in(session, demo_users, "supervisor")
    period = ReportQuery(date.today() - timedelta(days=2), date.today() + timedelta(days=2))
    before = reports.contact_report(session, supervisor, period).total.contacts

    # The old contact is still open: its retention runs from when it started, two hours ago.
    due = now - timedelta(hours=2) + timedelta(days=settings.contact_retention_days)
    assert erase_expired_contacts(session, settings, due - timedelta(minutes=1)) == 0
    erased = erase_expired_contacts(session, settings, due + timedelta(minutes=1))
    session.commit()
    session.expire_all()

    assert erased == 1
    kept = session.get_one(Contact, old.id)
    assert (kept.citizen_name, kept.citizen_phone, kept.note) == (None, None, None)
    assert kept.erased_at is not None and kept.municipality_code == "0751"
    assert session.get_one(Contact, recent.id).citizen_name == "Per Hansen"
    desk_copy = session.get_one(Reply, session.get_one(Forward, forward.id).reply_id)
    assert (desk_copy.html, desk_copy.text, desk_copy.to) == (None, None, None)
    assert reports.contact_report(session, supervisor, period).total.contacts == before == 2
