"""The build stage of a sync, streamed: extract batches in, a published version out.

Each source's kept extract is read in batches (:mod:`pipelines.batches`); every batch is cast
and its rejects set apart (:func:`pipelines.mapping.map_batch`), gets its formula columns
(:mod:`pipelines.formula_stage`; whole-panel aggregates are computed in first passes), is
checked (:mod:`pipelines.quality_batches`) and is encoded and written by ``COPY`` while the next
batch is produced (:mod:`pipelines.loader`). Rejected rows wait in a spill file and are loaded
after the rows. ``unique`` rules ask the database about the staged table; if an error rule
fails, the staged tables are dropped and the served version stays. Memory holds a few batches,
whatever the size of the panel.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pyarrow.parquet as pq
from psycopg import sql

from connectors import SourceError
from connectors.casting import POLARS_TYPES, infer_column_type
from core.enums import ColumnType
from core.events import CheckSummary, Materialized
from core.snapshots import SnapshotRoot
from core.storage import table_names
from pipelines import publish, stage
from pipelines.batches import SourceBatches, parquet_batches
from pipelines.diff import row_hash
from pipelines.formula_stage import batch_formulas
from pipelines.loader import REJECT_COLUMNS, copy_frames, create_table, ident
from pipelines.mapping import (
    EXAMPLES,
    REJECTS_SCHEMA,
    SchemaDriftError,
    SourceStats,
    StrictPanelError,
    check_drift,
    map_batch,
)
from pipelines.progress import Progress
from pipelines.quality_batches import BatchChecks
from pipelines.rowmeta import RowMetadata
from pipelines.spec import PanelSpec


class ChecksFailed(Exception):
    """Error-severity quality rules failed; the publish was refused (already recorded)."""

    def __init__(self, message: str, checks: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.checks = checks


def readers(
    spec: PanelSpec, extract_path: Callable[[str], Path], batch_rows: int
) -> dict[str, SourceBatches]:
    out = {}
    for source in spec.sources:
        path = extract_path(source.name)
        if not path.exists():
            raise SourceError(
                f"source {source.name!r} of {spec.partition_key!r} has not been extracted yet:"
                " run the extract first"
            )
        out[source.name] = SourceBatches(source, path, batch_rows)
    return out


def drift(
    spec: PanelSpec, sources: dict[str, SourceBatches]
) -> tuple[dict[str, SourceStats], list[tuple[str, ColumnType]]]:
    """Each source's drift (from its schema); new fields' types where the policy adds them.

    A new field's type is inferred from all its values, batch by batch: a type every batch
    agrees on, else text.
    """
    columns = [c for c in spec.columns if c.mapping is not None]
    stats, added = {}, []
    for source in spec.sources:
        batches = sources[source.name]
        found = check_drift(source, batches.empty(), columns)
        stats[source.name] = found
        if source.drift == "add" and found.new_fields:
            seen: dict[str, set[ColumnType]] = {f: set() for f in found.new_fields}
            for batch in batches:
                for name in found.new_fields:
                    values = batch.get_column(name)
                    if values.null_count() < len(values):
                        seen[name].add(infer_column_type(values))
            for name, types in seen.items():
                added.append((name, types.pop() if len(types) == 1 else ColumnType.text))
    return stats, list(dict.fromkeys(added))


def mapped_batches(
    spec: PanelSpec,
    sources: dict[str, SourceBatches],
    stats: dict[str, SourceStats],
    on_rejects: Callable[[pl.DataFrame], None] | None = None,
) -> Iterator[pl.DataFrame]:
    """Every source's rows cast to the mapped columns, batch by batch, sources in order."""
    columns = [c for c in spec.columns if c.mapping is not None]
    for source in spec.sources:
        offset = 0
        for frame in sources[source.name]:
            good, bad = map_batch(source, frame, columns, offset)
            offset += frame.height
            if on_rejects is not None:
                stats[source.name].rows += frame.height
                stats[source.name].rejected += bad.height
                if bad.height:
                    on_rejects(bad)
            yield good


class RejectSpill:
    """Rejected rows, written to a local Parquet file as they come, loaded after the rows."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "rejects.parquet"
        self._writer: pq.ParquetWriter | None = None
        self.count = 0
        self.examples: list[dict[str, Any]] = []

    def add(self, rejects: pl.DataFrame) -> None:
        table = rejects.select(list(REJECTS_SCHEMA)).to_arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)
        self.count += rejects.height
        if len(self.examples) < EXAMPLES:
            self.examples += rejects.head(EXAMPLES - len(self.examples)).to_dicts()

    def batches(self, batch_rows: int) -> Iterator[pl.DataFrame]:
        if self._writer is None:
            return
        self._writer.close()
        yield from parquet_batches(self.path, batch_rows)


def _duplicates(conn: psycopg.Connection[Any], name: str) -> Callable[[str], tuple[int, list[Any]]]:
    def ask(column: str) -> tuple[int, list[Any]]:
        table, col = ident(name), sql.Identifier(column)
        repeated = sql.SQL(
            "SELECT {c} FROM {t} WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1"
        ).format(c=col, t=table)
        row = conn.execute(
            sql.SQL(
                "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {t}"
                " WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1) AS d"
            ).format(c=col, t=table)
        ).fetchone()
        count = int(row[0]) if row else 0
        if not count:
            return 0, []
        examples = conn.execute(
            sql.SQL("SELECT {c} FROM {t} WHERE {c} IN ({r}) ORDER BY _row_id LIMIT {n}").format(
                c=col, t=table, r=repeated, n=sql.Literal(EXAMPLES)
            )
        ).fetchall()
        return count, [e[0] for e in examples]

    return ask


@dataclass
class Built:
    """What the load staged, in the publish's transaction, before the switch."""

    row_count: int
    reject_count: int
    reject_examples: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    formulas: dict[str, Any]
    reads: dict[str, list[str]]  # each valid formula column -> the columns it reads
    seconds: dict[str, float]
    store: str
    changes: dict[str, Any]
    snapshot: dict[str, Any]


def load_version(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    number: int,
    sources: dict[str, SourceBatches],
    stats: dict[str, SourceStats],
    progress: Progress,
    *,
    batch_rows: int,
    engine: Any,
    target: stage.Target,
    snapshots: SnapshotRoot | None = None,
) -> Built:
    """Stage version ``number`` (its states, view and rejects) in the caller's transaction,
    and check it. ``target`` says what it builds on: nothing (a new store, every row
    loaded), or the served version (only what changed is written)."""
    seconds: dict[str, float] = {}
    now = datetime.now(UTC)
    formulas = batch_formulas(spec, engine, now)
    started = time.perf_counter()
    for number_of_pass in range(formulas.passes):
        progress.phase = f"whole-panel formulas, pass {number_of_pass + 1}"
        for batch in mapped_batches(spec, sources, stats):
            formulas.observe(batch, number_of_pass)
        formulas.end_pass(number_of_pass)
    seconds["aggregate_passes"] = publish.elapsed(started)
    schema = {c.key: POLARS_TYPES[c.type] for c in spec.columns}
    # Columns that read row metadata are added once the rows are matched (pipelines.rowmeta):
    # after the hash that decides which rows changed, which they must not feed back into.
    meta = RowMetadata.of(spec, number, formulas)
    later = meta.columns if meta is not None else frozenset()
    checks = BatchChecks(spec.rules, schema, now, unchecked=later)
    hashed = [c.key for c in spec.columns if c.key not in later]
    view, rejects_name = table_names(spec.panel_id, number)
    with tempfile.TemporaryDirectory(prefix="panels-build-") as tmp:
        spill = RejectSpill(Path(tmp))

        def rows() -> Iterator[pl.DataFrame]:
            for good in mapped_batches(spec, sources, stats, on_rejects=spill.add):
                table = formulas.evaluate(good)
                table = table.with_columns(row_hash(table, hashed))
                checks.observe(table)
                progress.read += table.height
                progress.rejected = spill.count
                yield table
                progress.written += table.height
                progress.report()

        started = time.perf_counter()
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        loaded = stage.load(
            conn, spec, number, target, rows(), Path(tmp), progress, batch_rows, snapshots, meta
        )
        seconds.update(loaded.seconds)
        started = time.perf_counter()
        create_table(conn, rejects_name, REJECT_COLUMNS)
        if target.previous_rejects:
            conn.execute(
                sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                    ident(rejects_name), ident(target.previous_rejects)
                )
            )
        copy_frames(conn, rejects_name, REJECT_COLUMNS, spill.batches(batch_rows))
        seconds["rejects"] = publish.elapsed(started)
        if spec.strict and spill.count:
            reasons = "; ".join(str(e["reason"]) for e in spill.examples)
            raise StrictPanelError(
                f"panel {spec.slug!r} is strict and {spill.count} rows could not be cast,"
                f" e.g. {reasons}"
            )
        started = time.perf_counter()
        checks.rows = loaded.row_count
        results = checks.results(_duplicates(conn, view))
        seconds["checks"] = publish.elapsed(started)
        reject_count = spill.count + target.previous_reject_count
        return Built(
            row_count=loaded.row_count,
            reject_count=reject_count,
            reject_examples=spill.examples,
            checks=results,
            formulas=formulas.stats,
            reads=formulas.dependencies,
            seconds=seconds,
            store=loaded.store,
            changes=loaded.changes,
            snapshot=loaded.snapshot,
        )


def materialized_event(
    spec: PanelSpec,
    number: int,
    run_id: str | None,
    built: Built,
    check_status: str | None,
    duration: float,
) -> Materialized:
    return {
        "panel_id": str(spec.panel_id),
        "version": number,
        "dagster_run_id": run_id,
        "row_count": built.row_count,
        "rejects": built.reject_count,
        "duration_seconds": duration,
        "check_status": check_status,
        "checks": [
            CheckSummary(
                name=c["name"],
                severity=c["severity"],
                success=c["success"],
                unexpected_count=c["unexpected_count"],
            )
            for c in built.checks
        ],
    }


__all__ = [
    "Built",
    "ChecksFailed",
    "Progress",
    "SchemaDriftError",
    "drift",
    "load_version",
    "materialized_event",
    "readers",
]
