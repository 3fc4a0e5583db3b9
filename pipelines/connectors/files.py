"""CSV, Parquet, JSON and NDJSON from under the data root, or from an http(s) URL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy
from core.source_checks import check_path
from pipelines.spec import SourceSpec

FORMATS = ("csv", "parquet", "json", "ndjson")


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


def _download(url: str, source: SourceSpec, policy: NetworkPolicy) -> bytes:
    headers = dict(source.secrets.get("headers") or {})
    try:
        with policy.http_client(
            timeout=float(source.config.get("timeout", 60)), follow_redirects=True
        ) as client:
            response = client.get(url, headers=headers)
    except httpx.TransportError as exc:
        raise TransientSourceError(
            f"source {source.name!r}: {exc.__class__.__name__} for {url}"
        ) from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientSourceError(
            f"source {source.name!r}: HTTP {response.status_code} from {url}"
        )
    if response.status_code >= 400:
        raise SourceError(f"source {source.name!r}: HTTP {response.status_code} from {url}")
    return response.content


def read_file(
    source: SourceSpec,
    *,
    data_root: Path,
    cursor: object = None,
    policy: NetworkPolicy | None = None,
) -> pl.DataFrame:
    """The whole file: the sync keeps the rows past an incremental ``cursor`` afterwards."""
    config = source.config
    if config.get("url"):
        url = str(config["url"])
        if not url.lower().startswith(("http://", "https://")):
            raise SourceError(f"source {source.name!r}: only http(s) URLs are read")
        fmt = _format(config, url)
        data: Any = io.BytesIO(_download(url, source, policy or NetworkPolicy()))
    else:
        path = resolve_under(data_root, str(config.get("path", "")), source.name)
        fmt = _format(config, path.name)
        data = path
    try:
        if fmt == "csv":
            return pl.read_csv(
                data,
                separator=str(config.get("delimiter", ",")),
                null_values=config.get("null_values") or None,
                infer_schema_length=10_000,
                try_parse_dates=False,
            )
        if fmt == "parquet":
            return pl.read_parquet(data)
        if fmt == "json":
            return pl.read_json(data)
        return pl.read_ndjson(data)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise SourceError(f"source {source.name!r}: cannot read {fmt}: {exc}") from exc
