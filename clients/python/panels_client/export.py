"""An export streamed: ``GET /panels/{id}/rows/export`` as CSV, NDJSON or Parquet, in chunks.

The generated ``export_rows`` reads the whole answer into memory before it returns; an export
is a whole version, so these helpers stream it instead: as chunks of bytes, or into a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

import httpx

from .api.rows import export_rows
from .client import AuthenticatedClient
from .models.export_rows_format import ExportRowsFormat
from .paging import Filter, Keys, filter_param, keys_param
from .problems import ApiError

CHUNK = 1 << 16


@dataclass(frozen=True)
class Exported:
    """What ``export_to`` wrote: its size, the version exported and what the API named it."""

    bytes: int
    version: int | None  # None: the panel has no version yet (the export is empty)
    media_type: str
    filename: str | None


@contextmanager
def stream(
    client: AuthenticatedClient,
    panel_id: str | UUID,
    *,
    format_: ExportRowsFormat | str = ExportRowsFormat.CSV,
    view: str | None = None,
    columns: Keys | None = None,
    sort: Keys | None = None,
    filter_: Filter | None = None,
    version: int | None = None,
) -> Iterator[httpx.Response]:
    """The export's open response, its body not yet read (``iter_bytes()``); ``ApiError``
    when the API refuses it."""
    # The generated module builds the request (path and parameters as the document says);
    # only the reading differs.
    request = export_rows._get_kwargs(
        panel_id,
        format_=ExportRowsFormat(format_),
        view=view,
        columns=keys_param(columns),
        sort=keys_param(sort),
        filter_=filter_param(filter_),
        version=version,
    )
    with client.get_httpx_client().stream(**request) as response:
        if response.status_code != httpx.codes.OK:
            response.read()
            raise ApiError.of(response)
        yield response


def chunks(
    client: AuthenticatedClient,
    panel_id: str | UUID,
    *,
    format_: ExportRowsFormat | str = ExportRowsFormat.CSV,
    view: str | None = None,
    columns: Keys | None = None,
    sort: Keys | None = None,
    filter_: Filter | None = None,
    version: int | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[bytes]:
    """The export's bytes as they arrive (the connection closes with the iterator)."""
    with stream(
        client,
        panel_id,
        format_=format_,
        view=view,
        columns=columns,
        sort=sort,
        filter_=filter_,
        version=version,
    ) as response:
        yield from response.iter_bytes(chunk_size)


def export_to(
    client: AuthenticatedClient,
    panel_id: str | UUID,
    destination: str | os.PathLike[str] | BinaryIO,
    *,
    format_: ExportRowsFormat | str = ExportRowsFormat.CSV,
    view: str | None = None,
    columns: Keys | None = None,
    sort: Keys | None = None,
    filter_: Filter | None = None,
    version: int | None = None,
) -> Exported:
    """The export written to a file (a path, or a binary file open for writing) as it arrives."""
    with stream(
        client,
        panel_id,
        format_=format_,
        view=view,
        columns=columns,
        sort=sort,
        filter_=filter_,
        version=version,
    ) as response:
        if isinstance(destination, str | os.PathLike):
            with Path(destination).open("wb") as file:
                written = _copy(response, file)
        else:
            written = _copy(response, destination)
        number = response.headers.get("x-panel-version")
        disposition = response.headers.get("content-disposition", "")
        _, _, filename = disposition.partition('filename="')
        return Exported(
            bytes=written,
            version=int(number) if number else None,
            media_type=response.headers.get("content-type", ""),
            filename=filename.rstrip('"') or None,
        )


def _copy(response: httpx.Response, file: BinaryIO) -> int:
    written = 0
    for chunk in response.iter_bytes(CHUNK):
        file.write(chunk)
        written += len(chunk)
    return written


__all__ = ["Exported", "chunks", "export_to", "stream"]
