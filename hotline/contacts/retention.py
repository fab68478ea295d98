"""Retention: a contact's citizen details and note are personal data, kept
HOTLINE_CONTACT_RETENTION_DAYS after the contact ended (or started, if it was never closed).
The worker erases them (and the desk's copy of a forward); the row stays, anonymised, so the
statistics do not change."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.contacts.models import Contact, Forward
from hotline.kit.retention import erase_rows_past
from hotline.replies.models import SETTLED, Reply

log = logging.getLogger(__name__)


def erase_expired_contacts(session: Session, settings: Settings, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.contact_retention_days)
    erased = erase_rows_past(
        session,
        Contact,
        reference=func.coalesce(Contact.ended_at, Contact.started_at),
        cutoff=cutoff,
        now=now,
        erased={"citizen_name": None, "citizen_phone": None, "citizen_email": None, "note": None},
    )
    # The desk's copy of the forward carries the same details: erased with the contact once
    # the message has settled (a queued one is still to be delivered).
    session.execute(
        update(Reply)
        .where(
            Reply.id.in_(
                select(Forward.reply_id)
                .join(Contact, Contact.id == Forward.contact_id)
                .where(Contact.erased_at.is_not(None))
            ),
            Reply.status.in_([status.value for status in SETTLED]),
            Reply.purged_at.is_(None),
        )
        .values(to=None, subject="", html=None, text=None, mime=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    if erased:
        log.info("erased citizen details and notes of %d contacts past retention", erased)
    return erased
