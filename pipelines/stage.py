"""Writing a version's rows: a new store with every row, or only what changed.

- **A new store** (the first version, a changed layout, a rollback, most rows changed): every
  row is loaded with ``COPY FREEZE`` into a store created in the publish's transaction, and
  its indexes are built after the load (:mod:`pipelines.loader`). Rows keep the identity they
  had in the served version when there is one.
- **Building on the served version**: the built rows are staged locally and compared with the
  served ones (:mod:`pipelines.diff`); only changed rows are copied into the store, and the
  states they replace (and deleted rows') are closed with ``_to = N``.

Both run in the caller's transaction, which also switches the served version: a failure or a
kill leaves the store as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from connectors.casting import POLARS_TYPES
from core.errors import SourceError
from core.snapshots import SnapshotRoot
from core.storage import store_name, table_names
from formulas.checker import row_local
from pipelines.diff import Diff, Staged, every_identity, export, export_served
from pipelines.loader import copy_frames, create_table, ident
from pipelines.progress import Progress
from pipelines.publish import elapsed
from pipelines.rowmeta import RowMetadata
from pipelines.snapshot import SegmentWriter
from pipelines.spec import PanelSpec
from pipelines.store import (
    OPEN,
    Head,
    build_indexes,
    create_view,
    fingerprint,
    key_columns,
    next_row_id,
    store_columns,
)

CLOSE_CHUNK = 50_000
# Rules an incremental publish can answer from the changed rows and the served version.
DELTA_RULES = {"not_null", "between", "in_set", "matches_regex", "length_between", "unique"}
DELTA_RULES |= {"row_count_between"}


@dataclass(frozen=True)
class Target:
    """What a version is built on: ``head`` (the served version, None for a new store), and
    whether the rows are the changed source rows only (an incremental read) or all of them."""

    head: Head | None = None
    delta: bool = False
    conninfo: str = ""
    previous_rejects: str | None = None  # an incremental read keeps the served rejects

    @property
    def previous_reject_count(self) -> int:
        return self.head.reject_count if self.delta and self.head is not None else 0


@dataclass
class Loaded:
    row_count: int
    store: str
    changes: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    snapshot: dict[str, Any] = field(default_factory=dict)  # the segment written, if any


def delta_ready(spec: PanelSpec, head: Head | None) -> bool:
    """Whether the changed rows of an incremental read are enough to publish the next
    version: the served version is the store's newest, nothing that decides a row's values
    changed, the panel has a key, and no formula or rule needs the panel's other rows."""
    if head is None or not head.extends(spec) or head.fingerprint != fingerprint(spec):
        return False
    if len(spec.sources) != 1 or not key_columns(spec):
        return False
    (source,) = spec.sources
    if source.incremental is None or source.config.get("transform"):
        return False
    if any(c.formula is not None and not row_local(c.formula) for c in spec.columns):
        return False
    return all(r.kind in DELTA_RULES for r in spec.rules)


def comparable(spec: PanelSpec, head: Head | None) -> bool:
    """Whether the served version's rows can be matched with the new ones (else the version
    starts a new store with new identities): it has a store, and the same key."""
    if head is None or head.store is None or head.layout is None:
        return False
    return bool(head.layout.get("key") == key_columns(spec))


def load(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    number: int,
    target: Target,
    rows: Iterable[pl.DataFrame],
    tmp: Path,
    progress: Progress,
    batch_rows: int,
    snapshots: SnapshotRoot | None = None,
    meta: RowMetadata | None = None,
) -> Loaded:
    """Write version ``number``'s states; with ``snapshots`` (the snapshot root), its
    segment of the store's columnar snapshot too (:mod:`pipelines.snapshot`). ``meta``: the
    formula columns that read row metadata, added once each written row has its identity
    (:mod:`pipelines.rowmeta`)."""
    segments = _Segments(snapshots, spec, number, batch_rows, tmp)
    try:
        if target.head is None or target.head.store is None:
            numbered = _numbered(rows, number)
            if meta is not None:
                meta.prepare(conn, [number])
                numbered = map(meta.evaluate, numbered)
            loaded = _new_store(conn, spec, number, numbered, progress, segments)
        else:
            loaded = _against(conn, spec, number, target, rows, tmp, progress, segments, meta)
        loaded.snapshot = segments.finish()
        if loaded.snapshot:
            loaded.seconds["snapshot"] = loaded.snapshot["seconds"]
        return loaded
    except BaseException:
        segments.abort()
        raise


class _Segments:
    """The segment a publish writes, once it knows its store (none without a root)."""

    def __init__(
        self,
        root: SnapshotRoot | None,
        spec: PanelSpec,
        number: int,
        batch_rows: int,
        scratch: Path,
    ) -> None:
        self.root, self.spec, self.number, self.batch_rows = root, spec, number, batch_rows
        self.scratch = scratch
        self.writer: SegmentWriter | None = None
        self.columns = [c.key for c in spec.columns]
        self.seconds = 0.0

    def open(self, store: str) -> SegmentWriter | None:
        if self.root is None:
            return None
        self.writer = SegmentWriter(
            self.root,
            self.spec.panel_id,
            store,
            self.number,
            batch_rows=self.batch_rows,
            scratch=self.scratch,
        )
        self.writer.declare({c.key: POLARS_TYPES[c.type] for c in self.spec.columns})
        return self.writer

    def add(self, frame: pl.DataFrame) -> None:
        if self.writer is not None:
            started = time.perf_counter()
            self.writer.add(frame, self.columns)
            self.seconds += time.perf_counter() - started

    def close_ids(self, ids: pl.Series) -> None:
        if self.writer is not None:
            self.writer.close_ids(ids)

    def finish(self) -> dict[str, Any]:
        if self.writer is None:
            return {}
        started = time.perf_counter()
        size = self.writer.finish()
        seconds = round(self.seconds + time.perf_counter() - started, 3)
        return {"bytes": size, "seconds": seconds}

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()


def _numbered(rows: Iterable[pl.DataFrame], number: int) -> Iterator[pl.DataFrame]:
    next_id = 1
    for table in rows:
        yield table.with_columns(
            pl.int_range(next_id, next_id + table.height, dtype=pl.Int64).alias("_row_id"),
            pl.lit(number, pl.Int64).alias("_created"),
            pl.lit(number, pl.Int64).alias("_changed"),
        )
        next_id += table.height


def _new_store(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    number: int,
    rows: Iterable[pl.DataFrame],
    progress: Progress,
    segments: _Segments,
    changes: dict[str, Any] | None = None,
) -> Loaded:
    store = store_name(spec.panel_id, number)
    columns = store_columns(spec)
    count = 0
    segments.open(store)

    def opened() -> Iterator[pl.DataFrame]:
        nonlocal count
        for table in rows:
            count += table.height
            frame = table.with_columns(
                pl.lit(number, pl.Int64).alias("_from"), pl.lit(OPEN, pl.Int64).alias("_to")
            )
            segments.add(frame)
            yield frame

    seconds: dict[str, float] = {}
    progress.phase = f"loading version {number}"
    started = time.perf_counter()
    create_table(conn, store, columns)
    copy_frames(conn, store, columns, opened())
    seconds["copy"] = elapsed(started)
    progress.phase = f"indexing version {number}"
    progress.report(force=True)
    started = time.perf_counter()
    build_indexes(conn, spec, store)
    create_view(conn, spec, store, number)
    conn.execute(sql.SQL("ANALYZE {}").format(ident(store)))
    seconds["indexes"] = elapsed(started)
    summary = changes or {"inserted": count, "updated": 0, "deleted": 0, "unchanged": 0}
    return Loaded(count, store, {"store": "new", **summary}, seconds)


def _identified(
    frames: Iterator[pl.DataFrame], number: int, next_id: int
) -> Iterator[pl.DataFrame]:
    """Built rows with their identity: the served row's, or a new ``_row_id``."""
    for frame in frames:
        new = pl.col("_old_id").is_null()
        unchanged = pl.col("_old_hash") == pl.col("_hash")
        yield frame.with_columns(
            pl.when(new)
            .then(pl.lit(next_id, pl.Int64) + new.cast(pl.Int64).cum_sum() - 1)
            .otherwise(pl.col("_old_id"))
            .alias("_row_id"),
            pl.coalesce(pl.col("_old_created"), pl.lit(number, pl.Int64)).alias("_created"),
            pl.when(unchanged.fill_null(False))
            .then(pl.col("_old_changed"))
            .otherwise(pl.lit(number, pl.Int64))
            .alias("_changed"),
        )
        next_id += int(frame.get_column("_old_id").null_count())


def _against(
    conn: psycopg.Connection[Any],
    spec: PanelSpec,
    number: int,
    target: Target,
    rows: Iterable[pl.DataFrame],
    tmp: Path,
    progress: Progress,
    segments: _Segments,
    meta: RowMetadata | None = None,
) -> Loaded:
    batch_rows = segments.batch_rows
    head = target.head
    assert head is not None
    assert head.store is not None
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    progress.phase = f"comparing with version {head.number}"
    keys = key_columns(spec)
    served = tmp / "served.parquet"
    staged = Staged(tmp / "built")
    carried = meta.carried(head) if meta is not None else {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export") as pool:
        exporting: Future[int] | None = None
        if not target.delta:  # every served row: exported on a thread while the rows build
            view, _ = table_names(spec.panel_id, head.number)
            statement = every_identity(conn, view, keys, carried)
            exporting = pool.submit(export, target.conninfo, [statement], served)
        for table in rows:
            staged.add(table)
        empty = {c.key: POLARS_TYPES[c.type] for c in spec.columns}
        staged.close(pl.DataFrame(schema={**empty, "_source": pl.String, "_hash": pl.Int64}))
        seconds["build"] = elapsed(started)
        started = time.perf_counter()
        if exporting is not None:
            exporting.result()
        else:  # the served rows with the changed rows' keys, through the key index
            only = pl.read_parquet(staged.path, columns=keys)
            types = {c.key: c.type for c in spec.columns}
            export_served(conn, head.store, keys, served, only, types, carried)
    seconds["export"] = elapsed(started)  # beyond the build, when it ran beside it
    started = time.perf_counter()
    deletes = not target.delta
    with Diff(staged.path, served, keys, deletes=deletes, spill=tmp, carried=list(carried)) as diff:
        repeated, examples = diff.duplicate_keys()
        if repeated:
            raise SourceError(
                f"panel {spec.slug!r}: {repeated} rows share their key ({', '.join(keys)})"
                f" with another row, e.g. {examples}: a key must name one row"
            )
        counts = diff.prepare()
        summary = vars(counts).copy()
        seconds["compare"] = elapsed(started)
        row_count = head.row_count + counts.inserted - counts.deleted
        if not target.delta:
            row_count = staged.rows
        extend = head.extends(spec) and (target.delta or counts.changed * 2 <= row_count)
        if meta is not None:
            # A row-metadata column that reads NOW() or other rows may move on a row that did
            # not change: every row is written again (its identity and times kept).
            extend = extend and not meta.volatile
            meta.prepare(conn, diff.versions(changed_only=extend))
        if not extend:
            next_id = next_row_id(conn, head.store)
            rows_with_ids = _identified(diff.rows(batch_rows, changed_only=False), number, next_id)
            if meta is not None:
                rows_with_ids = map(meta.evaluate, rows_with_ids)
            loaded = _new_store(conn, spec, number, rows_with_ids, progress, segments, summary)
            loaded.seconds = {**seconds, **loaded.seconds}
            return loaded
        progress.phase = f"writing the changes of version {number}"
        started = time.perf_counter()
        close = sql.SQL("UPDATE {} SET _to = %s WHERE _row_id = ANY(%s) AND _to = %s").format(
            ident(head.store)
        )
        segments.open(head.store)
        for ids in diff.closed(CLOSE_CHUNK):
            conn.execute(close, (number, ids.get_column("_row_id").to_list(), OPEN))
            segments.close_ids(ids.get_column("_row_id"))
        next_id = next_row_id(conn, head.store)
        changed = _identified(diff.rows(batch_rows, changed_only=True), number, next_id)
        if meta is not None:
            changed = map(meta.evaluate, changed)

        def opened() -> Iterator[pl.DataFrame]:
            for f in changed:
                frame = f.with_columns(
                    pl.lit(number, pl.Int64).alias("_from"), pl.lit(OPEN, pl.Int64).alias("_to")
                )
                segments.add(frame)
                yield frame

        copy_frames(conn, head.store, store_columns(spec), opened(), freeze=False)
        create_view(conn, spec, head.store, number)
        seconds["copy"] = elapsed(started)
    return Loaded(row_count, head.store, {"store": "extended", **summary}, seconds)
