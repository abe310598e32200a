"""Prometheus metrics: ingest rate, queue depth, rejects by reason, latency, last seen.

Metrics live in a registry of their own per app. With several worker processes set
``PROMETHEUS_MULTIPROC_DIR`` (``roadsense serve --workers N`` does) and ``/metrics``
adds up every process's counters and histograms. Per-device last-seen times come from
the store at scrape time, so they are right whichever process answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REJECT_REASONS = (
    "unauthorized",
    "forbidden",
    "invalid",
    "too_large",
    "busy",
    "store_error",
)


class LastSeenCollector(Collector):
    """``roadsense_device_last_seen_timestamp_seconds{device=...}`` read from the store."""

    def __init__(self, read: Callable[[], dict[str, datetime]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "roadsense_device_last_seen_timestamp_seconds",
            "When each device last uploaded a stored batch (Unix time).",
            labels=["device"],
        )
        for device, when in sorted(self._read().items()):
            family.add_metric([device], when.timestamp())
        yield family


class Metrics:
    """The service's metrics; one instance per app."""

    def __init__(self, last_seen: Callable[[], dict[str, datetime]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        r = self.registry
        self.batches = Counter(
            "roadsense_ingest_batches", "Uploaded batches acknowledged.", ["status"], registry=r
        )
        self.records = Counter(
            "roadsense_ingest_records", "Records stored, by kind.", ["kind"], registry=r
        )
        self.rejects = Counter(
            "roadsense_ingest_rejects", "Uploads refused, by reason.", ["reason"], registry=r
        )
        for reason in REJECT_REASONS:
            self.rejects.labels(reason)
        self.latency = Histogram(
            "roadsense_http_request_duration_seconds",
            "Time to answer a request, by route.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.responses = Counter(
            "roadsense_http_responses",
            "Responses by route and status.",
            ["route", "status"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "roadsense_write_queue_depth",
            "Uploads waiting to be written (summed over processes).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.queue_capacity = Gauge(
            "roadsense_write_queue_capacity",
            "Uploads the write queues hold before 429 (summed over processes).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self._last_seen = LastSeenCollector(last_seen)
        r.register(self._last_seen)
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._ingest_children: dict[tuple[str, str], Any] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency (the labelled series looked up once)."""
        key = (route, method, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.latency.labels(route, method),
                self.responses.labels(route, str(status)),
            )
            self._request_children[key] = children
        children[0].observe(seconds)
        children[1].inc()

    def count_ingest(self, status: str, counts: dict[str, int]) -> None:
        """Count one acknowledged batch by ``status`` and its records by kind."""
        self._ingest_child(self.batches, "batch", status).inc()
        for kind, n in counts.items():
            self._ingest_child(self.records, "record", kind).inc(n)

    def _ingest_child(self, metric: Counter, family: str, label: str) -> Any:
        child = self._ingest_children.get((family, label))
        if child is None:
            child = self._ingest_children[(family, label)] = metric.labels(label)
        return child

    def exposition(self) -> bytes:
        """The metrics in Prometheus's text format."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        merged.register(self._last_seen)
        return generate_latest(merged)
