from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from schemas.common import Page
from schemas.syncs import SyncCreate, SyncPublic
from serving.api.deps import EditorDep, PagingDep, SessionDep, SettingsDep, ViewerDep
from serving.api.routes.panels import load_panel
from serving.http.errors import ApiError, NotFound
from serving.orchestration import syncs
from serving.orchestration.dagster_client import (
    PARTITION_TAG,
    DagsterClient,
    DagsterRejected,
    DagsterUnavailable,
)
from serving.writes import audit

router = APIRouter(prefix="/panels/{panel_id}/syncs", tags=["syncs"])


def _client(settings: SettingsDep) -> DagsterClient:
    return DagsterClient(settings.resolved_dagster_url)


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


def _unavailable(exc: DagsterUnavailable) -> ApiError:
    return ApiError(503, f"sync status is unavailable: {exc}", headers={"Retry-After": "5"})


@router.get("", response_model=Page[SyncPublic])
def list_syncs(
    session: SessionDep,
    principal: ViewerDep,
    settings: SettingsDep,
    panel_id: uuid.UUID,
    paging: PagingDep,
) -> Page[SyncPublic]:
    """The panel's syncs, newest first: its own runs and the scheduled batches."""
    panel = load_panel(session, principal, panel_id)
    partition = f"{principal.tenant_slug}.{panel.slug}"
    client = _client(settings)
    try:
        tagged = client.partition_runs(partition, syncs.TAGGED_RUNS_MAX)
        count, run_ids = syncs.page_of_run_ids(
            session,
            principal.tenant_id,
            panel.id,
            tagged,
            limit=paging.limit,
            offset=paging.offset,
        )
        runs = client.runs(run_ids)
    except DagsterUnavailable as exc:
        raise _unavailable(exc) from exc
    except DagsterRejected as exc:
        raise ApiError(503, f"Dagster refused to list the runs: {exc}") from exc
    found = syncs.records(session, principal.tenant_id, panel.id, run_ids)
    return Page[SyncPublic](
        data=[
            syncs.public(
                panel_id=panel.id,
                partition=partition,
                run_id=run_id,
                run=runs.get(run_id),
                record=found.get(run_id, syncs.Record()),
                dagster_url=settings.resolved_dagster_url,
            )
            for run_id in run_ids
        ],
        count=count,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/{sync_id}", response_model=SyncPublic)
def read_sync(
    session: SessionDep,
    principal: ViewerDep,
    settings: SettingsDep,
    panel_id: uuid.UUID,
    sync_id: str,
) -> SyncPublic:
    """A sync's status; when it failed, why, which version it was, and whether Dagster retries."""
    panel = load_panel(session, principal, panel_id)
    partition = f"{principal.tenant_slug}.{panel.slug}"
    if len(sync_id) > 64:
        raise NotFound("sync", sync_id)
    try:
        run = _client(settings).run(sync_id)
    except DagsterUnavailable as exc:
        raise _unavailable(exc) from exc
    except DagsterRejected:
        run = None
    record = syncs.records(session, principal.tenant_id, panel.id, [sync_id]).get(sync_id)
    # Another panel's (or tenant's) run is as unknown as a made-up id: a run is this panel's
    # when it carries its partition tag or wrote a record for it (batch runs).
    if record is None and (run is None or run.tags.get(PARTITION_TAG) != partition):
        raise NotFound("sync", sync_id)
    return syncs.public(
        panel_id=panel.id,
        partition=partition,
        run_id=sync_id,
        run=run,
        record=record or syncs.Record(),
        dagster_url=settings.resolved_dagster_url,
    )
