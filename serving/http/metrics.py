"""Prometheus metrics (prometheus-client), served at ``/metrics``.

With several uvicorn workers, ``panels serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
folder so that every worker's samples are collected into one answer. Labels never carry
tenant ids or paths with ids: routes are their templates (``/api/v1/panels/{panel_id}``).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.registry import Collector

from core.events import EventType

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method, route template and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
)
# Database statement time, API and pipelines: models/statement_time.py.
WEBSOCKETS = Gauge(
    "active_websocket_connections", "Open WebSocket connections", multiprocess_mode="livesum"
)
SYNC_DURATION = Histogram(
    "panel_sync_duration_seconds",
    "Publish duration of panel syncs (from relayed events)",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
SYNC_ROWS = Counter("panel_sync_rows_total", "Rows published by panel syncs")
EVENTS_PUBLISHED = Counter(
    "events_published_total", "Outbox events relayed to the broker", ["type"]
)
EVENTS_RELAY_LAG = Histogram(
    "events_relay_lag_seconds",
    "From an outbox event's insert to its publication by the relay",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
)
EVENTS_DELIVERED = Counter("events_delivered_total", "Event messages queued to WebSocket clients")
WEBHOOK_ATTEMPTS = Counter(
    "webhook_deliveries_total",
    "Webhook delivery attempts by outcome (delivered, retry, failed)",
    ["outcome"],
)
WEBHOOK_LATENCY = Histogram(
    "webhook_delivery_duration_seconds",
    "From sending a webhook to its answer (or the error)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ANALYTIC_READS = Counter(
    "analytic_reads_total", "Aggregate reads, by the engine that answered", ["engine"]
)
ANALYTIC_INTERRUPTS = Counter(
    "analytic_interrupts_total",
    "DuckDB reads stopped before their answer: past the timeout, or their client went away",
    ["reason"],
)
RATE_LIMITED = Counter("rate_limited_requests_total", "Requests refused with 429", ["scope"])


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, str(status))
    HTTP_DURATION.labels(*labels).observe(seconds)
    HTTP_REQUESTS.labels(*labels).inc()


def observe_relayed(event: dict[str, Any]) -> None:
    EVENTS_PUBLISHED.labels(event["type"]).inc()
    created = event.get("created_at")
    if isinstance(created, str):
        lag = time.time() - datetime.fromisoformat(created).timestamp()
        EVENTS_RELAY_LAG.observe(max(0.0, lag))
    if event["type"] == EventType.panel_materialized:
        payload = event.get("payload") or {}
        if isinstance(payload.get("duration_seconds"), int | float):
            SYNC_DURATION.observe(payload["duration_seconds"])
        if isinstance(payload.get("row_count"), int):
            SYNC_ROWS.inc(payload["row_count"])


def render(*extra: Collector) -> tuple[bytes, str]:
    """Every process's samples (multiprocess mode) or this one's, then ``extra``: collectors
    that read their values when scraped (the same in any process that answers)."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    body = generate_latest(registry)
    if extra:
        scraped = CollectorRegistry(auto_describe=False)  # registering reads nothing
        for collector in extra:
            scraped.register(collector)
        body += generate_latest(scraped)
    return body, CONTENT_TYPE_LATEST
