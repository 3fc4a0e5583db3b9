"""PostgreSQL sources through ADBC: the result streams as Arrow batches (binary COPY).

The query runs in a READ ONLY transaction with ``statement_timeout``, as before. ``:cursor``
becomes a literal of the cursor's type, quoted by psycopg (``'2024-01-02 10:00:00+00:00'::
timestamptz``): ADBC would send a bound parameter through a prepared statement whose result it
holds whole in memory, while a query without parameters streams through COPY.

PostgreSQL types arrive as their Arrow types, except what Polars cannot hold: ``numeric(p, s)``
becomes ``Decimal(38, s)`` (as psycopg's ``Decimal`` values were typed), ``numeric`` without a
precision (or one above 38) ``Float64``, NaN and infinite numerics in a decimal column null;
``json``/``jsonb`` their JSON text; ``uuid`` its text; ``interval`` a duration (a month is 30
days); any other type PostgreSQL has and Arrow does not (enums, ``inet``...) its text.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from adbc_driver_manager import DatabaseError, OperationalError
from adbc_driver_postgresql import dbapi
from psycopg import sql

from connectors.sink import ParquetSink
from connectors.spec import SourceSpec
from connectors.sql_text import replace_cursor
from core.errors import SourceError, TransientSourceError
from models.db import libpq_url

DECIMAL_PRECISION = 38
MICROS_PER_DAY = 86_400_000_000
# SQLSTATE classes a later retry may get past: connection, resources, operator intervention
# (statement timeout, shutdown), system errors.
TRANSIENT_CLASSES = ("08", "53", "57", "58")


def _numeric(storage: pa.Array, typmod: int) -> pa.Array:
    precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    if typmod < 4 or not 0 < precision <= DECIMAL_PRECISION or scale > precision:
        return pc.cast(storage, pa.float64())
    finite = pc.if_else(
        pc.is_in(storage, pa.array(["NaN", "Infinity", "-Infinity"])), None, storage
    )
    return pc.cast(finite, pa.decimal128(DECIMAL_PRECISION, scale))


def _uuid_text(storage: pa.Array) -> pa.Array:
    hexed = pl.Series(storage.cast(pa.binary())).bin.encode("hex")
    parts = [hexed.str.slice(a, b - a) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    text = pl.select(pl.concat_str([pl.lit(p) for p in parts], separator="-")).to_series()
    return text.to_arrow()


def _interval(array: pa.Array) -> pa.Array:
    layout = np.dtype([("months", "<i4"), ("days", "<i4"), ("nanos", "<i8")])
    buffer = array.buffers()[1]
    values = np.frombuffer(buffer, dtype=layout)[array.offset : array.offset + len(array)]
    days = values["months"].astype(np.int64) * 30 + values["days"]
    micros = days * MICROS_PER_DAY + values["nanos"] // 1000
    return pa.array(micros, type=pa.duration("us"), mask=array.is_null().to_numpy(False))


def _column(array: pa.Array, field: pa.Field) -> pa.Array:
    kind = array.type
    if isinstance(kind, pa.BaseExtensionType):
        storage = array.storage
        if isinstance(kind, pa.OpaqueType) and kind.type_name == "numeric":
            typmod = int((field.metadata or {}).get(b"POSTGRESQL:typmod", b"-1"))
            return _numeric(storage, typmod)
        if kind.extension_name == "arrow.uuid":
            return _uuid_text(storage)
        return _column(storage, field)  # json and types Arrow lacks: their text (or bytes)
    if pa.types.is_interval(kind):
        return _interval(array)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        values = _column(array.values, kind.value_field)
        if values.type != array.values.type:
            list_type = type(array)
            return list_type.from_arrays(array.offsets, values, mask=array.is_null())
    return array


def to_frame(batch: pa.RecordBatch) -> pl.DataFrame:
    """An ADBC batch as a Polars frame of types Polars holds (see the module docstring)."""
    columns = [_column(batch.column(i), f) for i, f in enumerate(batch.schema)]
    frame = pl.from_arrow(pa.Table.from_arrays(columns, names=batch.schema.names))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _error(source: SourceSpec, exc: DatabaseError) -> Exception:
    state = str(getattr(exc, "sqlstate", None) or "")
    message = str(exc).strip()
    if isinstance(exc, OperationalError) or state.startswith(TRANSIENT_CLASSES):
        return TransientSourceError(f"source {source.name!r}: {message}")
    return SourceError(f"source {source.name!r}: query failed: {message}")


def read_postgres(
    source: SourceSpec, sink: ParquetSink, *, url: str, query: str, cursor: object, timeout_ms: int
) -> None:
    """Stream ``query``'s rows into ``sink`` (``url``: already checked against the policy)."""
    try:
        literal = sql.Literal(cursor).as_string()
    except Exception as exc:  # psycopg cannot spell the value (a NUL byte in text...)
        raise SourceError(f"source {source.name!r}: the cursor {cursor!r}: {exc}") from exc
    text, _count = replace_cursor(query, lambda: literal)
    try:
        conn = dbapi.connect(libpq_url(url))
    except DatabaseError as exc:
        raise _error(source, exc) from exc
    try:
        cur = conn.cursor()
        cur.execute("SET TRANSACTION READ ONLY")
        cur.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        cur.execute(text)
        reader = cur.fetch_record_batch()
        sink.declare(to_frame(pa.RecordBatch.from_pylist([], schema=reader.schema)).schema)
        for batch in reader:
            sink.write(to_frame(batch))
        conn.rollback()
    except DatabaseError as exc:
        raise _error(source, exc) from exc
    finally:
        conn.close()
