"""A fixed-window request counter kept in the database (``rate_limit_windows``).

``count_request`` adds one hit with a single upsert (INSERT .. ON CONFLICT DO UPDATE ..
RETURNING, the same statement on SQLite and PostgreSQL) and refuses once the window is full.
Call it in its own short transaction, so a refused or failed request still counts.
"""

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hotline.db import dialect_insert
from hotline.errors import Problem
from hotline.ratelimit.models import RateLimitWindow


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


def _window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, UTC)


def seconds_until_window_ends(start: datetime, window_seconds: int, now: datetime) -> int:
    """Whole seconds until the window that began at ``start`` ends, rounded up (a client that
    waits that long is in the next window), never less than 1."""
    left = (start + timedelta(seconds=window_seconds) - now).total_seconds()
    return max(math.ceil(left), 1)


def count_request(
    session: Session,
    scope: str,
    address: str,
    *,
    limit: int,
    window_seconds: int,
    now: datetime,
) -> int:
    """Count one request of ``address`` in ``scope``; TooManyRequests past ``limit``."""
    start = _window_start(now, window_seconds)
    first_hit = dialect_insert(session)(RateLimitWindow).values(
        scope=scope, address=address[:64], window_start=start, hits=1
    )
    count_hit = first_hit.on_conflict_do_update(
        index_elements=["scope", "address", "window_start"],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.hits)
    hits = int(session.execute(count_hit).scalar_one())
    if hits > limit:
        raise TooManyRequests(
            "For mange forsøg fra din adresse. Prøv igen om lidt. / Too many requests; "
            "try again shortly.",
            headers={"Retry-After": str(seconds_until_window_ends(start, window_seconds, now))},
        )
    return hits


def forget_old_windows(session: Session, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """The worker drops windows long past (addresses are personal data too)."""
    result = session.execute(
        delete(RateLimitWindow).where(RateLimitWindow.window_start < now - keep)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
