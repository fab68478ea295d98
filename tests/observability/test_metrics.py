"""/metrics: per route template, the outbox backlog from the database, deliveries and failures."""

from fastapi.testclient import TestClient

from hotline.config import Settings
from hotline.observability.metrics import WORKER_HEARTBEAT, build_registry, samples
from tests.mail.sink import REFUSED_PERMANENTLY, SmtpSink
from tests.observability.conftest import sample
from tests.replies.conftest import QueueReplies, deliver


def test_requests_are_counted_and_timed_per_route_template_never_per_raw_path(
    client: TestClient,
) -> None:
    before = client.get("/metrics").text
    for reply_id in (101, 102, 103):
        assert client.get(f"/api/v1/replies/{reply_id}").status_code == 401
    after = client.get("/metrics")

    assert after.headers["content-type"].startswith("text/plain")
    route = {"method": "GET", "route": "/api/v1/replies/{reply_id}"}
    counted = sample(after.text, "hotline_http_responses_total", **route, status="401")
    assert counted - sample(before, "hotline_http_responses_total", **route, status="401") == 3
    timed = sample(after.text, "hotline_http_request_duration_seconds_count", **route)
    assert timed - sample(before, "hotline_http_request_duration_seconds_count", **route) == 3
    assert "/api/v1/replies/101" not in after.text


def test_the_outbox_backlog_and_its_oldest_age_are_read_from_the_database(
    client: TestClient, settings: Settings, queue_replies: QueueReplies
) -> None:
    empty = client.get("/metrics").text
    assert sample(empty, "hotline_outbox_replies", status="queued") == 0
    assert sample(empty, "hotline_outbox_oldest_age_seconds") == 0

    queue_replies(settings, count=3)
    backlog = client.get("/metrics").text
    assert sample(backlog, "hotline_outbox_replies", status="queued") == 3
    assert sample(backlog, "hotline_outbox_oldest_age_seconds") > 0


def test_deliveries_and_failures_are_counted_by_kind_and_the_worker_beats(
    settings: Settings, queue_replies: QueueReplies, smtp_sink: SmtpSink
) -> None:
    registry = build_registry()

    def value(name: str, **labels: str) -> float:
        return next((v for n, found, v in samples(registry) if n == name and found == labels), 0.0)

    delivered = value("hotline_mail_deliveries_total")
    refused = value("hotline_mail_delivery_failures_total", kind="smtp_550", permanent="true")
    queue_replies(settings, count=2)
    queue_replies(settings, count=1, to=f"{REFUSED_PERMANENTLY}example.dk")

    deliver(settings, smtp_url=smtp_sink.url)

    assert value("hotline_mail_deliveries_total") - delivered == 2
    assert (
        value("hotline_mail_delivery_failures_total", kind="smtp_550", permanent="true") - refused
        == 1
    )
    beats = [v for n, _, v in samples(registry) if n == WORKER_HEARTBEAT._name]
    assert beats and max(beats) > 0


def test_every_search_is_timed_once_wherever_it_ran(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    """A search that finds nothing (this database holds no articles) is tried on the event loop
    and then run again in a worker thread, which logs the knowledge gap: timed once."""
    agent = auth_headers["agent.aarhus"]
    before = client.get("/metrics").text
    for words in ("pas", "pas", "hvalrosser"):
        searched = client.get(
            "/api/v1/search", params={"q": words, "municipality": "0751"}, headers=agent
        )
        assert searched.is_success
    gaps = client.get("/api/v1/search/gaps", headers=auth_headers["editor"]).json()
    assert sorted((gap["query"], gap["count"]) for gap in gaps) == [("hvalrosser", 1), ("pas", 2)]
    after = client.get("/metrics").text
    count = "hotline_search_duration_seconds_count"
    assert sample(after, count) - sample(before, count) == 3
