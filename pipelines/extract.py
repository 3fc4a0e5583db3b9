"""The extract stage of a sync: every source of a panel into its Parquet file, streamed.

Each source is read by its connector into ``env.extract_path(spec, source)`` in row groups of
``PANELS_SYNC_BATCH_ROWS`` rows, logging the rows written after each; an incremental source's
new rows are merged into the kept extract file to file (pipelines/incremental.py). Nothing
here holds a whole source: the build stage reads these files batch by batch.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import select, update

from connectors import NetworkPolicy, SourceError, extract
from connectors.spec import SourceSpec
from core.events import EventType, write_event
from core.storage import tenant_files
from models import DataSource
from pipelines import cursors, kept, publish
from pipelines.batches import schema_of
from pipelines.incremental import Merged, merge_incremental
from pipelines.progress import Progress
from pipelines.spec import PanelSpec

if TYPE_CHECKING:
    from pipelines.sync import SyncEnv

__all__ = ["extract_panel", "merge_incremental"]


def _typed_cursor(source: SourceSpec, stored: object, previous: pl.Schema | None) -> object:
    """The stored cursor as a value of its column in the kept extract (for the source's query)."""
    cursor = cursors.decode(stored)
    field_name = str((source.incremental or {}).get("cursor_field", ""))
    if cursor is None or previous is None or field_name not in previous:
        return cursor
    try:
        return cursors.coerce(cursor, previous[field_name])
    except ValueError as exc:
        raise SourceError(
            f"source {source.name!r}: the stored cursor {stored!r} is not a value of"
            f" {field_name!r} ({previous[field_name]}): {exc}"
        ) from exc


def _started(env: SyncEnv, spec: PanelSpec) -> None:
    with env.session() as session:
        write_event(
            session,
            EventType.sync_started,
            {"panel_id": str(spec.panel_id), "dagster_run_id": env.run_id},
            tenant_id=spec.tenant_id,
            panel_id=spec.panel_id,
        )
        session.commit()


def _save_cursors(env: SyncEnv, new_cursors: dict[uuid.UUID, Any]) -> None:
    with env.session() as session:
        for source_id, value in new_cursors.items():
            current = session.scalar(select(DataSource.state).where(DataSource.id == source_id))
            session.execute(
                update(DataSource)
                .where(DataSource.id == source_id)
                .values(state={**(current or {}), "cursor": value})
            )
        session.commit()


def _extract_source(
    env: SyncEnv, spec: PanelSpec, source: SourceSpec
) -> tuple[dict[str, Any], Any]:
    """Extract one source into its file; its stats, and its new cursor (encoded) if any."""
    started = time.perf_counter()
    path = env.extract_path(spec, source.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Without the kept extract (a new machine, a wiped state dir) an incremental source is
    # read in full again: the published table is rebuilt from the extract alone.
    stored = source.state.get("cursor") if source.incremental and path.exists() else None
    previous = path if stored is not None else None
    cursor = _typed_cursor(source, stored, schema_of(path) if previous else None)
    env.log(f"extracting {source.kind.value} source {source.name!r}")
    batch_rows = env.settings.sync_batch_rows

    reporter = Progress(log=env.log, phase=f"extracting source {source.name!r}")

    def progress(rows: int) -> None:
        reporter.read = reporter.written = rows
        reporter.report()

    def merging(rows: int) -> None:
        reporter.phase = f"merging source {source.name!r} into its kept extract"
        reporter.read = reporter.written = rows
        reporter.report()

    fetched_path = path.with_name(f"{path.name}.fetched")
    tmp = path.with_name(f"{path.name}.tmp")
    try:
        fetched = extract(
            source,
            data_root=tenant_files(env.settings.data_root, spec.tenant_slug),
            out=fetched_path if source.incremental else tmp,
            cursor=cursor,
            policy=NetworkPolicy.from_settings(
                env.settings, env.engine.url.render_as_string(hide_password=False)
            ),
            batch_rows=batch_rows,
            progress=progress,
        )
        stats: dict[str, Any] = {}
        new_cursor = None
        if source.incremental and previous is not None:
            # Kept beside the base, not merged into it: see pipelines/kept.py.
            added = kept.add_fetched(
                path, fetched.path, source, cursor, batch_rows=batch_rows, progress=merging
            )
            new_cursor = cursors.encode(added.cursor)
            stats = {"fetched": fetched.rows, "cursor": cursors.display(added.cursor)}
            rows, fields = added.rows, added.fields
        elif source.incremental:
            merged = merge_incremental(
                None,
                fetched.path,
                source,
                cursor,
                out=tmp,
                batch_rows=batch_rows,
                progress=merging,
            )
            new_cursor = cursors.encode(merged.cursor)
            stats = {"fetched": fetched.rows, "cursor": cursors.display(merged.cursor)}
            rows, fields = merged.rows, merged.fields
            _keep(merged, path)
            kept.forget_all(path)
        else:
            rows, fields = fetched.rows, fetched.fields
            tmp.replace(path)
    finally:
        for scratch in (fetched_path, tmp):
            with contextlib.suppress(FileNotFoundError):
                scratch.unlink()
    reporter.read = reporter.written = rows
    reporter.phase = f"extracted source {source.name!r}"
    reporter.report(force=True)
    stats.update({"rows": rows, "fields": fields, "seconds": publish.elapsed(started)})
    return stats, new_cursor


def _keep(merged: Merged, path: Path) -> None:
    if merged.path != path:
        merged.path.replace(path)


def extract_panel(env: SyncEnv, key: str) -> dict[str, Any]:
    spec = env.spec(key)
    if not spec.sources:
        raise SourceError(f"panel {key!r} has no data source")
    _started(env, spec)
    stats: dict[str, Any] = {}
    new_cursors: dict[uuid.UUID, Any] = {}
    for source in spec.sources:
        stats[source.name], cursor = _extract_source(env, spec, source)
        if source.incremental:
            new_cursors[source.id] = cursor
    if new_cursors:
        _save_cursors(env, new_cursors)
    return {"sources": stats, "rows": sum(s["rows"] for s in stats.values())}
