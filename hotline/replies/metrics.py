"""The outbox as /metrics reports it, read from the database at each scrape, so every process
(app or worker, however many) reports the same backlog."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import utcnow
from hotline.observability.logs import get_logger
from hotline.replies import outbox

log = get_logger(__name__)


class OutboxCollector(Collector):
    """``hotline_outbox_replies{status}`` and ``hotline_outbox_oldest_age_seconds``.

    ``sessions`` is called at each scrape (the app's sessionmaker exists only once it runs).
    A database that does not answer leaves these out of the scrape rather than failing it.
    """

    def __init__(self, sessions: Callable[[], sessionmaker[Session]]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterable[Any]:
        try:
            with self.sessions()() as session:
                backlog = outbox.backlog(session)
        except SQLAlchemyError:
            log.warning("outbox metrics unavailable: the database did not answer")
            return
        replies = GaugeMetricFamily(
            "hotline_outbox_replies", "Replies not yet settled, by status.", labels=["status"]
        )
        for status, (count, _) in backlog.items():
            replies.add_metric([status], count)
        yield replies
        oldest = [queued for _, queued in backlog.values() if queued is not None]
        yield GaugeMetricFamily(
            "hotline_outbox_oldest_age_seconds",
            "Age of the oldest reply not yet settled (0 when the outbox is empty).",
            value=_age(min(oldest)) if oldest else 0.0,
        )


def _age(since: datetime) -> float:
    return max(0.0, (utcnow() - since).total_seconds())
