"""A panel's syncs: its Dagster runs, joined with what each run recorded in Panels.

A sync is a Dagster run. One-panel runs (API, CLI, Dagster UI, backfills) carry the partition
tag; scheduled panels run in batch runs without it, which Panels knows from the version row or
failure event each run writes for the panel. Both kinds are listed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.enums import VersionStatus
from core.events import EventType
from models import PanelEvent, PanelVersion
from schemas.quality import CheckResult
from schemas.syncs import SyncPublic
from serving.orchestration.dagster_client import PARTITION_TAG, RunInfo

FAILURE_EVENTS = (EventType.sync_failed, EventType.checks_failed)
# One-panel runs read from Dagster per list request: enough for years of manual syncs.
TAGGED_RUNS_MAX = 10_000
PUBLISHED = (VersionStatus.published, VersionStatus.superseded, VersionStatus.dropped)


@dataclass(frozen=True)
class Record:
    """What one run wrote for one panel: its newest version row and failure event."""

    version: PanelVersion | None = None
    failure: dict[str, Any] | None = None


def records(
    session: Session, tenant_id: uuid.UUID, panel_id: uuid.UUID, run_ids: list[str]
) -> dict[str, Record]:
    versions = session.scalars(
        select(PanelVersion)
        .where(
            PanelVersion.tenant_id == tenant_id,
            PanelVersion.panel_id == panel_id,
            PanelVersion.dagster_run_id.in_(run_ids),
        )
        .order_by(PanelVersion.number)
    )
    by_run = {v.dagster_run_id: v for v in versions}  # the newest attempt wins
    failures = session.scalars(
        select(PanelEvent.payload)
        .where(
            PanelEvent.tenant_id == tenant_id,
            PanelEvent.panel_id == panel_id,
            PanelEvent.type.in_(FAILURE_EVENTS),
            PanelEvent.payload["dagster_run_id"].astext.in_(run_ids),
        )
        .order_by(PanelEvent.id)
    )
    failed = {f["dagster_run_id"]: f for f in failures}
    return {
        run_id: Record(by_run.get(run_id), failed.get(run_id))
        for run_id in run_ids
        if run_id in by_run or run_id in failed
    }


_PAGE = text("""
WITH known(run_id, at) AS (
  SELECT dagster_run_id, started_at FROM panel_versions
   WHERE tenant_id = :tenant AND panel_id = :panel AND dagster_run_id IS NOT NULL
  UNION ALL
  SELECT payload ->> 'dagster_run_id', created_at FROM panel_events
   WHERE tenant_id = :tenant AND panel_id = :panel AND type = ANY(CAST(:failures AS text[]))
  UNION ALL
  SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:ats AS timestamptz[]))
), runs AS (
  SELECT run_id, min(at) AS at FROM known WHERE run_id IS NOT NULL GROUP BY run_id
)
SELECT (SELECT count(*) FROM runs),
       ARRAY(SELECT run_id FROM runs ORDER BY at DESC, run_id DESC LIMIT :limit OFFSET :offset)
""")


def page_of_run_ids(
    session: Session,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID,
    tagged: list[RunInfo],
    *,
    limit: int,
    offset: int,
) -> tuple[int, list[str]]:
    """The total and one page of the panel's run ids, newest first (by when each was created,
    or first recorded for batch runs)."""
    row = session.execute(
        _PAGE,
        {
            "tenant": tenant_id,
            "panel": panel_id,
            "failures": list(FAILURE_EVENTS),
            "ids": [r.run_id for r in tagged],
            "ats": [_ts(r.creation_time or r.start_time) or datetime.now(UTC) for r in tagged],
            "limit": limit,
            "offset": offset,
        },
    ).one()
    return int(row[0]), list(row[1])


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _status(run: RunInfo | None, record: Record, partition: str) -> str:
    """A one-panel run's status is the sync's; a batch run's is the panel's own outcome."""
    if run is not None and run.tags.get(PARTITION_TAG) == partition:
        return run.status
    version = record.version
    if version is not None and version.status in PUBLISHED:
        return "succeeded"
    if (version is not None and version.status == VersionStatus.failed) or record.failure:
        return "failed"
    return run.status if run is not None else "unknown"


def _error(run: RunInfo | None, record: Record) -> str | None:
    version = record.version
    if version is not None and version.status == VersionStatus.failed and version.error:
        return version.error
    if record.failure and record.failure.get("error"):
        return str(record.failure["error"])
    reason = run.failure_reason if run else None
    return (
        f"the Dagster run failed ({reason or 'no reason given'}) before Panels recorded why:"
        " its logs in Dagster say more"
    )


def public(
    *,
    panel_id: uuid.UUID,
    partition: str,
    run_id: str,
    run: RunInfo | None,
    record: Record,
    dagster_url: str,
) -> SyncPublic:
    status = _status(run, record, partition)
    version = record.version
    failed = status == "failed"
    failed_version = None
    rules: list[CheckResult] = []
    if failed and version is not None and version.status == VersionStatus.failed:
        failed_version = version.number
        rules = [CheckResult.model_validate(c) for c in version.checks or [] if not c["success"]]
    elif failed and record.failure:
        failed_version = record.failure.get("version")
    return SyncPublic(
        id=run_id,
        panel_id=panel_id,
        partition=partition,
        status=status,
        started_at=_ts(run.start_time) if run else version.started_at if version else None,
        finished_at=_ts(run.end_time) if run else version.finished_at if version else None,
        version=version.number if version and version.status in PUBLISHED else None,
        row_count=version.row_count if version else None,
        error=_error(run, record) if failed else None,
        failed_version=failed_version,
        failed_rules=rules,
        retry_pending=bool(run and run.retry_pending),
        retry_run_id=run.retry_run_id if run else None,
        dagster_url=f"{dagster_url}/runs/{run_id}",
    )
