"""The webhook queue for Prometheus: deliveries waiting, and how long the oldest has waited.

Read when ``/metrics`` is scraped, at most once per ``TTL`` seconds per API process, through
``panels_webhook_backlog()`` (every tenant's deliveries). Every API process reports the same
figures: aggregate them with ``max``, not ``sum`` (docs/metrics.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import psycopg
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.storage import APP_ROLE

logger = logging.getLogger("panels.metrics")
TTL = 5.0


class BacklogCollector(Collector):
    def __init__(self, conninfo: str, *, as_app_role: bool, ttl: float = TTL) -> None:
        self.conninfo, self.as_app_role, self.ttl = conninfo, as_app_role, ttl
        self._lock = threading.Lock()
        self._stats: tuple[int, float] | None = None
        self._read_at = float("-inf")

    def _read(self) -> tuple[int, float]:
        with psycopg.connect(self.conninfo, connect_timeout=3, autocommit=True) as conn:
            if self.as_app_role:
                conn.execute(f"SET ROLE {APP_ROLE}")
            row = conn.execute("SELECT * FROM panels_webhook_backlog()").fetchone()
        assert row is not None  # an aggregate answers one row
        return int(row[0]), max(0.0, float(row[1] or 0.0))

    def stats(self) -> tuple[int, float] | None:
        with self._lock:
            if time.monotonic() - self._read_at >= self.ttl:
                try:
                    self._stats = self._read()
                except psycopg.Error as exc:
                    logger.warning("no webhook queue metrics: %s", exc)
                    self._stats = None
                self._read_at = time.monotonic()
            return self._stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats()
        if stats is None:
            return
        depth, age = stats
        yield GaugeMetricFamily(
            "webhook_queue_depth", "Webhook deliveries pending (queued or waiting to retry)", depth
        )
        yield GaugeMetricFamily(
            "webhook_oldest_undelivered_age_seconds",
            "Seconds since the oldest pending webhook delivery was queued (0: none pending)",
            age,
        )
