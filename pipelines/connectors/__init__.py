"""Source connectors: each reads one data source into a Polars frame, found by its kind."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import polars as pl

from core.enums import SourceKind
from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy
from pipelines.connectors.files import read_file
from pipelines.connectors.http import read_http
from pipelines.connectors.sql import read_sql
from pipelines.spec import SourceSpec

__all__ = [
    "CONNECTORS",
    "Connector",
    "NetworkPolicy",
    "SourceError",
    "TransientSourceError",
    "connector_for",
    "extract",
]


class Connector(Protocol):
    """Reads a source; each connector takes what it needs of the rest and ignores the others."""

    def __call__(
        self, source: SourceSpec, *, data_root: Path, cursor: object, policy: NetworkPolicy
    ) -> pl.DataFrame: ...


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
    cursor: object = None,
    policy: NetworkPolicy | None = None,
) -> pl.DataFrame:
    """Read ``source``; ``cursor`` is the incremental cursor value to start from, if any.

    ``policy`` says what the source may reach (default: the strictest, nothing allowlisted).
    """
    read = connector_for(source)
    return read(source, data_root=data_root, cursor=cursor, policy=policy or NetworkPolicy())
