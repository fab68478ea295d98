"""Retention: a booking's citizen details and form answers are personal data, kept
HOTLINE_BOOKING_RETENTION_DAYS after the meeting's end (the public booking page's privacy text
says how long). The worker erases them; the row stays, anonymised, so the meeting reports
(booked, held, no-show, cancelled, how early meetings start) do not change. The contact an agent
opened for the meeting follows the contacts' own retention."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.kit.retention import erase_rows_past
from hotline.meetings.models import Booking

log = logging.getLogger(__name__)


def erase_expired_bookings(session: Session, settings: Settings, now: datetime) -> int:
    erased = erase_rows_past(
        session,
        Booking,
        reference=Booking.ends_at,
        cutoff=now - timedelta(days=settings.booking_retention_days),
        now=now,
        erased={"citizen_name": None, "citizen_phone": None, "citizen_email": None, "answers": []},
    )
    if erased:
        log.info("erased citizen details and answers of %d bookings past retention", erased)
    return erased
