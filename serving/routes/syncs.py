from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, status
from sqlalchemy import select

from models import PanelEvent, PanelVersion
from schemas.syncs import SyncCreate, SyncPublic
from serving import audit
from serving.dagster_client import PARTITION_TAG, DagsterClient, DagsterRejected, DagsterUnavailable
from serving.deps import EditorDep, Principal, SessionDep, SettingsDep, ViewerDep
from serving.errors import ApiError, NotFound
from serving.routes.panels import load_panel

router = APIRouter(prefix="/panels/{panel_id}/syncs", tags=["syncs"])


def _client(settings: SettingsDep) -> DagsterClient:
    return DagsterClient(settings.resolved_dagster_url)


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


@router.post("", response_model=SyncPublic, status_code=status.HTTP_202_ACCEPTED)
def start_sync(
    session: SessionDep,
    principal: EditorDep,
    settings: SettingsDep,
    panel_id: uuid.UUID,
    body: SyncCreate | None = None,
) -> SyncPublic:
    """Start a sync now: a Dagster run, visible in the Dagster UI, whose id is the sync id."""
    panel = load_panel(session, principal, panel_id)
    partition = f"{principal.tenant_slug}.{panel.slug}"
    try:
        run_id = _client(settings).launch_sync(
            partition,
            formulas_only=bool(body and body.formulas_only),
            tags={"panels/trigger": "api", "panels/requested_by": str(principal.actor_id)},
        )
    except DagsterUnavailable as exc:
        raise ApiError(503, f"syncs cannot start: {exc}", headers={"Retry-After": "5"}) from exc
    except DagsterRejected as exc:
        raise ApiError(503, f"Dagster refused the sync: {exc}") from exc
    audit.record(
        session,
        principal,
        action="sync",
        object_type="panel",
        object_id=panel.id,
        after={"dagster_run_id": run_id, "formulas_only": bool(body and body.formulas_only)},
    )
    session.commit()
    return SyncPublic(
        id=run_id,
        panel_id=panel.id,
        partition=partition,
        status="queued",
        dagster_url=f"{settings.resolved_dagster_url}/runs/{run_id}",
    )


def _details(
    session: SessionDep, principal: Principal, panel_id: uuid.UUID, run_id: str
) -> tuple[PanelVersion | None, str | None]:
    version = session.scalar(
        select(PanelVersion).where(
            PanelVersion.tenant_id == principal.tenant_id,
            PanelVersion.panel_id == panel_id,
            PanelVersion.dagster_run_id == run_id,
        )
    )
    failure = session.scalar(
        select(PanelEvent.payload)
        .where(
            PanelEvent.tenant_id == principal.tenant_id,
            PanelEvent.panel_id == panel_id,
            PanelEvent.type == "sync.failed",
            PanelEvent.payload["dagster_run_id"].astext == run_id,
        )
        .order_by(PanelEvent.id.desc())
        .limit(1)
    )
    return version, (failure or {}).get("error")


@router.get("/{sync_id}", response_model=SyncPublic)
def read_sync(
    session: SessionDep,
    principal: ViewerDep,
    settings: SettingsDep,
    panel_id: uuid.UUID,
    sync_id: str,
) -> SyncPublic:
    panel = load_panel(session, principal, panel_id)
    partition = f"{principal.tenant_slug}.{panel.slug}"
    try:
        run = _client(settings).run(sync_id) if len(sync_id) <= 64 else None
    except DagsterUnavailable as exc:
        raise ApiError(
            503, f"sync status is unavailable: {exc}", headers={"Retry-After": "5"}
        ) from exc
    except DagsterRejected:
        run = None
    # Another panel's (or tenant's) run is as unknown as a made-up id.
    if run is None or run.tags.get(PARTITION_TAG) != partition:
        raise NotFound("sync", sync_id)
    version, error = _details(session, principal, panel.id, sync_id)
    return SyncPublic(
        id=run.run_id,
        panel_id=panel.id,
        partition=partition,
        status=run.status,
        started_at=_ts(run.start_time),
        finished_at=_ts(run.end_time),
        version=version.number if version and version.status.value != "failed" else None,
        row_count=version.row_count if version else None,
        error=error if run.status == "failed" else None,
        dagster_url=f"{settings.resolved_dagster_url}/runs/{run.run_id}",
    )
