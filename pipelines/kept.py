"""An incremental source's kept extract: a base file, and the rows read since, kept apart.

Merging new rows into the base rewrites the whole file, which would make every incremental
sync cost the size of the panel. So the rows an incremental read brings are merged into two
small files beside the base instead:

- ``<source>.delta.parquet``: every row read since the base was last compacted (the newest of
  each key). When it holds more than a tenth of the base's rows, it is merged into the base
  (the cost of a full rewrite, once every so many syncs).
- ``<source>.pending.parquet``: the rows not published yet. An incremental publish builds its
  version from these alone (:func:`pipelines.stage.delta_ready`) and removes the file once the
  version is served; a failed publish leaves it for the next.

A build that reads the whole source (a changed formula, a new column) compacts first, so the
base alone is the source's rows.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from connectors.sink import Progress
from connectors.spec import SourceSpec
from pipelines.incremental import merge_incremental

COMPACT_SHARE = 10  # compact when the delta holds more than 1/10 of the base's rows


def delta_of(path: Path) -> Path:
    return path.with_name(f"{path.stem}.delta.parquet")


def pending_of(path: Path) -> Path:
    return path.with_name(f"{path.stem}.pending.parquet")


def rows_of(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows) if path.exists() else 0


@dataclass(frozen=True)
class Added:
    rows: int  # at most this many rows in the source (base and delta may share keys)
    fields: int
    cursor: object


def _merge_into(kept: Path, fetched: Path, source: SourceSpec, batch_rows: int) -> None:
    """Merge rows already filtered and deduplicated (see ``add_fetched``) into ``kept``."""
    tmp = kept.with_name(f"{kept.name}.tmp")
    try:
        merged = merge_incremental(
            kept if kept.exists() else None,
            fetched,
            source,
            None,
            out=tmp,
            batch_rows=batch_rows,
            newest=False,
        )
        if merged.path != kept:
            merged.path.replace(kept)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def add_fetched(
    path: Path,
    fetched: Path,
    source: SourceSpec,
    cursor: object,
    *,
    batch_rows: int,
    progress: Progress | None = None,
) -> Added:
    """Keep the rows an incremental read fetched (``fetched``) beside the base ``path``.

    The fetched rows are filtered (at or after ``cursor``) and deduplicated (the last of each
    key) once, into a file that is then merged into the delta and the pending rows; the new
    cursor is the newest of them."""
    fields = len(pq.read_schema(path))
    if rows_of(fetched) == 0:
        return Added(rows_of(path) + rows_of(delta_of(path)), fields, cursor)
    fresh = path.with_name(f"{path.stem}.fresh.parquet")
    try:
        newest = merge_incremental(
            None, fetched, source, cursor, out=fresh, batch_rows=batch_rows
        ).cursor
        _merge_into(delta_of(path), fresh, source, batch_rows)
        _merge_into(pending_of(path), fresh, source, batch_rows)
    finally:
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
    if rows_of(delta_of(path)) * COMPACT_SHARE > rows_of(path):
        compact(path, source, batch_rows=batch_rows, progress=progress)
    fields = max(fields, len(pq.read_schema(path)))
    return Added(rows_of(path) + rows_of(delta_of(path)), fields, newest)


def compact(
    path: Path, source: SourceSpec, *, batch_rows: int, progress: Progress | None = None
) -> None:
    """Merge the delta into the base (file to file, batch by batch)."""
    delta = delta_of(path)
    if not delta.exists():
        return
    tmp = path.with_name(f"{path.name}.compacting")
    try:
        merged = merge_incremental(
            path, delta, source, None, out=tmp, batch_rows=batch_rows, progress=progress
        )
        if merged.path != path:
            merged.path.replace(path)
        delta.unlink()
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def forget_pending(path: Path) -> None:
    """The pending rows were published."""
    with contextlib.suppress(FileNotFoundError):
        pending_of(path).unlink()


def forget_all(path: Path) -> None:
    """The base was read again in full: nothing kept beside it is still news."""
    for extra in (delta_of(path), pending_of(path)):
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()
