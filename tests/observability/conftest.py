import io
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hotline.observability.logs import configure_logging
from tests.mail.sink import smtp_sink
from tests.replies.conftest import queue_replies, reload

__all__ = ["queue_replies", "reload", "smtp_sink"]  # fixtures shared with tests/replies


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


class JsonLines(io.StringIO):
    def lines(self) -> list[str]:
        return self.getvalue().splitlines()


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    """Every log line of the test, as the app writes them, captured."""
    captured = JsonLines()
    configure_logging("INFO", stream=captured)
    yield captured
    configure_logging("INFO", force=True)
