"""Where a connector puts its rows: one Parquet file, written in row groups as they arrive.

A connector hands frames of any size to a ``ParquetSink``; it keeps at most ``batch_rows`` rows
in memory and writes each full row group at once, so an extract holds one batch of a source,
never the whole of it. Every row group but the last has exactly ``batch_rows`` rows.

The file has one schema. A frame whose columns fit the schema so far (missing fields, null
columns, a narrower type) is cast to it; a frame that widens it (a new field, an integer field
that turns text...) starts a new part file with the wider schema, and ``close`` rewrites the
parts into one file of the widest schema, batch by batch: the supertypes are Polars' relaxed
ones, as when all the rows are read into one frame.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Extracted:
    """What a connector wrote: the file, its rows and its fields (top-level columns)."""

    path: Path
    rows: int
    fields: int


def unify(schema: pl.Schema, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the columns and types of ``frame`` and ``schema`` together (relaxed)."""
    return pl.concat([pl.DataFrame(schema=schema), frame], how="diagonal_relaxed")


# Min/max statistics are written for these. Not for floats: writers leave NaN out of them, and
# DuckDB (2.0) then takes a row group of 0.0 and NaN for all 0.0 (`x = 0` matched NaN rows).
PRIMITIVE = (pa.types.is_integer, pa.types.is_temporal, pa.types.is_boolean)
# A column is dictionary-encoded when its first rows have fewer distinct values than this
# share of them: a dictionary tried on every value of a text column that has none to share
# costs more than its pages save.
DICTIONARY_SHARE = 10
DICTIONARY_SAMPLE = 8_192  # the first rows that decide it


def _writer(path: Path, first: pl.DataFrame) -> pq.ParquetWriter:
    """A Parquet writer for frames like ``first``, set up for writing fast: min/max statistics
    for integers, times and booleans only (text statistics cost a third of the write and nothing
    here reads them), dictionaries for the columns whose first rows repeat (the others'
    dictionaries cost half the write). Both together write about twice as fast, as small."""
    schema = first.head(0).to_arrow(compat_level=pl.CompatLevel.newest()).schema
    statistics = [f.name for f in schema if any(test(f.type) for test in PRIMITIVE)]
    flat = statistics + [f.name for f in schema if _is_text(f.type)]
    sample = first.head(DICTIONARY_SAMPLE)
    repeated = []
    if sample.height and flat:  # no rows (an empty file): nothing to decide on
        distinct = sample.select(pl.col(flat).n_unique()).row(0)
        repeated = [
            n for n, d in zip(flat, distinct, strict=True) if d * DICTIONARY_SHARE < sample.height
        ]
    return pq.ParquetWriter(
        path, schema, write_statistics=statistics, use_dictionary=repeated or False
    )


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


class _RowGroups:
    """One Parquet file of one schema, written in row groups of exactly ``batch_rows``.

    A row group is encoded and written on a writer thread while the connector reads the next
    one (pyarrow releases the GIL): at most one group is in flight besides the rows pending."""

    def __init__(
        self, path: Path, schema: pl.Schema, batch_rows: int, on_group: Callable[[], None]
    ) -> None:
        self.path, self.schema, self.batch_rows = path, schema, batch_rows
        self._on_group = on_group
        self.rows = 0
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = None  # made with the first row group
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")
        self._inflight: Future[None] | None = None

    def write(self, frame: pl.DataFrame) -> None:
        """Buffer ``frame`` (of this schema), writing every row group it fills."""
        self._pending.append(frame)
        self._pending_rows += frame.height
        while self._pending_rows >= self.batch_rows:
            self._flush(self.batch_rows)

    def _wait(self) -> None:
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            inflight.result()

    def _flush(self, rows: int) -> None:
        pending = pl.concat(self._pending, how="vertical") if len(self._pending) > 1 else None
        pending = pending if pending is not None else self._pending[0]
        group, rest = pending.head(rows), pending.slice(rows)
        table = group.to_arrow(compat_level=pl.CompatLevel.newest())
        self._wait()
        if self._writer is None:
            self._writer = _writer(self.path, group)
        self._inflight = self._pool.submit(self._writer.write_table, table, row_group_size=rows)
        self.rows += group.height
        self._pending = [rest] if rest.height else []
        self._pending_rows = rest.height
        self._on_group()

    def close(self) -> None:
        """Write what is left (a last, shorter row group)."""
        try:
            if self._pending_rows:
                self._flush(self._pending_rows)
            self._wait()
        finally:
            self._pool.shutdown()
        if self._writer is None:
            self._writer = _writer(self.path, pl.DataFrame(schema=self.schema))
        self._writer.close()

    def abort(self) -> None:
        """Stop writing (the file is then removed)."""
        with contextlib.suppress(Exception):
            self._wait()
        self._pool.shutdown()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()


class ParquetSink:
    """Rows in, one Parquet file out (see the module docstring)."""

    def __init__(self, path: Path, *, batch_rows: int, progress: Progress | None = None) -> None:
        if batch_rows < 1:
            raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
        self.path, self.batch_rows = path, batch_rows
        self._progress = progress or (lambda _rows: None)
        self._declared: pl.Schema | None = None
        self._parts: list[_RowGroups] = []
        self._written = 0

    @property
    def rows(self) -> int:
        return self._written

    def scratch(self, name: str) -> Path:
        """A scratch file beside the output (a download, ...); the caller removes it."""
        return self.path.with_name(f"{self.path.name}.{name}")

    def declare(self, schema: pl.Schema) -> None:
        """The columns the source has, for a file with no rows at all."""
        self._declared = schema

    def write(self, frame: pl.DataFrame) -> None:
        if frame.width == 0:
            return
        current = self._parts[-1] if self._parts else None
        if current is not None and frame.schema != current.schema:
            frame = unify(current.schema, frame)
            if frame.schema != current.schema:  # wider: the parts are rewritten at close
                current.close()
                current = None
        if current is None:
            part = self.path.with_name(f"{self.path.name}.part{len(self._parts)}")
            current = _RowGroups(part, frame.schema, self.batch_rows, self._report)
            self._parts.append(current)
        current.write(frame)

    def _report(self) -> None:
        self._written = sum(p.rows for p in self._parts)
        self._progress(self._written)

    def restart(self) -> None:
        """Forget everything written so far (a connector reading its source again)."""
        self.abort()
        self._parts, self._written = [], 0

    def abort(self) -> None:
        for part in self._parts:
            part.abort()
            part.path.unlink(missing_ok=True)

    def close(self) -> Extracted:
        """Finish the file at ``path`` (replacing it) and say what it holds."""
        if not self._parts:
            schema = self._declared or pl.Schema()
            pq.write_table(pl.DataFrame(schema=schema).to_arrow(), self.path)
            return Extracted(self.path, 0, len(schema))
        last = self._parts[-1]
        last.close()
        if len(self._parts) == 1:
            last.path.replace(self.path)
            return Extracted(self.path, last.rows, len(last.schema))
        return self._rewrite_parts(last.schema)

    def _rewrite_parts(self, schema: pl.Schema) -> Extracted:
        out = _RowGroups(self.path, schema, self.batch_rows, lambda: None)
        try:
            for part in self._parts:
                with pq.ParquetFile(part.path, pre_buffer=False) as file:
                    for batch in file.iter_batches(batch_size=self.batch_rows):
                        frame = pl.from_arrow(batch)
                        assert isinstance(frame, pl.DataFrame)
                        out.write(frame if frame.schema == schema else unify(schema, frame))
            out.close()
        finally:
            for part in self._parts:
                part.path.unlink(missing_ok=True)
        return Extracted(self.path, out.rows, len(schema))
