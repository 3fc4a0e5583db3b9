"""Dagster's run queue for Prometheus: sync runs by outcome, the queue's depth, its oldest run.

Read from Dagster's run storage (its ``runs`` table, in ``PANELS_DAGSTER_DATABASE_URL``) when
``/metrics`` is scraped, at most once per ``TTL`` seconds per API process; one statement.
Outcomes are counted where Dagster records them rather than incremented by the API: only the
run storage knows every run's end (a cancelled run and a killed run worker write no outbox
event, and a scheduled batch run is one run for many panels). Every API process reports the
same totals, so aggregate them across processes and instances with ``max``, not ``sum``
(docs/metrics.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from models.db import libpq_url
from serving.orchestration.dagster_client import SYNC_JOBS

logger = logging.getLogger("panels.metrics")
TTL = 10.0
OUTCOMES = {"SUCCESS": "success", "FAILURE": "failure", "CANCELED": "canceled"}

# Dagster writes create_timestamp as UTC without a zone (and reads it so).
_STATS = """
SELECT count(*) FILTER (WHERE status = 'QUEUED'),
       EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC')
                          - min(create_timestamp) FILTER (WHERE status = 'QUEUED')),
       count(*) FILTER (WHERE status = 'SUCCESS' AND pipeline_name = ANY(%(jobs)s)),
       count(*) FILTER (WHERE status = 'FAILURE' AND pipeline_name = ANY(%(jobs)s)),
       count(*) FILTER (WHERE status = 'CANCELED' AND pipeline_name = ANY(%(jobs)s))
  FROM runs
"""


@dataclass(frozen=True)
class QueueStats:
    queued: int
    oldest_age_seconds: float
    outcomes: dict[str, int]


def read_stats(url: str) -> QueueStats:
    with psycopg.connect(libpq_url(url), connect_timeout=3, autocommit=True) as conn:
        row = conn.execute(_STATS, {"jobs": list(SYNC_JOBS)}).fetchone()
    assert row is not None  # an aggregate answers one row
    queued, age, *outcomes = row
    return QueueStats(
        queued=int(queued),
        oldest_age_seconds=max(0.0, float(age or 0.0)),
        outcomes=dict(zip(OUTCOMES.values(), map(int, outcomes), strict=True)),
    )


class QueueCollector(Collector):
    """The three metrics, from stats at most ``TTL`` seconds old (nothing while Dagster's
    storage cannot be read: an absent series, not a wrong one)."""

    def __init__(self, url: str, ttl: float = TTL) -> None:
        self.url, self.ttl = url, ttl
        self._lock = threading.Lock()
        self._stats: QueueStats | None = None
        self._read_at = float("-inf")
        self._warned = False

    def stats(self) -> QueueStats | None:
        with self._lock:
            if time.monotonic() - self._read_at >= self.ttl:
                try:
                    self._stats = read_stats(self.url)
                except psycopg.Error as exc:
                    # Once at warning level, not every scrape: a deployment may keep the
                    # API away from Dagster's database on purpose.
                    level = logging.DEBUG if self._warned else logging.WARNING
                    logger.log(level, "no queue metrics: Dagster's run storage: %s", exc)
                    self._warned, self._stats = True, None
                self._read_at = time.monotonic()
            return self._stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats()
        if stats is None:
            return
        jobs = CounterMetricFamily(
            "queue_jobs", "Sync runs that ended in Dagster, by outcome", labels=["outcome"]
        )
        for outcome, count in stats.outcomes.items():
            jobs.add_metric([outcome], count)
        yield jobs
        yield GaugeMetricFamily("queue_depth", "Runs waiting in Dagster's queue", stats.queued)
        yield GaugeMetricFamily(
            "queue_oldest_age_seconds",
            "Seconds the oldest queued run has waited (0: the queue is empty)",
            stats.oldest_age_seconds,
        )
