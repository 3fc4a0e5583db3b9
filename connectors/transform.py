"""A source's optional transform: DuckDB SQL over the rows it extracted, seen as ``source``."""

from __future__ import annotations

import duckdb
import polars as pl

from connectors.spec import SourceSpec


def apply_transform(frame: pl.DataFrame, source: SourceSpec) -> pl.DataFrame:
    """The source's optional DuckDB SQL over the extracted frame, visible as ``source``."""
    sql = source.config.get("transform")
    if not sql:
        return frame
    # No file system: the SQL is a tenant's, the files are the server's.
    with duckdb.connect(config={"enable_external_access": False}) as conn:
        conn.register("source", frame.to_arrow())
        try:
            result: pl.DataFrame = conn.sql(str(sql)).pl()
        except duckdb.Error as exc:
            raise ValueError(f"source {source.name!r}: transform failed: {exc}") from exc
    return result
