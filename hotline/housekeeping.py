"""The periodic jobs every outbox worker runs, each in a transaction of its own (hourly, or as
often as a job's ``Every`` says: meeting reminders every few minutes).

Composed here, above the domains, because the domains that need a periodic job (contacts' and
bookings' retention, satisfaction's comment erasure and partner rounds, meetings' reminders)
send their mail through the outbox: the worker gets the list from its front ends
(``hotline.app`` and ``hotline worker``) instead of importing them. Order matters: survey
comments follow their contact's erasure; the report rollups come last and see the hour's
other changes.
"""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.contacts.reports import refresh_contact_rollups
from hotline.contacts.retention import erase_expired_contacts
from hotline.meetings.confirmation import queue_due_reminders
from hotline.meetings.retention import erase_expired_bookings
from hotline.replies.worker import Every, HousekeepingJob
from hotline.satisfaction.reports import refresh_satisfaction_rollup
from hotline.satisfaction.retention import erase_expired_survey_comments
from hotline.satisfaction.rounds import remind_and_close


def erase_survey_comments_and_old_rate_limits(
    session: Session, settings: Settings, now: datetime
) -> int:
    """Comments of erased contacts, and rate-limit windows long past (client addresses)."""
    return erase_expired_survey_comments(session, now)


# Reminders go out within this long after they fall due (24 hours before the meeting).
REMINDER_CHECK_INTERVAL = timedelta(minutes=5)


def remind_of_meetings(session: Session, settings: Settings, now: datetime) -> int:
    """The reminder of every meeting starting within 24 hours (``hotline meetings remind`` runs
    the same on demand)."""
    return queue_due_reminders(session, settings, now=now)


HOUSEKEEPING: tuple[HousekeepingJob, ...] = (
    erase_expired_contacts,
    erase_expired_bookings,
    erase_survey_comments_and_old_rate_limits,
    remind_and_close,
    Every(REMINDER_CHECK_INTERVAL, remind_of_meetings),
    refresh_contact_rollups,
    refresh_satisfaction_rollup,
)
