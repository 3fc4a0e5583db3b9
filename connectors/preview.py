"""A source's first rows, read through its own connector, and the fields they show.

A preview reads what a sync would read, through the same connector, network policy and data
root, and stops as soon as it holds ``limit`` rows: the connector's sink refuses the next batch
(``_Enough``), which unwinds the connector (its files and connections are closed by its own
``finally``). A deadline bounds it too: every network or database wait is given at most the
time left, and a batch that arrives after the deadline ends the read with the rows so far.

Fields are the columns the connector produced, and for nested JSON objects (Polars structs)
their leaves as dotted paths (``address.city``), the form a column mapping's ``field`` takes.
A field's type is the panel column type a sync would give it (``infer_column_type``: the
dtype, and text holding only ISO dates or datetimes as ``date``/``datetime``).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from connectors import connector_for
from connectors.casting import infer_column_type
from connectors.sink import ParquetSink
from connectors.spec import SourceSpec
from connectors.transform import apply_transform
from core.enums import ColumnType
from core.errors import SourceError
from core.netguard import NetworkPolicy

SAMPLE_ROWS = 50
EXAMPLES = 3
MAX_LIMIT = 10_000
KEY_LENGTH = 63


@dataclass(frozen=True)
class PreviewField:
    name: str  # a column mapping's field: a top-level name or a dotted path into a JSON object
    type: ColumnType
    nulls: int
    examples: list[Any]


@dataclass(frozen=True)
class Preview:
    fields: list[PreviewField]
    rows: list[dict[str, Any]]  # the first rows, JSON values (dates as ISO text)
    rows_read: int
    complete: bool  # the source held no more rows than were read
    timed_out: bool = False
    elapsed_ms: float = 0.0
    notes: list[str] = field(default_factory=list)


class _Enough(Exception):
    """The preview holds its rows: stop reading."""


class _Sink(ParquetSink):
    """Holds frames in memory up to ``limit`` rows, then stops the connector."""

    def __init__(self, scratch: Path, *, limit: int, deadline: float) -> None:
        super().__init__(scratch / "preview.parquet", batch_rows=max(limit, 1))
        self.limit, self.deadline = limit, deadline
        self.frames: list[pl.DataFrame] = []
        self.held = 0
        self.schema: pl.Schema | None = None
        self.timed_out = False

    def declare(self, schema: pl.Schema) -> None:
        self.schema = schema

    def write(self, frame: pl.DataFrame) -> None:
        if frame.width == 0:
            return
        take = frame.head(self.limit - self.held)
        self.frames.append(take)
        self.held += take.height
        if frame.height > take.height or self.held >= self.limit:
            raise _Enough
        if time.monotonic() > self.deadline:
            self.timed_out = True
            raise _Enough

    def restart(self) -> None:
        self.frames, self.held = [], 0

    def abort(self) -> None:
        self.frames = []

    def frame(self) -> pl.DataFrame:
        if self.frames:
            return pl.concat(self.frames, how="diagonal_relaxed")
        return pl.DataFrame(schema=self.schema or pl.Schema())


def _bounded(source: SourceSpec, seconds: float) -> SourceSpec:
    """The source with every wait it configures bounded by ``seconds`` and no retries."""
    config = dict(source.config)
    for key, default in (("timeout", 30.0), ("timeout_seconds", 300.0)):
        config[key] = max(0.1, min(float(config.get(key, default)), seconds))
    config["retries"] = 0
    return replace(source, config=config)


def _leaves(name: str, series: pl.Series) -> list[tuple[str, pl.Series]]:
    if isinstance(series.dtype, pl.Struct):
        out: list[tuple[str, pl.Series]] = []
        for child in series.struct.unnest().iter_columns():
            out.extend(_leaves(f"{name}.{child.name}", child))
        return out
    return [(name, series)]


def _examples(series: pl.Series) -> list[Any]:
    values = series.drop_nulls().unique(maintain_order=True).head(EXAMPLES)
    if values.dtype.is_temporal() or isinstance(values.dtype, pl.Decimal):
        values = values.cast(pl.String)
    elif isinstance(values.dtype, (pl.List, pl.Array, pl.Struct, pl.Binary)):
        return [json.loads(json.dumps(v, default=str)) for v in values.to_list()]
    return values.to_list()


def describe(frame: pl.DataFrame) -> list[PreviewField]:
    """Every field of ``frame`` (nested objects' leaves as dotted paths), typed as a sync would."""
    fields = []
    for column in frame.iter_columns():
        for name, series in _leaves(column.name, column):
            kind = infer_column_type(series) if series.dtype != pl.Null else ColumnType.text
            fields.append(PreviewField(name, kind, series.null_count(), _examples(series)))
    return fields


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    if frame.is_empty():
        return []
    rows: list[dict[str, Any]] = json.loads(frame.head(SAMPLE_ROWS).write_json())
    return rows


def preview(
    source: SourceSpec,
    *,
    data_root: Path,
    policy: NetworkPolicy,
    limit: int = 1_000,
    timeout: float = 10.0,
) -> Preview:
    """Read at most ``limit`` rows of ``source`` within about ``timeout`` seconds."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    started = time.monotonic()
    read = connector_for(source)
    with tempfile.TemporaryDirectory(prefix="panels-preview-") as scratch:
        sink = _Sink(Path(scratch), limit=limit, deadline=started + timeout)
        complete = True
        try:
            read(
                _bounded(source, timeout),
                sink,
                data_root=data_root,
                cursor=None,
                policy=policy,
            )
        except _Enough:
            complete = False
        frame = sink.frame()
    notes, rows = [], frame.height
    if sink.timed_out:
        notes.append(f"stopped after {timeout:g} s with {frame.height} rows")
    if source.config.get("transform"):
        frame = apply_transform(frame, source)
        notes.append(f"the transform ran over these {rows} rows only")
    return Preview(
        fields=describe(frame),
        rows=_rows(frame),
        rows_read=rows,
        complete=complete,
        timed_out=sink.timed_out,
        elapsed_ms=round((time.monotonic() - started) * 1000, 1),
        notes=notes,
    )


_UNSAFE = re.compile(r"[^a-z0-9_]+")


def safe_key(name: str, taken: set[str]) -> str:
    """A column key for the field ``name``: lower case, ``[a-z0-9_]``, unique among ``taken``."""
    key = _UNSAFE.sub("_", name.strip().lower()).strip("_") or "field"
    if not (key[0].isalpha() or key[0] == "_"):
        key = f"f_{key}"
    key = key[:KEY_LENGTH]
    candidate, n = key, 2
    while candidate in taken:
        suffix = f"_{n}"
        candidate, n = key[: KEY_LENGTH - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


__all__ = ["Preview", "PreviewField", "SourceError", "describe", "preview", "safe_key"]
