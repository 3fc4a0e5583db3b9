"""One panel's sync, in two stages that Dagster runs as two assets.

``extract_panel`` reads every source (incremental sources from their stored cursor) and keeps
the result as Parquet per source; ``build_and_publish`` maps, casts, evaluates formulas and
publishes from those files, so a changed formula re-runs without calling the sources again.
Neither imports Dagster: the assets, the batch job and the tests call them directly.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine

from core.crypto import SecretBox
from core.enums import ColumnType
from core.events import EventType, write_event
from core.settings import Settings
from core.snapshots import SnapshotRoot
from core.storage import DATA_SCHEMA, table_names
from models import PanelColumn
from models.db import make_sessionmaker, system_session
from models.statement_time import timed_cursor
from pipelines import build, kept, publish, stage, store
from pipelines.batches import SourceBatches
from pipelines.build import ChecksFailed
from pipelines.extract import _typed_cursor, extract_panel, merge_incremental
from pipelines.quality import status_of
from pipelines.spec import PanelSpec, load_spec

Log = Callable[[str], None]


@dataclass
class SyncEnv:
    """What a sync needs from outside: settings, the owner engine, the Dagster run id."""

    settings: Settings
    engine: Engine
    run_id: str | None = None
    log: Log = field(default=lambda _message: None)

    @property
    def snapshots(self) -> SnapshotRoot:
        return SnapshotRoot(self.settings.snapshots)

    @property
    def conninfo(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def session(self) -> Any:
        return system_session(make_sessionmaker(self.engine))

    def spec(self, key: str) -> PanelSpec:
        with self.session() as session:
            return load_spec(session, key, SecretBox(self.settings))

    def extract_path(self, spec: PanelSpec, source: str) -> Path:
        return self.settings.extract_dir / spec.tenant_slug / spec.slug / f"{source}.parquet"


def _column_key(field_name: str, taken: set[str]) -> str:
    key = re.sub(r"[^a-z0-9_]+", "_", field_name.lower()).strip("_") or "field"
    if key[0].isdigit():
        key = f"f_{key}"
    key = key[:60]
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _add_drifted_columns(
    env: SyncEnv, spec: PanelSpec, added: list[tuple[str, ColumnType]]
) -> list[str]:
    taken = {c.key for c in spec.columns}
    position = max((c.position for c in spec.columns), default=-1) + 1
    keys = []
    with env.session() as session:
        for i, (field_name, column_type) in enumerate(added):
            key = _column_key(field_name, taken)
            session.add(
                PanelColumn(
                    tenant_id=spec.tenant_id,
                    panel_id=spec.panel_id,
                    key=key,
                    name=field_name,
                    type=column_type,
                    position=position + i,
                    mapping={"source": None, "field": field_name, "cast": None},
                )
            )
            keys.append(key)
        session.commit()
    return keys


class _Refused(Exception):
    """Error rules failed: the publish's transaction is rolled back, then recorded."""

    def __init__(self, checks: list[dict[str, Any]]) -> None:
        super().__init__("quality rules failed")
        self.checks = checks


def _sources(
    env: SyncEnv, spec: PanelSpec, pending: bool
) -> tuple[dict[str, SourceBatches], dict[str, Any], list[tuple[str, ColumnType]]]:
    """Each source's batches (its pending rows only for an incremental publish) and drift."""
    batch_rows = env.settings.sync_batch_rows

    def path(name: str) -> Path:
        kept_path = env.extract_path(spec, name)
        return kept.pending_of(kept_path) if pending else kept_path

    if not pending:  # a full read: the base alone must hold every row
        for source in spec.sources:
            if source.incremental:
                kept.compact(env.extract_path(spec, source.name), source, batch_rows=batch_rows)
    sources = build.readers(spec, path, batch_rows)
    per_source, added = build.drift(spec, sources)
    return sources, per_source, added


def _pending_ready(env: SyncEnv, spec: PanelSpec, head: store.Head | None) -> bool:
    return stage.delta_ready(spec, head) and all(
        kept.pending_of(env.extract_path(spec, s.name)).exists() for s in spec.sources
    )


def build_and_publish(env: SyncEnv, key: str) -> dict[str, Any]:
    """Map, cast, evaluate, check and publish the panel from its kept extract, streamed."""
    started = time.perf_counter()
    spec = env.spec(key)
    batch_rows = env.settings.sync_batch_rows
    schema: list[dict[str, str]] = []
    version_id: uuid.UUID | None = None
    number: int | None = None
    # Autocommit: each step below opens its own explicit transaction.
    with (
        psycopg.connect(
            env.conninfo, autocommit=True, cursor_factory=timed_cursor("pipelines")
        ) as conn,
        publish.panel_lock(conn, spec.panel_id),
    ):
        head = store.head(conn, spec)
        pending = _pending_ready(env, spec, head)
        sources, per_source, added = _sources(env, spec, pending)
        added_keys: list[str] = []
        if added:
            added_keys = _add_drifted_columns(env, spec, added)
            spec, pending = env.spec(key), False
            sources, per_source, _ = _sources(env, spec, pending)
        totals = [b.rows() for b in sources.values()]
        progress = build.Progress(
            log=env.log, total=None if None in totals else sum(t or 0 for t in totals)
        )
        schema = [{"key": c.key, "name": c.name, "type": c.type.value} for c in spec.columns]
        if pending:
            env.log(
                f"incremental publish: the changed rows only, on version {head and head.number}"
            )
        try:
            version_id, number = publish.begin_version(conn, spec, env.run_id)
            target = stage.Target(
                head=head if stage.comparable(spec, head) else None,
                delta=pending,
                conninfo=env.conninfo,
                previous_rejects=head.rejects(spec) if pending and head is not None else None,
            )
            with conn.transaction():
                built = build.load_version(
                    conn,
                    spec,
                    number,
                    sources,
                    per_source,
                    progress,
                    batch_rows=batch_rows,
                    engine=env.engine,
                    target=target,
                    snapshots=env.snapshots if env.settings.write_snapshots else None,
                )
                check_status = status_of(built.checks)
                if built.checks:
                    env.log(f"quality rules: {check_status} ({len(built.checks)} checked)")
                if check_status == "failed":
                    raise _Refused(built.checks)
                stats = {
                    "sources": {n: vars(s) for n, s in per_source.items()},
                    "formulas": built.formulas,
                    "added_columns": added_keys,
                    "load_seconds": built.seconds.get("copy", 0.0),
                    "seconds": built.seconds,
                    "progress": progress.as_metadata(),
                    "store": built.store,
                    "layout": store.layout(spec),
                    "fingerprint": store.fingerprint(spec),
                    "changes": built.changes,
                    "snapshot": built.snapshot,
                }
                publish.switch_version(
                    conn,
                    spec,
                    version_id,
                    number,
                    row_count=built.row_count,
                    reject_count=built.reject_count,
                    schema=schema,
                    stats=stats,
                    event=build.materialized_event(
                        spec, number, env.run_id, built, check_status, publish.elapsed(started)
                    ),
                    checks=built.checks,
                    check_status=check_status,
                )
            for source in spec.sources:
                kept.forget_pending(env.extract_path(spec, source.name))
            dropped = publish.apply_retention(
                conn, spec, env.settings.version_retention, env.snapshots
            )
        except _Refused as refused:
            assert version_id is not None
            assert number is not None
            message = publish.fail_checks(
                conn, spec, version_id, number, refused.checks, env.run_id
            )
            raise ChecksFailed(message, refused.checks) from None
        except Exception as exc:
            publish.fail_version(
                conn, spec, version_id, number, f"{exc.__class__.__name__}: {exc}", env.run_id
            )
            raise
    progress.phase = f"published version {number}"
    progress.report(force=True)
    return {
        "version": number,
        "row_count": built.row_count,
        "reject_count": built.reject_count,
        "reject_examples": built.reject_examples,
        "schema": schema,
        "sources": {n: vars(s) for n, s in per_source.items()},
        "formulas": built.formulas,
        # Where each column comes from: a source field, or the columns its formula reads.
        "lineage": {
            c.key: (
                {"formula": built.reads.get(c.key, [])}
                if c.formula is not None
                else {"field": (c.mapping or {}).get("field") or c.key}
            )
            for c in spec.columns
        },
        "table": f"{env.engine.url.database}.{DATA_SCHEMA}.{table_names(spec.panel_id, number)[0]}",
        "added_columns": added_keys,
        "dropped_versions": dropped,
        "load_seconds": built.seconds.get("copy", 0.0),
        "seconds": built.seconds,
        "changes": built.changes,
        "store": built.store,
        "progress": progress.as_metadata(),
        "duration_seconds": publish.elapsed(started),
        "checks": built.checks,
        "check_status": check_status,
    }


def record_failure(env: SyncEnv, key: str, error: BaseException) -> None:
    """A ``sync.failed`` event for a failure outside the publish (extract, mapping...)."""
    try:
        spec = env.spec(key)
    except LookupError:
        return
    with env.session() as session:
        write_event(
            session,
            EventType.sync_failed,
            {
                "panel_id": str(spec.panel_id),
                "dagster_run_id": env.run_id,
                "error": f"{error.__class__.__name__}: {error}"[:2000],
            },
            tenant_id=spec.tenant_id,
            panel_id=spec.panel_id,
        )
        session.commit()


__all__ = [
    "ChecksFailed",
    "SyncEnv",
    "_typed_cursor",
    "build_and_publish",
    "extract_panel",
    "merge_incremental",
    "record_failure",
]
