"""CSV, Parquet, JSON and NDJSON from under the data root, or from an http(s) URL.

Everything streams into the sink in batches except JSON arrays (``format: json``): a JSON
document is one value, so it is read whole as before and only its writing is batched; use
NDJSON for large data. A URL is downloaded to a scratch file beside the extract, in chunks, and
read from there like a local file.

CSV types are inferred from the first 10,000 rows (as before). A later value that does not fit
its column's type used to fail the sync; the column now widens instead (integers to floats, or
to text) and the file is read again, as if the whole file had been looked at: the values stay
as written and the mapping casts them, rejecting the rows that do not fit a panel column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pyarrow.parquet as pq

from connectors.sink import ParquetSink
from connectors.spec import SourceSpec
from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy
from core.source_checks import check_path

FORMATS = ("csv", "parquet", "json", "ndjson")
# Polars splits a CSV file into read chunks whose default size grows with the file, and reads
# ahead by several of them: 348 MB peak for a 230 MB, 4M-row CSV. With 4 MiB chunks the peak
# stays flat (187 MB there, 198 MB for 1.8 GB and 32M rows) and the read is no slower. Read by
# Polars when a scan starts; a deployment may set its own.
os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(4 << 20))
INFER_ROWS = 10_000
DOWNLOAD_CHUNK = 1 << 20
# Polars: "could not parse `1.5` as dtype `i64` at column 'c' (column number 3)"
_CSV_MISFIT = re.compile(
    r"could not parse `(?P<value>.*)` as dtype .* \(column number (?P<n>\d+)\)"
)


def resolve_under(data_root: Path, relative: str, source: str) -> Path:
    """The file at ``relative`` under ``data_root``; refuses anything that leaves it.

    Absolute paths, ``..`` and symlinks pointing outside are refused: the check runs on the
    fully resolved path (the same check as at save, where a missing file is only a warning).
    """
    try:
        missing = check_path(data_root, relative)
    except SourceError as exc:
        raise SourceError(f"source {source!r}: {exc}") from exc
    if missing is not None:
        raise SourceError(f"source {source!r}: no file {relative!r} under the data root")
    return (data_root.resolve() / relative).resolve()


def _format(config: dict[str, Any], name: str) -> str:
    fmt = str(
        config.get("format") or Path(name.split("?", maxsplit=1)[0]).suffix.lstrip(".") or "csv"
    ).lower()
    if fmt == "jsonl":
        fmt = "ndjson"
    if fmt not in FORMATS:
        raise SourceError(f"unknown file format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _download(url: str, source: SourceSpec, policy: NetworkPolicy, to: Path) -> None:
    headers = dict(source.secrets.get("headers") or {})
    try:
        with (
            policy.http_client(
                timeout=float(source.config.get("timeout", 60)), follow_redirects=True
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientSourceError(
                    f"source {source.name!r}: HTTP {response.status_code} from {url}"
                )
            if response.status_code >= 400:
                raise SourceError(f"source {source.name!r}: HTTP {response.status_code} from {url}")
            with to.open("wb") as out:
                for chunk in response.iter_bytes(DOWNLOAD_CHUNK):
                    out.write(chunk)
    except httpx.TransportError as exc:
        raise TransientSourceError(
            f"source {source.name!r}: {exc.__class__.__name__} for {url}"
        ) from exc


def _wider(dtype: pl.DataType, value: str) -> pl.DataType:
    """The type a CSV column takes when ``value`` does not fit its ``dtype``."""
    if dtype.is_integer():
        try:
            float(value)
        except ValueError:
            return pl.String()
        return pl.Float64()
    return pl.String()


def _csv(path: Path, config: dict[str, Any], sink: ParquetSink) -> None:
    overrides: dict[str, pl.DataType] = {}
    while True:
        scan = pl.scan_csv(
            path,
            separator=str(config.get("delimiter", ",")),
            null_values=config.get("null_values") or None,
            infer_schema_length=INFER_ROWS,
            try_parse_dates=False,
            schema_overrides=overrides or None,
        )
        schema = scan.collect_schema()
        sink.declare(schema)
        try:
            _batches(scan.collect_batches(chunk_size=sink.batch_rows), sink)
            return
        except pl.exceptions.ComputeError as exc:
            misfit = _CSV_MISFIT.search(str(exc))
            names = schema.names()
            if misfit is None or not 0 < int(misfit["n"]) <= len(names):
                raise
            name = names[int(misfit["n"]) - 1]
            wider = _wider(schema[name], misfit["value"])
            if schema[name] == wider:
                raise
            overrides[name] = wider
            sink.restart()


def _ndjson(path: Path, sink: ParquetSink) -> None:
    try:
        _batches(pl.scan_ndjson(path).collect_batches(chunk_size=sink.batch_rows), sink)
    except pl.exceptions.ComputeError:
        # A later value that does not fit the types of the first rows: infer from them all.
        sink.restart()
        scan = pl.scan_ndjson(path, infer_schema_length=None)
        _batches(scan.collect_batches(chunk_size=sink.batch_rows), sink)


def _parquet(path: Path, sink: ParquetSink) -> None:
    with pq.ParquetFile(path, pre_buffer=False) as file:
        empty = pl.from_arrow(file.schema_arrow.empty_table())
        assert isinstance(empty, pl.DataFrame)
        sink.declare(empty.schema)
        for batch in file.iter_batches(batch_size=sink.batch_rows):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            sink.write(frame)


def _batches(frames: Iterator[pl.DataFrame], sink: ParquetSink) -> None:
    for frame in frames:
        sink.write(frame)


def read_file(
    source: SourceSpec,
    sink: ParquetSink,
    *,
    data_root: Path,
    cursor: object = None,
    policy: NetworkPolicy | None = None,
) -> None:
    """The whole file: the sync keeps the rows past an incremental ``cursor`` afterwards."""
    config = source.config
    scratch: Path | None = None
    if config.get("url"):
        url = str(config["url"])
        if not url.lower().startswith(("http://", "https://")):
            raise SourceError(f"source {source.name!r}: only http(s) URLs are read")
        fmt = _format(config, url)
        scratch = path = sink.scratch("download")
        _download(url, source, policy or NetworkPolicy(), path)
    else:
        path = resolve_under(data_root, str(config.get("path", "")), source.name)
        fmt = _format(config, path.name)
    try:
        if fmt == "csv":
            _csv(path, config, sink)
        elif fmt == "parquet":
            _parquet(path, sink)
        elif fmt == "json":
            sink.write(pl.read_json(path))
        else:
            _ndjson(path, sink)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise SourceError(f"source {source.name!r}: cannot read {fmt}: {exc}") from exc
    finally:
        if scratch is not None:
            scratch.unlink(missing_ok=True)
