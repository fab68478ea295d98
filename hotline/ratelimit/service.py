"""Count an attempt per (bucket, client address) and refuse beyond the limit.

One atomic ``INSERT ... ON CONFLICT DO UPDATE attempts = attempts + 1 RETURNING attempts`` on
both SQLite and PostgreSQL: two concurrent attempts never read the same count. Fixed windows
(aligned to the window length since the epoch) keep it one row per address and window; old
windows are removed by ``forget_before``.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.errors import TooManyRequests
from hotline.ratelimit.models import RateLimitWindow


def window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def count_attempt(
    session: Session, bucket: str, address: str, window: timedelta, *, now: datetime | None = None
) -> int:
    """Record one attempt and return how many this address made in the current window."""
    start = window_start(now or utcnow(), window)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"bucket": bucket, "address": address[:64], "window_start": start, "attempts": 1}
    stmt = (
        insert(RateLimitWindow)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["bucket", "address", "window_start"],
            set_={"attempts": RateLimitWindow.attempts + 1},
        )
        .returning(RateLimitWindow.attempts)
    )
    return int(session.execute(stmt).scalar_one())


def limit_attempts(
    session: Session,
    bucket: str,
    address: str,
    *,
    limit: int,
    window: timedelta,
    message: str,
    now: datetime | None = None,
) -> None:
    """Refuse with TooManyRequests (429, ``message`` for the person) beyond ``limit``."""
    if count_attempt(session, bucket, address, window, now=now) > limit:
        seconds = int(window.total_seconds())
        raise TooManyRequests(message, headers={"Retry-After": str(seconds)})


def forget_before(session: Session, moment: datetime) -> int:
    result = session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < moment))
    return int(getattr(result, "rowcount", 0) or 0)
