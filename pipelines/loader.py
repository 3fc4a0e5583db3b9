"""Streaming a version's rows into PostgreSQL at the speed of ``COPY``.

Batches arrive as Polars frames from the build stage; each is encoded to PostgreSQL's binary
COPY format by pgpq (Arrow in, wire bytes out, in Rust: nothing is parsed as text on either
side) on a producer thread while the connection writes the previous batch, so producing and
loading overlap. The table is created in the transaction that loads it and filled with
``COPY ... FREEZE`` (no later hint-bit rewrite, no WAL for a table created in the same
transaction when ``wal_level = minimal``); the primary key and indexes are built after the load.
A batch is encoded in pieces of ``SLICE_ROWS`` rows, so loading starts as soon as the first
piece is ready; at most ``QUEUE`` pieces wait between the two threads: memory is bounded by the
batch size, never the table.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pgpq
import pgpq.encoders
import pgpq.schema
import polars as pl
import psycopg
import pyarrow as pa
from psycopg import sql

from connectors.casting import PG_TYPES
from core.enums import ColumnType
from core.storage import APP_ROLE, DATA_SCHEMA

# Encoded pieces waiting to be loaded (each SLICE_ROWS rows): memory is bounded by these.
QUEUE = 12
SLICE_ROWS = 25_000
_DONE = object()


@dataclass(frozen=True)
class TableColumn:
    key: str
    type: ColumnType
    not_null: bool = False
    narrow: bool = False  # an integer held in 4 bytes (version numbers), not 8

    @property
    def sql_type(self) -> str:
        return "integer" if self.narrow else PG_TYPES[self.type]

    @property
    def arrow_type(self) -> pa.DataType:
        return pa.int32() if self.narrow else ARROW_TYPES[self.type]


ARROW_TYPES = {
    ColumnType.text: pa.large_string(),
    ColumnType.integer: pa.int64(),
    ColumnType.number: pa.float64(),
    ColumnType.boolean: pa.bool_(),
    ColumnType.date: pa.date32(),
    ColumnType.datetime: pa.timestamp("us", tz="UTC"),
    ColumnType.json: pa.large_string(),
}


REJECT_COLUMNS = [
    TableColumn("_source", ColumnType.text, not_null=True),
    TableColumn("_source_row", ColumnType.integer, not_null=True),
    TableColumn("reason", ColumnType.text, not_null=True),
    TableColumn("raw", ColumnType.json),
]


class BinaryEncoder:
    """Frames with the given columns, as PostgreSQL binary COPY bytes (header, rows, trailer)."""

    def __init__(self, columns: list[TableColumn]) -> None:
        self.columns = columns
        self.schema = pa.schema([pa.field(c.key, c.arrow_type) for c in columns])
        encoders = {
            c.key: (
                pgpq.encoders.LargeStringEncoderBuilder.new_with_output(
                    self.schema.field(c.key), pgpq.schema.Jsonb()
                )
                if c.type is ColumnType.json
                else pgpq.ArrowToPostgresBinaryEncoder.infer_encoder(self.schema.field(c.key))
            )
            for c in columns
        }
        self._encoder = pgpq.ArrowToPostgresBinaryEncoder.new_with_encoders(self.schema, encoders)

    def header(self) -> bytes:
        return bytes(self._encoder.write_header())

    def encode(self, frame: pl.DataFrame) -> Iterator[bytes]:
        """``frame``'s rows as COPY bytes, ``SLICE_ROWS`` rows a piece: the connection starts
        loading the first piece while the rest are encoded."""
        table = frame.select([c.key for c in self.columns]).to_arrow().cast(self.schema)
        for batch in table.to_batches(max_chunksize=SLICE_ROWS):
            yield bytes(self._encoder.write_batch(batch))

    def trailer(self) -> bytes:
        return bytes(self._encoder.finish())


def ident(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(DATA_SCHEMA), sql.Identifier(name))


def create_table(conn: psycopg.Connection[Any], name: str, columns: list[TableColumn]) -> None:
    """A table of ``columns`` in the data schema, readable by the app role.

    Text is collated ``"C"`` (by code point) whatever the database's default: the order of
    sorts, groups, min/max and text ranges is then the one DuckDB gives over the snapshot
    (it has no linguistic collation), so both engines answer alike (docs/analytics.md)."""
    body = sql.SQL(", ").join(
        sql.SQL("{} {}{}{}").format(
            sql.Identifier(c.key),
            sql.SQL(c.sql_type),
            sql.SQL(' COLLATE "C"' if c.type is ColumnType.text else ""),
            sql.SQL(" NOT NULL" if c.not_null else ""),
        )
        for c in columns
    )
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(ident(name), body))
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(ident(name), sql.Identifier(APP_ROLE)))


def _put(out: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
        except queue.Full:
            continue
        return True
    return False


def _produce(
    frames: Iterable[pl.DataFrame],
    encoder: BinaryEncoder,
    out: queue.Queue[object],
    stop: threading.Event,
) -> None:
    """Encode every frame onto ``out``; stops early when the loading side gave up."""
    try:
        if not _put(out, encoder.header(), stop):
            return
        for frame in frames:
            for piece in encoder.encode(frame) if frame.height else ():
                if not _put(out, piece, stop):
                    return
        if _put(out, encoder.trailer(), stop):
            _put(out, _DONE, stop)
    except BaseException as exc:  # noqa: BLE001 - handed to the loading thread, re-raised there
        _put(out, exc, stop)


def _drain(chunks: queue.Queue[object]) -> Iterator[bytes]:
    while True:
        item = chunks.get()
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, bytes)
        yield item


def copy_frames(
    conn: psycopg.Connection[Any],
    name: str,
    columns: list[TableColumn],
    frames: Iterable[pl.DataFrame],
    *,
    freeze: bool = True,
    on_chunk: Callable[[int], None] | None = None,
) -> None:
    """``COPY`` every frame into table ``name``, producing the next while loading the last.

    Runs inside the caller's transaction (``FREEZE`` needs the table created in it).
    """
    encoder = BinaryEncoder(columns)
    chunks: queue.Queue[object] = queue.Queue(maxsize=QUEUE)
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce, args=(frames, encoder, chunks, stop), name="copy-producer", daemon=True
    )
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary{})").format(
        ident(name),
        sql.SQL(", ").join(sql.Identifier(c.key) for c in columns),
        sql.SQL(", FREEZE") if freeze else sql.SQL(""),
    )
    producer.start()
    try:
        with conn.cursor() as cur, cur.copy(statement) as copy:
            for chunk in _drain(chunks):
                copy.write(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
    finally:
        stop.set()  # a failed COPY: the producer stops at its next batch
        producer.join()
