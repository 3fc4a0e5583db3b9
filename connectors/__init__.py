"""Source connectors: each streams one data source into a Parquet file, found by its kind.

A connector writes what it reads into a ``ParquetSink`` as it reads it (a page, a batch of
rows, a chunk of a file), never holding the whole source; ``extract`` gives it the sink and
returns what was written (``Extracted``: the file, its rows and fields).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from connectors.files import read_file
from connectors.http import read_http
from connectors.sink import Extracted, ParquetSink, Progress
from connectors.spec import SourceSpec
from connectors.sql import read_sql
from core.enums import SourceKind
from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy

DEFAULT_BATCH_ROWS = 100_000

__all__ = [
    "CONNECTORS",
    "Connector",
    "Extracted",
    "NetworkPolicy",
    "ParquetSink",
    "SourceError",
    "TransientSourceError",
    "connector_for",
    "extract",
]


class Connector(Protocol):
    """Streams a source into ``sink``; takes what it needs of the rest and ignores the others."""

    def __call__(
        self,
        source: SourceSpec,
        sink: ParquetSink,
        *,
        data_root: Path,
        cursor: object,
        policy: NetworkPolicy,
    ) -> None: ...


# The one place a source kind registers its connector (its config shape: schemas.sources.KINDS).
CONNECTORS: dict[SourceKind, Connector] = {
    SourceKind.file: read_file,
    SourceKind.http: read_http,
    SourceKind.sql: read_sql,
}


def connector_for(source: SourceSpec) -> Connector:
    """The connector of the source's kind; a kind without one is an error, never a fallback."""
    try:
        return CONNECTORS[source.kind]
    except KeyError:
        known = ", ".join(str(kind) for kind in CONNECTORS)
        raise SourceError(
            f"source {source.name!r}: no connector reads source kind {str(source.kind)!r}"
            f" (known kinds: {known})"
        ) from None


def extract(
    source: SourceSpec,
    *,
    data_root: Path,
    out: Path,
    cursor: object = None,
    policy: NetworkPolicy | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
) -> Extracted:
    """Read ``source`` into the Parquet file ``out`` (replaced), in row groups of ``batch_rows``.

    ``cursor`` is the incremental cursor value to start from, if any; ``policy`` says what the
    source may reach (default: the strictest, nothing allowlisted); ``progress`` is called with
    the rows written so far after each row group. A failed read leaves no file behind.
    """
    read = connector_for(source)
    sink = ParquetSink(out, batch_rows=batch_rows, progress=progress)
    try:
        read(source, sink, data_root=data_root, cursor=cursor, policy=policy or NetworkPolicy())
        return sink.close()
    except BaseException:
        sink.abort()
        out.unlink(missing_ok=True)
        raise
