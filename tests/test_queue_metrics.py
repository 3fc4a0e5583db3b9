"""Queue metrics at /metrics, read from a real Dagster instance's run storage (PostgreSQL)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
from fastapi.testclient import TestClient

from serving.admin.demo import dagster_storage_url
from serving.api.app import create_app
from serving.orchestration.queue import QueueCollector

Status = dg.DagsterRunStatus


@pytest.fixture
def queue(fresh_database) -> Iterator[tuple[dg.DagsterInstance, str]]:
    url = fresh_database()
    overrides = {"storage": {"postgres": {"postgres_url": dagster_storage_url(url)}}}
    with dg.instance_for_test(overrides=overrides) as instance:
        yield instance, url


def _add(instance: dg.DagsterInstance, job: str, status: dg.DagsterRunStatus) -> None:
    """A run as the webserver records one (a queued run names the job it will launch)."""
    from dagster._core.remote_origin import (
        RegisteredCodeLocationOrigin,
        RemoteJobOrigin,
        RemoteRepositoryOrigin,
    )

    repository = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("panels"), "__repository__")
    run = dg.DagsterRun(
        job_name=job,
        run_id=str(uuid.uuid4()),
        status=status,
        remote_job_origin=RemoteJobOrigin(repository, job),
    )
    instance.add_run(run)


def _value(text: str, sample: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(sample + " ")]
    return float(line.rsplit(" ", 1)[1])


def test_queue_metrics_come_from_dagsters_run_storage(settings, queue) -> None:
    instance, url = queue
    _add(instance, "panel_sync", Status.QUEUED)
    time.sleep(1.5)  # the oldest queued run has waited that long at the scrape
    for job, status in [
        ("panel_sync", Status.QUEUED),
        ("panel_sync", Status.SUCCESS),
        ("__ASSET_JOB", Status.SUCCESS),  # a backfill's or the UI's run of the sync assets
        ("sync_panels_batch", Status.FAILURE),
        ("panel_formulas", Status.CANCELED),
        ("panel_sync", Status.STARTED),  # neither queued nor ended
        ("snapshot_rebuild", Status.SUCCESS),  # not a sync
    ]:
        _add(instance, job, status)
    app = create_app(settings.model_copy(update={"dagster_database_url": url}))
    with TestClient(app) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert "# TYPE queue_jobs_total counter" in text
    assert _value(text, 'queue_jobs_total{outcome="success"}') == 2
    assert _value(text, 'queue_jobs_total{outcome="failure"}') == 1
    assert _value(text, 'queue_jobs_total{outcome="canceled"}') == 1
    assert _value(text, "queue_depth") == 2
    assert 1.5 <= _value(text, "queue_oldest_age_seconds") < 60
    # The API's own metrics are still there.
    assert "# TYPE http_requests_total counter" in text


def test_an_empty_queue_and_a_short_cache(settings, queue) -> None:
    instance, url = queue
    app = create_app(settings.model_copy(update={"dagster_database_url": url}))
    with TestClient(app) as client:
        first = client.get("/metrics").text
        assert _value(first, "queue_depth") == 0
        assert _value(first, "queue_oldest_age_seconds") == 0
        _add(instance, "panel_sync", Status.QUEUED)
        # Scrapes within the cache's lifetime cost no query: the figures are those just read.
        assert _value(client.get("/metrics").text, "queue_depth") == 0
    collector = QueueCollector(url, ttl=0)
    stats = collector.stats()
    assert stats is not None and stats.queued == 1


def test_no_queue_series_when_dagsters_storage_is_unreadable(settings) -> None:
    gone = "postgresql+psycopg://postgres@127.0.0.1:5432/panels_no_such_database"
    app = create_app(settings.model_copy(update={"dagster_database_url": gone}))
    with TestClient(app) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    names = {line.split(" ")[2] for line in response.text.splitlines() if line.startswith("# TYPE")}
    assert not names & {"queue_depth", "queue_oldest_age_seconds", "queue_jobs"}
    assert "http_requests_total" in response.text
