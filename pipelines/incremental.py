"""An incremental source's new rows merged into its kept extract, file to file, batch by batch.

The kept extract is never read whole: its batches stream into the merged file, less the rows
whose key the new rows carry; then the new rows follow, the last of each key. What is held at
once is one batch, one flag per new row (DuckDB finds the rows a later row of the same key
replaces, out of core) and, when there are kept rows, the new rows' distinct keys: not the
table. A first read whose keys are all distinct is copied as it was written.
"""
# ruff: noqa: S608 (DuckDB statements: quoted field names, server-made paths)

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow.parquet as pq

from connectors.sink import Extracted, ParquetSink, Progress, unify
from connectors.spec import SourceSpec
from core.errors import SourceError
from pipelines import cursors
from pipelines.batches import parquet_batches as batches
from pipelines.batches import schema_of
from pipelines.diff import MEMORY, quoted_path

IN_MEMORY = 250_000  # rows whose keys are deduplicated in memory (a few MB of keys)


@dataclass(frozen=True)
class Merged:
    """The extract to keep: its file (the kept one when nothing was new), rows and fields."""

    path: Path
    rows: int
    fields: int
    cursor: object  # the newest value of the cursor field, or the cursor it started from


def _column(path: Path, name: str, rows: int) -> Iterator[pl.Series]:
    return (frame.get_column(name) for frame in batches(path, rows, [name]))


def latest(path: Path, name: str, rows: int) -> object:
    """The newest value of column ``name`` (for ISO text: the text of the newest instant)."""
    instants = cursors.all_instants(_column(path, name, rows))
    return cursors.latest_of(_column(path, name, rows), instants=instants)


def _filtered(new: Path, source: SourceSpec, cursor: object, out: Path, rows: int) -> Path:
    """The new rows at or after ``cursor``, in a file beside ``out``."""
    field = str((source.incremental or {}).get("cursor_field", ""))
    instants = cursors.all_instants(_column(new, field, rows))
    sink = ParquetSink(out.with_name(f"{out.name}.filtered"), batch_rows=rows)
    sink.declare(schema_of(new))
    try:
        for frame in batches(new, rows):
            mask = cursors.at_or_after(frame.get_column(field), cursor, instants=instants)
            sink.write(frame.filter(mask))
        return sink.close().path
    except BaseException:
        sink.abort()
        raise


def merge_incremental(
    previous: Path | None,
    new: Path,
    source: SourceSpec,
    cursor: object,
    *,
    out: Path,
    batch_rows: int,
    progress: Progress | None = None,
    newest: bool = True,
) -> Merged:
    """Rows at or after the cursor, upserted on the key into what was extracted before.

    ``>=`` keeps rows that share the last cursor value (a later row may carry the same
    timestamp); the key dedupes them, the newest extract winning. The merged rows are written
    to ``out``, unless nothing is new: then the kept extract ``previous`` stays as it is.
    Without ``newest``, the cursor is not looked for in the merged rows (it is returned as
    given): a caller that merges rows it already took the cursor from skips that read.
    """
    sync = source.incremental or {}
    cursor_field = str(sync.get("cursor_field", ""))
    keys = [str(k) for k in sync.get("key") or []]
    fetched = pq.ParquetFile(new).metadata.num_rows
    if fetched == 0 and previous is not None:
        # Nothing changed since the cursor (an API may answer with no fields at all).
        kept = pq.ParquetFile(previous).metadata
        found = cursor
        if newest and kept.num_rows:
            found = latest(previous, cursor_field, batch_rows)
        return Merged(previous, kept.num_rows, len(schema_of(previous)), found)
    columns = schema_of(new)
    if cursor_field not in columns:
        raise SourceError(
            f"source {source.name!r}: cursor field {cursor_field!r} is not in the data"
        )
    missing = [k for k in keys if k not in columns]
    if missing:
        raise SourceError(f"source {source.name!r}: key fields {missing} are not in the data")
    rows = new
    if cursor is not None and fetched:
        rows = _filtered(new, source, cursor, out, batch_rows)
    try:
        merged = _merge(previous, rows, keys, out, batch_rows, progress)
    finally:
        if rows != new:
            rows.unlink(missing_ok=True)
    found = latest(out, cursor_field, batch_rows) if newest and merged.rows else cursor
    return Merged(out, merged.rows, merged.fields, found)


def _last_of_each_key(path: Path, keys: list[str]) -> np.ndarray:
    """One flag per row of ``path``: whether it is the last row of its key (nulls equal).

    Up to ``IN_MEMORY`` rows (an incremental read's usual size), their keys are compared in
    memory. Beyond, out of core: DuckDB groups the keys within ``MEMORY``, spilling beside
    ``path``; only the flags (a byte a row) and the rows a later row replaces are held."""
    rows = pq.ParquetFile(path).metadata.num_rows
    if rows <= IN_MEMORY:
        keyed = pl.read_parquet(path, columns=keys)
        return keyed.select(pl.struct(keys).is_last_distinct()).to_series().to_numpy()
    flags = np.ones(rows, dtype=bool)
    quoted = ['"' + k.replace('"', '""') + '"' for k in keys]  # source field names
    listed = ", ".join(quoted)
    same = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in quoted)
    source = f"read_parquet('{quoted_path(path)}', file_row_number = true)"
    spill = path.with_name(f"{path.name}.spill")
    try:
        with duckdb.connect(
            config={"memory_limit": MEMORY, "temp_directory": str(spill), "threads": 2}
        ) as conn:
            replaced = conn.execute(
                f"SELECT t.file_row_number FROM {source} t JOIN (SELECT {listed},"
                f" max(file_row_number) AS last FROM {source} GROUP BY ALL"
                f" HAVING count(*) > 1) d ON {same} WHERE t.file_row_number < d.last"
            ).fetchnumpy()["file_row_number"]
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    flags[replaced.astype(np.int64)] = False
    return flags


def _keys_of(path: Path, keys: list[str]) -> pl.DataFrame:
    """The distinct keys of ``path``."""
    return pl.scan_parquet(path).select(keys).unique().collect()


def _merge(
    previous: Path | None,
    new: Path,
    keys: list[str],
    out: Path,
    rows: int,
    progress: Progress | None,
) -> Extracted:
    new_schema = schema_of(new)
    kept_rows = pq.ParquetFile(previous).metadata.num_rows if previous is not None else 0
    schema = new_schema
    if previous is not None and kept_rows:
        schema = unify(schema_of(previous), pl.DataFrame(schema=new_schema)).schema
    flags = _last_of_each_key(new, keys) if keys else None
    if not kept_rows and (flags is None or bool(flags.all())):
        # Nothing to merge into and no key twice: the new file is the merged one, as written
        # (a copy: ``new`` may be merged elsewhere too).
        shutil.copyfile(new, out)
        return Extracted(out, pq.ParquetFile(out).metadata.num_rows, len(new_schema))
    sink = ParquetSink(out, batch_rows=rows, progress=progress)
    sink.declare(schema)
    try:
        if previous is not None and kept_rows:
            replaced = None
            if keys:
                replaced = _keys_of(new, keys).cast({k: schema[k] for k in keys})
            for batch in batches(previous, rows):
                kept = batch if batch.schema == schema else unify(schema, batch)
                if replaced is not None:
                    kept = kept.join(
                        replaced, on=keys, how="anti", nulls_equal=True, maintain_order="left"
                    )
                sink.write(kept)
        offset = 0
        for batch in batches(new, rows):
            last = batch
            if flags is not None:
                last = batch.filter(pl.Series(flags[offset : offset + batch.height]))
            offset += batch.height
            sink.write(last if last.schema == schema else unify(schema, last))
        return sink.close()
    except BaseException:
        sink.abort()
        raise
