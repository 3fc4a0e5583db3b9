"""Source connectors: each reads one data source into a Polars frame."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.enums import SourceKind
from pipelines.connectors.errors import SourceError, TransientSourceError
from pipelines.connectors.netguard import NetworkPolicy
from pipelines.spec import SourceSpec

__all__ = ["NetworkPolicy", "SourceError", "TransientSourceError", "extract"]


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
    policy = policy or NetworkPolicy()
    if source.kind is SourceKind.file:
        from pipelines.connectors.files import read_file  # noqa: PLC0415

        return read_file(source, data_root=data_root, policy=policy)
    if source.kind is SourceKind.http:
        from pipelines.connectors.http import read_http  # noqa: PLC0415

        return read_http(source, cursor=cursor, policy=policy)
    from pipelines.connectors.sql import read_sql  # noqa: PLC0415

    return read_sql(source, cursor=cursor, policy=policy)
