"""Columnar snapshots of published versions, written during the publish from its batches.

A store's snapshot mirrors the store (:mod:`pipelines.store`): one *segment* per version,
in ``<snapshot root>/<panel>/<store>/`` (:func:`core.storage.snapshot_folder`):

- ``v<N>.parquet``: the row states version N opened (``_row_id``, ``_created``, ``_changed``,
  ``_from`` and the panel's columns): every row for the version that made the store, only the
  changed rows for a version that extended it;
- ``v<N>.closed.parquet``: the states it closed (``_row_id``, ``_to = N``).

Version N reads the states opened by its store's versions up to N that no version up to N
closed: a publish writes what it changed here too. Segments are written beside the load and
renamed into place before the publish commits; a load that fails removes them. Files a
version that failed later (its checks, its commit, a kill) left are never read (readers take
only committed versions' segments) and go with their store's folder.

A *base* (:func:`write_base`) holds every state one version reads, exported from PostgreSQL:
written in the background (:mod:`pipelines.snapshot_keeper`) for a served version whose
segments are missing, and to compact a store many versions extended. Readers take the newest
base they can complete with later segments (:func:`core.storage.snapshot_chain`).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import polars as pl
from adbc_driver_postgresql import dbapi
from psycopg import sql

from core.enums import ColumnType
from core.storage import DATA_SCHEMA, base_file, segment_files, snapshot_folder
from formulas.types import COLUMN_DTYPES
from pipelines.connectors.sink import ParquetSink

IDENTITY = ["_row_id", "_created", "_changed", "_from"]


class SegmentWriter:
    """Version ``number``'s segment of ``store``'s snapshot."""

    def __init__(
        self, root: Path, panel_id: uuid.UUID, store: str, number: int, *, batch_rows: int
    ) -> None:
        self.folder = snapshot_folder(root, panel_id, store)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.number = number
        opened, closed = segment_files(number)
        self.opened, self.closed = self.folder / opened, self.folder / closed
        self._opened = ParquetSink(self._tmp(self.opened), batch_rows=batch_rows)
        self._closed = ParquetSink(self._tmp(self.closed), batch_rows=batch_rows)
        self._closed.declare(pl.Schema({"_row_id": pl.Int64, "_to": pl.Int64}))

    @staticmethod
    def _tmp(path: Path) -> Path:
        return path.with_name(f"{path.name}.writing")

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
        """Close the files and move them into place; returns their bytes."""
        size = 0
        for sink, final in ((self._opened, self.opened), (self._closed, self.closed)):
            written = sink.close().path
            written.replace(final)
            size += final.stat().st_size
        return size

    def abort(self) -> None:
        """Remove what was written (a failed publish)."""
        for sink, final in ((self._opened, self.opened), (self._closed, self.closed)):
            sink.abort()
            for path in (self._tmp(final), final):
                path.unlink(missing_ok=True)


def prune(root: Path, panel_id: uuid.UUID, kept: set[str]) -> None:
    """Remove the snapshots of the panel's stores that are not ``kept`` (dropped by
    retention, or made by a publish that failed)."""
    folder = snapshot_folder(root, panel_id, "x").parent
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name not in kept:
            # Never an error for the publish that got here (its version is served already): a
            # file a reader still holds open (NFS leaves .nfs files) is removed next time.
            shutil.rmtree(path, ignore_errors=True)


def write_base(
    conninfo: str,
    root: Path,
    panel_id: uuid.UUID,
    store: str,
    number: int,
    columns: list[tuple[str, ColumnType]],
    *,
    batch_rows: int,
) -> dict[str, int]:
    """Every state version ``number`` of ``store`` reads, from PostgreSQL into the store's
    base file for that version (through ADBC: Arrow batches, typed as the publish types its
    segments). Written beside and renamed into place: a reader sees all of it or nothing.
    Returns its rows and bytes."""
    folder = snapshot_folder(root, panel_id, store)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / base_file(number)
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
    sink = ParquetSink(final.with_name(final.name + ".writing"), batch_rows=batch_rows)
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
    written.replace(final)
    return {"rows": sink.rows, "bytes": final.stat().st_size}
