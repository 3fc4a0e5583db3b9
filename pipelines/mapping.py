"""From extracted source frames to the panel's typed table, with rejected rows set apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from connectors.casting import POLARS_TYPES, cast_series, infer_column_type
from connectors.spec import SourceSpec
from connectors.transform import apply_transform
from core.enums import ColumnType
from pipelines.spec import ColumnSpec, PanelSpec

EXAMPLES = 5


class SchemaDriftError(Exception):
    """A source's fields changed and its drift policy is ``fail``."""


class StrictPanelError(Exception):
    """A strict panel had rows that could not be cast."""


@dataclass
class SourceStats:
    rows: int = 0
    rejected: int = 0
    new_fields: list[str] = field(default_factory=list)
    missing_fields: list[str] = field(default_factory=list)


@dataclass
class MappedTable:
    table: pl.DataFrame
    rejects: pl.DataFrame
    per_source: dict[str, SourceStats]
    added_columns: list[tuple[str, ColumnType]] = field(default_factory=list)

    @property
    def reject_examples(self) -> list[dict[str, Any]]:
        return self.rejects.head(EXAMPLES).to_dicts()


def _field(frame: pl.DataFrame, name: str) -> pl.Series | None:
    if name in frame.columns:
        return frame.get_column(name)
    head, _, rest = name.partition(".")
    if rest and head in frame.columns and isinstance(frame.schema[head], pl.Struct):
        series = frame.get_column(head)
        for part in rest.split("."):
            if not isinstance(series.dtype, pl.Struct) or part not in series.struct.fields:
                return None
            series = series.struct.field(part)
        return series
    return None


def check_drift(source: SourceSpec, frame: pl.DataFrame, columns: list[ColumnSpec]) -> SourceStats:
    mapped = {str(c.mapping["field"]) for c in columns if c.maps(source.name) and c.mapping}
    roots = {f.split(".")[0] for f in mapped}
    stats = SourceStats(rows=frame.height)
    stats.new_fields = [f for f in frame.columns if f not in mapped and f not in roots]
    stats.missing_fields = sorted(f for f in mapped if _field(frame, f) is None)
    if source.drift == "fail" and (stats.new_fields or stats.missing_fields):
        parts = []
        if stats.new_fields:
            parts.append(f"new fields {', '.join(stats.new_fields)}")
        if stats.missing_fields:
            parts.append(f"missing fields {', '.join(stats.missing_fields)}")
        raise SchemaDriftError(
            f"source {source.name!r} changed: {'; '.join(parts)}. Map or remove them, or set"
            " config.schema_drift to 'ignore' or 'add'."
        )
    return stats


REJECTS_SCHEMA = {
    "_source": pl.String(),
    "_source_row": pl.Int64(),
    "reason": pl.String(),
    "raw": pl.String(),
}


def map_batch(
    source: SourceSpec, frame: pl.DataFrame, columns: list[ColumnSpec], offset: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One batch of a source cast to the mapped columns: (good rows, rejected rows).

    ``offset`` is the number of the batch's first row in the source (``_source_row``).
    """
    height = frame.height
    out: dict[str, pl.Series] = {}
    failed = pl.Series("failed", [False] * height)
    reasons: list[pl.Expr] = []
    for column in columns:
        target = POLARS_TYPES[column.type]
        mapping = column.mapping if column.maps(source.name) else None
        raw = _field(frame, str(mapping["field"])) if mapping else None
        if raw is None:
            out[column.key] = pl.Series(column.key, [None] * height, dtype=target)
            continue
        cast = cast_series(raw, column.type, mapping.get("cast") if mapping else None).alias(
            column.key
        )
        bad = raw.is_not_null() & cast.is_null()
        if bad.any():
            failed = failed | bad
            raw_text = (
                raw.cast(pl.String, strict=False)
                if not isinstance(raw.dtype, pl.Struct)
                else raw.struct.json_encode()
            )
            reasons.append(
                pl.when(pl.lit(bad)).then(
                    pl.format(
                        "{}: cannot read {} as {}",
                        pl.lit(column.key),
                        pl.lit(raw_text).fill_null("?"),
                        pl.lit(column.type.value),
                    )
                )
            )
        out[column.key] = cast
    mapped = (
        pl.DataFrame(list(out.values())) if out else pl.DataFrame({"_": [None] * height}).drop("_")
    )
    mapped = mapped.with_columns(
        pl.lit(source.name).alias("_source"),
        pl.int_range(offset, offset + height, dtype=pl.Int64).alias("_source_row"),
    )
    good = mapped.filter(~failed)
    if not reasons:
        return good, pl.DataFrame(schema=REJECTS_SCHEMA)
    reason = pl.select(
        pl.concat_str(reasons, separator="; ", ignore_nulls=True).alias("reason")
    ).to_series()
    raw_rows = frame.select(pl.struct(pl.all()).struct.json_encode().alias("raw")).to_series()
    rejects = pl.DataFrame(
        {
            "_source": pl.Series([source.name] * height, dtype=pl.String),
            "_source_row": pl.int_range(offset, offset + height, dtype=pl.Int64, eager=True),
            "reason": reason,
            "raw": raw_rows,
        }
    ).filter(failed)
    return good, rejects


def map_sources(spec: PanelSpec, frames: dict[str, pl.DataFrame]) -> MappedTable:
    """Apply transforms, drift policies and casts to every source, then union them."""
    per_source: dict[str, SourceStats] = {}
    tables, rejects = [], []
    columns = [c for c in spec.columns if c.mapping is not None]
    added: list[tuple[str, ColumnType]] = []
    for source in spec.sources:
        frame = apply_transform(frames[source.name], source)
        stats = check_drift(source, frame, columns)
        if source.drift == "add":
            added.extend((f, infer_column_type(frame.get_column(f))) for f in stats.new_fields)
        good, bad = map_batch(source, frame, columns)
        stats.rejected = bad.height
        per_source[source.name] = stats
        tables.append(good)
        rejects.append(bad)
    if spec.strict and any(r.height for r in rejects):
        first = pl.concat(rejects).head(EXAMPLES)
        raise StrictPanelError(
            f"panel {spec.slug!r} is strict and {sum(r.height for r in rejects)} rows could not"
            f" be cast, e.g. {'; '.join(first.get_column('reason').to_list())}"
        )
    schema = {c.key: POLARS_TYPES[c.type] for c in columns} | {
        "_source": pl.String(),
        "_source_row": pl.Int64(),
    }
    table = pl.concat(tables, how="vertical") if tables else pl.DataFrame(schema=schema)
    reject_frame = (
        pl.concat(rejects, how="vertical") if rejects else pl.DataFrame(schema=REJECTS_SCHEMA)
    )
    return MappedTable(
        table=table,
        rejects=reject_frame,
        per_source=per_source,
        added_columns=list(dict.fromkeys(added)),
    )
