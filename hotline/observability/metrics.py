"""Prometheus metrics of every process, and the registry that ``/metrics`` serves.

One process: the metrics live in this process. Several processes (``hotline serve --workers N``,
gunicorn): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory writable by all of them before
they start; each process then writes its samples there and ``/metrics`` in any of them reports the
sum over all of them (the heartbeat gauge: the latest per worker). Values that live in the
database (the outbox backlog) are read from it when scraped, so every process reports the same.
"""

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from hotline.observability.multiprocess import multiprocess_dir

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "hotline_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
RESPONSES = Counter(
    "hotline_http_responses",
    "HTTP responses, by method, route template and status code.",
    ["method", "route", "status"],
)
SEARCH_SECONDS = Histogram(
    "hotline_search_duration_seconds",
    "Time of one knowledge-base search (API and console).",
    buckets=LATENCY_BUCKETS,
)
P = ParamSpec("P")
R = TypeVar("R")


def time_completed(histogram: Histogram) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Times the calls that return: one that raises (work tried on the event loop that needed
    the database, and is timed again where it runs) is not a second observation."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            result = function(*args, **kwargs)
            histogram.observe(time.perf_counter() - started)
            return result

        return timed

    return decorate


DELIVERIES = Counter("hotline_mail_deliveries", "Replies the mail server accepted.")
DELIVERY_FAILURES = Counter(
    "hotline_mail_delivery_failures",
    "Failed delivery attempts, by kind (SMTP code or error class) and whether final.",
    ["kind", "permanent"],
)
WORKER_HEARTBEAT = Gauge(
    "hotline_worker_heartbeat_timestamp_seconds",
    "Unix time of each outbox worker's last round; alert when it falls behind.",
    ["worker"],
    multiprocess_mode="max",
)


class _ThisProcess(Collector):
    """The metrics of this process only (no multi-process directory configured)."""

    def collect(self) -> Iterable[Any]:
        yield from REGISTRY.collect()


def build_registry(*collectors: Collector) -> CollectorRegistry:
    """What ``/metrics`` reports: every process's metrics, then ``collectors`` (database reads)."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return registry


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The text format body and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


def method_label(method: str) -> str:
    """Bounded label values: unknown methods are counted together."""
    return method if method in _METHODS else "OTHER"


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def samples(registry: CollectorRegistry) -> Iterator[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample: for tests and health views."""
    for metric in registry.collect():
        for sample in metric.samples:
            yield sample.name, sample.labels, sample.value
