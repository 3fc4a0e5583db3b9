"""Atomic publish of a panel version into PostgreSQL.

1. Under a per-panel advisory lock, versions left ``running`` by a killed sync are marked
   failed and what they left dropped; a new ``running`` version row is committed.
2. In one transaction: the version's row states are written (a new store loaded with binary
   COPY, or only the changed rows added to the served version's store: :mod:`pipelines.stage`),
   its view and rejects are created, its rules are checked, and :func:`switch_version` makes
   it the served one with the ``panel.materialized`` outbox event. Readers see the old version
   or the new, never a mix; a failure or a kill rolls it all back.
3. Versions beyond the retention count are dropped (views, rejects, the states and stores
   only they used) and marked ``dropped``.
"""

from __future__ import annotations

import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
import psycopg
from psycopg.types.json import Jsonb

from core.enums import VersionStatus
from core.events import (
    ChecksFailed,
    EventType,
    Materialized,
    SchemaChanged,
    SyncFailed,
    write_event,
)
from core.snapshots import SnapshotRoot
from core.storage import store_name, table_names
from pipelines import snapshot, store
from pipelines.loader import REJECT_COLUMNS, copy_frames, create_table
from pipelines.spec import PanelSpec


@dataclass(frozen=True)
class Published:
    version_id: uuid.UUID
    number: int
    table_name: str
    row_count: int
    reject_count: int
    load_seconds: float


@contextmanager
def panel_lock(conn: psycopg.Connection[Any], panel_id: uuid.UUID) -> Iterator[None]:
    """One sync of a panel at a time (a session-level advisory lock, waits for the holder)."""
    key = zlib.crc32(panel_id.bytes) - 2**31
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _drop_tables(conn: psycopg.Connection[Any], panel_id: uuid.UUID, number: int) -> None:
    store.drop_version(conn, panel_id, number)


def _all_tenants(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SELECT set_config('app.all_tenants', 'on', true)")


def begin_version(
    conn: psycopg.Connection[Any], spec: PanelSpec, run_id: str | None
) -> tuple[uuid.UUID, int]:
    """Clean up interrupted versions, then record a new ``running`` one (committed)."""
    with conn.transaction():
        _all_tenants(conn)
        stale = conn.execute(
            "UPDATE panel_versions SET status = %s, finished_at = now(),"
            " error = 'interrupted before publish (process killed or lost)'"
            " WHERE panel_id = %s AND status = %s RETURNING number",
            (VersionStatus.failed, spec.panel_id, VersionStatus.running),
        ).fetchall()
        for (number,) in stale:
            _drop_tables(conn, spec.panel_id, number)
        (number,) = conn.execute(
            "SELECT coalesce(max(number), 0) + 1 FROM panel_versions WHERE panel_id = %s",
            (spec.panel_id,),
        ).fetchone() or (1,)
        version_id = uuid.uuid4()
        conn.execute(
            "INSERT INTO panel_versions (id, tenant_id, panel_id, number, status, dagster_run_id,"
            " schema, stats, started_at) VALUES (%s, %s, %s, %s, %s, %s, '[]', '{}', now())",
            (version_id, spec.tenant_id, spec.panel_id, number, VersionStatus.running, run_id),
        )
    return version_id, int(number)


def load_table(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    number: int,
    table: pl.DataFrame,
    rejects: pl.DataFrame,
) -> None:
    """Stage version ``number`` (a new store, its view and rejects) from whole frames
    (committed, not served). The sync streams instead (:mod:`pipelines.build`)."""
    store_table = store_name(spec.panel_id, number)
    _, rejects_name = table_names(spec.panel_id, number)
    columns = store.store_columns(spec)
    n = table.height
    rows = table.with_columns(
        pl.int_range(1, n + 1, dtype=pl.Int64).alias("_row_id"),
        *(pl.lit(number, pl.Int64).alias(c) for c in ("_created", "_changed", "_from")),
        pl.lit(store.OPEN, pl.Int64).alias("_to"),
        pl.lit(0, pl.Int64).alias("_hash"),
    )
    with conn.transaction():
        create_table(conn, store_table, columns)
        copy_frames(conn, store_table, columns, [rows])
        create_table(conn, rejects_name, REJECT_COLUMNS)
        copy_frames(conn, rejects_name, REJECT_COLUMNS, [rejects])
        store.build_indexes(conn, spec, store_table)
        store.create_view(conn, spec, store_table, number)


def switch_version(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    version_id: uuid.UUID,
    number: int,
    *,
    row_count: int,
    reject_count: int,
    schema: list[dict[str, str]],
    stats: dict[str, Any],
    event: Materialized,
    checks: list[dict[str, Any]] | None = None,
    check_status: str | None = None,
) -> None:
    """The one short transaction that makes the new version the served one."""
    name, _ = table_names(spec.panel_id, number)
    with conn.transaction():
        _all_tenants(conn)
        row = conn.execute(
            "SELECT current_version_id FROM panels WHERE id = %s FOR UPDATE", (spec.panel_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"panel {spec.partition_key} was deleted during the sync")
        previous = row[0]
        old_schema = None
        if previous is not None:
            found = conn.execute(
                "UPDATE panel_versions SET status = %s WHERE id = %s RETURNING schema",
                (VersionStatus.superseded, previous),
            ).fetchone()
            old_schema = found[0] if found else None
        conn.execute(
            "UPDATE panel_versions SET status = %s, finished_at = now(), table_name = %s,"
            " row_count = %s, reject_count = %s, schema = %s, stats = %s, checks = %s,"
            " check_status = %s WHERE id = %s",
            (
                VersionStatus.published,
                name,
                row_count,
                reject_count,
                Jsonb(schema),
                Jsonb(stats),
                Jsonb(checks) if checks else None,
                check_status,
                version_id,
            ),
        )
        conn.execute(
            "UPDATE panels SET current_version_id = %s WHERE id = %s", (version_id, spec.panel_id)
        )
        tenant_id, panel_id = spec.tenant_id, spec.panel_id
        write_event(
            conn, EventType.panel_materialized, event, tenant_id=tenant_id, panel_id=panel_id
        )
        if old_schema is not None and old_schema != schema:
            changed: SchemaChanged = {
                "panel_id": str(panel_id),
                "version": number,
                "before": old_schema,
                "after": schema,
            }
            write_event(
                conn, EventType.schema_changed, changed, tenant_id=tenant_id, panel_id=panel_id
            )


def fail_checks(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    version_id: uuid.UUID,
    number: int,
    checks: list[dict[str, Any]],
    run_id: str | None,
) -> str:
    """Error rules failed: the version is recorded as failed with its results, nothing is
    loaded, the served version stays, and ``checks.failed`` goes out. Returns the message."""
    failing = [c for c in checks if not c["success"] and c["severity"] == "error"]
    message = f"{len(failing)} error quality rule(s) failed: " + ", ".join(
        c["name"] for c in failing
    )
    with conn.transaction():
        _all_tenants(conn)
        conn.execute(
            "UPDATE panel_versions SET status = %s, finished_at = now(), error = %s,"
            " checks = %s, check_status = 'failed' WHERE id = %s",
            (VersionStatus.failed, message, Jsonb(checks), version_id),
        )
        _drop_tables(conn, spec.panel_id, number)
        payload: ChecksFailed = {
            "panel_id": str(spec.panel_id),
            "version": number,
            "dagster_run_id": run_id,
            "error": message,
            "failed": failing,
        }
        write_event(
            conn,
            EventType.checks_failed,
            payload,
            tenant_id=spec.tenant_id,
            panel_id=spec.panel_id,
        )
    return message


def fail_version(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    version_id: uuid.UUID | None,
    number: int | None,
    error: str,
    run_id: str | None,
) -> None:
    """Record a failed sync (version row and ``sync.failed`` event); drop what it loaded."""
    with conn.transaction():
        _all_tenants(conn)
        if version_id is not None and number is not None:
            conn.execute(
                "UPDATE panel_versions SET status = %s, finished_at = now(), error = %s"
                " WHERE id = %s",
                (VersionStatus.failed, error[:10_000], version_id),
            )
            _drop_tables(conn, spec.panel_id, number)
        payload: SyncFailed = {
            "panel_id": str(spec.panel_id),
            "error": error[:2000],
            "dagster_run_id": run_id,
            "version": number,
        }
        write_event(
            conn, EventType.sync_failed, payload, tenant_id=spec.tenant_id, panel_id=spec.panel_id
        )


def apply_retention(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    keep: int,
    snapshots: SnapshotRoot | None = None,
) -> list[int]:
    """Drop the versions older than the ``keep`` newest published ones: their views and
    rejects, the row states only they could see, the stores only they read (and, once that
    is committed, those stores' snapshots and any a failed publish left under ``snapshots``)."""
    with conn.transaction():
        _all_tenants(conn)
        old = conn.execute(
            "UPDATE panel_versions SET status = %s WHERE id IN ("
            " SELECT id FROM panel_versions WHERE panel_id = %s"
            " AND status IN (%s, %s) ORDER BY number DESC OFFSET %s)"
            " RETURNING number",
            (
                VersionStatus.dropped,
                spec.panel_id,
                VersionStatus.published,
                VersionStatus.superseded,
                keep,
            ),
        ).fetchall()
        kept = store.forget(conn, spec.panel_id, [n for (n,) in old])
    if snapshots is not None:
        snapshot.prune(snapshots, spec.panel_id, kept)
    return sorted(n for (n,) in old)


def now() -> datetime:
    return datetime.now(UTC)


def elapsed(started: float) -> float:
    return round(time.perf_counter() - started, 3)
