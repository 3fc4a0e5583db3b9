"""A whole (filtered, sorted) version streamed as CSV, NDJSON or Parquet, batch by batch."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.db import set_tenant
from serving.auth.principal import Principal
from serving.reads.rows import RowQuery

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
BATCH = 5_000


def stream(
    sessions: sessionmaker[Session], principal: Principal, query: RowQuery, fmt: str
) -> Iterator[bytes]:
    """Rows from a server-side cursor on a session of its own (the request's is closed by then)."""
    with sessions() as session:
        set_tenant(session, principal.tenant_id)
        stmt = query.select(limit=None).execution_options(stream_results=True, yield_per=BATCH)
        result = session.execute(stmt).mappings()
        keys = query.columns
        if fmt == "parquet":
            yield from _parquet(result, keys)
        elif fmt == "csv":
            yield from _csv(result, keys)
        else:
            yield from _ndjson(result, keys)


def stream_batches(batches: Iterator[Any], keys: list[str], fmt: str) -> Iterator[bytes]:
    """Arrow batches (DuckDB over a snapshot, :mod:`serving.reads.analytics`) written as the
    rows of :func:`stream` are: the same CSV and NDJSON text, the same Parquet columns."""
    import pyarrow as pa  # noqa: PLC0415

    def utc(batch: Any) -> Any:
        arrays = [
            array.cast(pa.timestamp(array.type.unit, "UTC"))
            if pa.types.is_timestamp(array.type) and array.type.tz is not None
            else array
            for array in batch.select(keys).columns
        ]
        return pa.RecordBatch.from_arrays(arrays, names=keys)

    typed = map(utc, batches)
    if fmt == "parquet":
        yield from _parquet_batches(typed, keys)
        return
    rows = (row for batch in typed for row in batch.to_pylist())
    yield from (_csv(rows, keys) if fmt == "csv" else _ndjson(rows, keys))


def _parquet_batches(batches: Iterator[Any], keys: list[str]) -> Iterator[bytes]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        writer = None
        for batch in batches:
            if writer is None:
                writer = pq.ParquetWriter(spool, batch.schema)
            writer.write_table(pa.Table.from_batches([batch]).cast(writer.schema))
        if writer is None:
            writer = pq.ParquetWriter(spool, pa.schema([(k, pa.string()) for k in keys]))
        writer.close()
        spool.seek(0)
        while data := spool.read(1 << 20):
            yield data


def _csv(result: Any, keys: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(keys)
    for i, row in enumerate(result, 1):
        writer.writerow(["" if row[k] is None else _text(row[k]) for k in keys])
        if i % BATCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _ndjson(result: Any, keys: list[str]) -> Iterator[bytes]:
    chunk: list[str] = []
    for row in result:
        chunk.append(json.dumps({k: row[k] for k in keys}, default=_text))
        if len(chunk) == BATCH:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _parquet(result: Any, keys: list[str]) -> Iterator[bytes]:
    import pyarrow as pa  # noqa: PLC0415

    batches = (
        pa.RecordBatch.from_pylist([{k: r[k] for k in keys} for r in batch])
        for batch in result.partitions(BATCH)
    )
    yield from _parquet_batches(batches, keys)
