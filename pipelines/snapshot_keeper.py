"""Keeps every served version readable from a columnar snapshot, in the background.

A served version whose snapshot is not complete (published before snapshots, or a segment
lost) is answered by PostgreSQL, and the ``snapshot_keeper`` sensor asks for a
``snapshot_rebuild`` run that exports the version's rows into a base file of its store
(:func:`pipelines.snapshot.write_base`). A store that many versions extended is read as many
small segments; past ``PANELS_SNAPSHOT_COMPACT_SEGMENTS`` of them the same run compacts it
(a base at the served version: readers take the newest base plus the segments after it).

The sensor also removes the folders of panels that were deleted (by their audit events:
a root shared by two deployments never loses the other's panels).

Nothing runs unless a served version needs it: the sensor lists each served version's store
folder and asks for a run only for those it cannot read, or reads as too many segments. Each
request has a run key (store, version, reason), so a version is rebuilt once: a rebuild that
fails is in the Dagster UI, to be re-executed there.
"""

import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.enums import ColumnType, VersionStatus
from core.partitions import partition_key
from core.snapshots import SnapshotRoot
from models import AuditEvent, Panel, PanelVersion, Tenant
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.snapshot import write_base
from pipelines.sync import SyncEnv

COMMITTED = [VersionStatus.published, VersionStatus.superseded, VersionStatus.dropped]


@dataclass(frozen=True)
class Served:
    """A panel's served version and the versions of its store up to it."""

    panel_id: uuid.UUID
    key: str  # the panel's partition key, for the run's tags
    number: int
    store: str
    json: bool  # a JSON column: PostgreSQL answers (see serving.reads.analytics)
    versions: list[tuple[int, bool]]  # (number, segment recorded), oldest first


def served_versions(session: Session) -> list[Served]:
    """Every panel's served version that lives in a row store, with its store's versions."""
    current = (
        select(
            Panel.id,
            Tenant.slug,
            Panel.slug,
            PanelVersion.number,
            PanelVersion.stats["store"].astext,
            PanelVersion.schema,
        )
        .join(Tenant, Tenant.id == Panel.tenant_id)
        .join(PanelVersion, PanelVersion.id == Panel.current_version_id)
        .where(PanelVersion.stats["store"].astext.is_not(None))
    )
    served = {
        panel: (partition_key(tenant, slug), int(number), str(store), schema)
        for panel, tenant, slug, number, store, schema in session.execute(current)
    }
    if not served:
        return []
    store = PanelVersion.stats["store"].astext
    versions = session.execute(
        select(PanelVersion.panel_id, PanelVersion.number, store, PanelVersion.stats["snapshot"])
        .join(Panel, Panel.id == PanelVersion.panel_id)
        .join(
            current_version := PanelVersion.__table__.alias("current"),
            and_(
                current_version.c.id == Panel.current_version_id,
                current_version.c.stats["store"].astext == store,
                PanelVersion.number <= current_version.c.number,
            ),
        )
        .where(PanelVersion.status.in_(COMMITTED))
        .order_by(PanelVersion.panel_id, PanelVersion.number)
    ).all()
    chains: dict[uuid.UUID, list[tuple[int, bool]]] = {}
    for panel, number, _, snapshot in versions:
        chains.setdefault(panel, []).append((int(number), bool(snapshot)))
    return [
        Served(
            panel_id=panel,
            key=key,
            number=number,
            store=store_,
            json=any(c.get("type") == ColumnType.json for c in schema),
            versions=chains.get(panel, []),
        )
        for panel, (key, number, store_, schema) in served.items()
    ]


def deleted_panels(session: Session, folders: list[uuid.UUID]) -> list[uuid.UUID]:
    """Of the panels with a snapshot folder, those deleted (an audited delete, no panel)."""
    if not folders:
        return []
    ids = [str(f) for f in folders]
    deleted = select(AuditEvent.object_id).where(
        AuditEvent.object_type == "panel",
        AuditEvent.action == "delete",
        AuditEvent.object_id.in_(ids),
    )
    gone = {uuid.UUID(i) for i in session.scalars(deleted)}
    alive = set(session.scalars(select(Panel.id).where(Panel.id.in_(list(gone)))))
    return sorted(gone - alive)


class SnapshotConfig(dg.Config):
    panel_id: str
    number: int
    reason: str = "missing"  # "missing" or "compact", for the log


@dg.op(description="Export a served version's rows into a base file of its store's snapshot.")
def rebuild_snapshot(
    context: dg.OpExecutionContext,
    config: SnapshotConfig,
    panels_db: PanelsDatabase,
    sync_settings: SyncSettings,
) -> None:
    settings = sync_settings.settings()
    panel_id = uuid.UUID(config.panel_id)
    with panels_db.all_tenants() as session:
        version = session.execute(
            select(PanelVersion).where(
                PanelVersion.panel_id == panel_id,
                PanelVersion.number == config.number,
                PanelVersion.status.in_(COMMITTED),
            )
        ).scalar_one_or_none()
        if version is None or not version.stats.get("store"):
            raise dg.Failure(
                f"panel {panel_id} has no committed version {config.number} in a row store",
                allow_retries=False,
            )
        store = str(version.stats["store"])
        columns = [(c["key"], ColumnType(c["type"])) for c in version.schema]
    env = SyncEnv(settings=settings, engine=panels_db.engine)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="panels-snapshot-") as scratch:
        written = write_base(
            env.conninfo,
            env.snapshots,
            panel_id,
            store,
            config.number,
            columns,
            batch_rows=settings.sync_batch_rows,
            scratch=Path(scratch),
        )
    context.log.info(
        f"{config.reason}: base of version {config.number} of {store} written,"
        f" {written['rows']} rows, {written['bytes']} bytes"
        f" in {time.perf_counter() - started:.2f}s"
    )


@dg.job(
    tags={"panels/kind": "snapshot"},
    description="Rebuild (or compact) the columnar snapshot of a panel's served version.",
)
def snapshot_rebuild() -> None:
    rebuild_snapshot()


def needed(served: Served, root: SnapshotRoot, compact_after: int) -> str | None:
    """Why the served version needs a base: "missing", "compact", or None."""
    if served.json:
        return None
    chain = root.chain(served.panel_id, served.store, served.versions)
    if chain is None:
        return "missing"
    if chain.segments > compact_after:
        return "compact"
    return None


@dg.sensor(
    name="snapshot_keeper",
    job=snapshot_rebuild,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Asks for a snapshot_rebuild run for each served version without a complete columnar"
        " snapshot, or read as too many segments."
    ),
)
def snapshot_keeper(
    context: dg.SensorEvaluationContext, panels_db: PanelsDatabase, sync_settings: SyncSettings
) -> dg.SensorResult:
    settings = sync_settings.settings()
    if not settings.write_snapshots:
        return dg.SensorResult(skip_reason="PANELS_WRITE_SNAPSHOTS is off")
    root = SnapshotRoot(settings.snapshots)
    with panels_db.all_tenants() as session:
        served = served_versions(session)
        for panel_id in deleted_panels(session, root.panels()):
            root.remove_panel(panel_id)
            context.log.info(f"removed the snapshots of deleted panel {panel_id}")
    requests = []
    for panel in served:
        reason = needed(panel, root, settings.snapshot_compact_segments)
        if reason is None:
            continue
        requests.append(
            dg.RunRequest(
                run_key=f"{panel.store}:v{panel.number}:{reason}",
                run_config=dg.RunConfig(
                    ops={
                        "rebuild_snapshot": SnapshotConfig(
                            panel_id=str(panel.panel_id), number=panel.number, reason=reason
                        )
                    }
                ),
                tags={
                    "panels/trigger": "snapshot_keeper",
                    "panels/panel": panel.key,
                    "panels/snapshot": reason,
                },
            )
        )
    if requests:
        context.log.info(f"snapshots to write: {len(requests)}")
    return dg.SensorResult(run_requests=requests)
