"""Columnar snapshots of published versions, written during the publish from its batches.

A store's snapshot mirrors the store (:mod:`pipelines.store`): one *segment* per version,
in ``<snapshot root>/<panel>/<store>/`` (:class:`core.snapshots.SnapshotRoot`):

- ``v<N>.parquet``: the row states version N opened (``_row_id``, ``_created``, ``_changed``,
  ``_from`` and the panel's columns): every row for the version that made the store, only the
  changed rows for a version that extended it;
- ``v<N>.closed.parquet``: the states it closed (``_row_id``, ``_to = N``).

Version N reads the states opened by its store's versions up to N that no version up to N
closed: a publish writes what it changed here too. Segments are written beside the load and
put in place before the publish commits; a load that fails removes what it staged. Files a
version that failed later (its checks, its commit, a kill) left are never read (readers take
only committed versions' segments) and go with their store's folder.

A *base* (:func:`write_base`) holds every state one version reads, exported from PostgreSQL:
written in the background (:mod:`pipelines.snapshot_keeper`) for a served version whose
segments are missing, and to compact a store many versions extended. Readers take the newest
base they can complete with later segments (:meth:`core.snapshots.SnapshotRoot.chain`).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import polars as pl
from adbc_driver_postgresql import dbapi
from psycopg import sql

from connectors.sink import ParquetSink
from core.enums import ColumnType
from core.snapshots import SnapshotRoot
from core.storage import DATA_SCHEMA, base_file, segment_files
from formulas.types import COLUMN_DTYPES

IDENTITY = ["_row_id", "_created", "_changed", "_from"]


class SegmentWriter:
    """Version ``number``'s segment of ``store``'s snapshot, written in ``staging`` (the
    store's folder on a local root, else a local scratch folder) and put in place by
    :meth:`finish`."""

    def __init__(
        self,
        root: SnapshotRoot,
        panel_id: uuid.UUID,
        store: str,
        number: int,
        *,
        batch_rows: int,
        scratch: Path,
    ) -> None:
        self.root, self.panel_id, self.store = root, panel_id, store
        self.number = number
        staging = root.staging(panel_id, store, scratch)
        self.names = segment_files(number)
        self._opened = ParquetSink(staging / f"{self.names[0]}.writing", batch_rows=batch_rows)
        self._closed = ParquetSink(staging / f"{self.names[1]}.writing", batch_rows=batch_rows)
        self._closed.declare(pl.Schema({"_row_id": pl.Int64, "_to": pl.Int64}))

    def declare(self, columns: dict[str, Any]) -> None:
        """The panel's columns (their Polars types), for a segment with no rows."""
        identity: dict[str, Any] = dict.fromkeys(IDENTITY, pl.Int64)
        self._opened.declare(pl.Schema({**identity, **columns}))

    def add(self, frame: pl.DataFrame, columns: list[str]) -> None:
        """States this version opened (frames with the store's columns)."""
        self._opened.write(frame.select(*IDENTITY, *columns))

    def close_ids(self, ids: pl.Series) -> None:
        """Identities of the states this version closed."""
        self._closed.write(
            pl.DataFrame({"_row_id": ids.cast(pl.Int64)}).with_columns(
                pl.lit(self.number, pl.Int64).alias("_to")
            )
        )

    def finish(self) -> int:
        """Close the files and put them in place; returns their bytes."""
        size = 0
        for sink, name in zip((self._opened, self._closed), self.names, strict=True):
            written = sink.close().path
            size += self.root.put(written, self.panel_id, self.store, name)
        return size

    def abort(self) -> None:
        """Remove what was written (a failed publish): files put in place stay unread (only
        committed versions' segments are read) and go with their store's folder."""
        for sink in (self._opened, self._closed):
            sink.abort()
            sink.path.unlink(missing_ok=True)


def prune(root: SnapshotRoot, panel_id: uuid.UUID, kept: set[str]) -> None:
    """Remove the snapshots of the panel's stores that are not ``kept`` (dropped by
    retention, or made by a publish that failed)."""
    for store in root.stores(panel_id):
        if store not in kept:
            root.remove(panel_id, store)


def write_base(
    conninfo: str,
    root: SnapshotRoot,
    panel_id: uuid.UUID,
    store: str,
    number: int,
    columns: list[tuple[str, ColumnType]],
    *,
    batch_rows: int,
    scratch: Path,
) -> dict[str, int]:
    """Every state version ``number`` of ``store`` reads, from PostgreSQL into the store's
    base file for that version (through ADBC: Arrow batches, typed as the publish types its
    segments). Written beside and renamed into place: a reader sees all of it or nothing.
    Returns its rows and bytes."""
    name = base_file(number)
    staging = root.staging(panel_id, store, scratch)
    types: dict[str, pl.DataType] = dict.fromkeys(IDENTITY, pl.Int64())
    types.update((k, COLUMN_DTYPES[t]) for k, t in columns)
    schema = pl.Schema(types)
    listed = [sql.Identifier(c) for c in IDENTITY] + [
        sql.SQL("{}::text" if t is ColumnType.json else "{}").format(sql.Identifier(k))
        for k, t in columns
    ]
    text = (
        sql.SQL("SELECT {} FROM {} WHERE _from <= {n} AND _to > {n}")
        .format(
            sql.SQL(", ").join(listed),
            sql.Identifier(DATA_SCHEMA, store),
            n=sql.Literal(number),
        )
        .as_string(None)
    )
    sink = ParquetSink(staging / f"{name}.writing", batch_rows=batch_rows)
    sink.declare(schema)
    try:
        with dbapi.connect(conninfo) as conn, conn.cursor() as cur:
            cur.execute(text)
            for batch in cur.fetch_record_batch():
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                sink.write(frame.cast(schema))
        written = sink.close().path
    except BaseException:
        sink.abort()
        raise
    return {"rows": sink.rows, "bytes": root.put(written, panel_id, store, name)}
