"""Casting source values to column types, vectorised; a failed cast is a null plus a flag.

Rules (documented in the README): text trims nothing; integer accepts integral numbers and
integer strings (``"12"``, ``" 12 "``, ``"12.0"`` is refused); number accepts numeric strings;
boolean accepts true/false, t/f, yes/no, y/n, 1/0 (any case); date and datetime parse ISO 8601
unless the mapping's ``cast`` gives a strftime format; datetimes are stored in UTC (naive
values are taken as UTC); json keeps objects and lists as JSON text.
"""

from __future__ import annotations

import polars as pl

from core.enums import ColumnType
from formulas.functions.dates import ISO_FORMATS
from formulas.types import COLUMN_DTYPES, column_type_of

TRUE = ("true", "t", "yes", "y", "1")
FALSE = ("false", "f", "no", "n", "0")

PG_TYPES = {
    ColumnType.text: "text",
    ColumnType.integer: "bigint",
    ColumnType.number: "double precision",
    ColumnType.boolean: "boolean",
    ColumnType.date: "date",
    ColumnType.datetime: "timestamptz",
    ColumnType.json: "jsonb",
}

POLARS_TYPES = COLUMN_DTYPES


def _to_utc(series: pl.Series) -> pl.Series:
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return series.dt.replace_time_zone("UTC").dt.cast_time_unit("us")
        return series.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    if dtype == pl.Date:
        return series.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return series.cast(pl.Datetime("us", "UTC"), strict=False)


# Tried in order when one format does not fit a whole column (mixed ISO 8601 spellings).
DATETIME_FORMATS = ISO_FORMATS


SAMPLE = 64


def _one_format(text: pl.Series) -> str | None:
    """The first ISO 8601 spelling that parses every one of a sample of the values: parsing
    with a known format is an order of magnitude faster than Polars inferring one."""
    sample = text.drop_nulls().head(SAMPLE)
    if sample.is_empty():
        return None
    misses = pl.select(  # every candidate in one query: a query costs more than 64 values
        pl.lit(sample).str.to_datetime(f, strict=False, time_unit="us").null_count().alias(f)
        for f in DATETIME_FORMATS
    ).row(0)
    return next((f for f, missed in zip(DATETIME_FORMATS, misses, strict=True) if not missed), None)


def _parse_datetime(text: pl.Series, fmt: str | None) -> pl.Series:
    if fmt is None and (guessed := _one_format(text)) is not None:
        parsed = _to_utc(text.str.to_datetime(guessed, strict=False, time_unit="us"))
        if not (text.is_not_null() & parsed.is_null()).any():
            return parsed
    try:
        parsed = _to_utc(text.str.to_datetime(fmt, strict=False, time_unit="us"))
    except pl.exceptions.ComputeError:  # no format could be inferred from the first value
        parsed = pl.Series(text.name, [None] * len(text), dtype=pl.Datetime("us", "UTC"))
    if fmt is not None or not (text.is_not_null() & parsed.is_null()).any():
        return parsed
    candidates = [
        _to_utc(text.str.to_datetime(f, strict=False, time_unit="us")) for f in DATETIME_FORMATS
    ]
    return pl.select(pl.coalesce([parsed, *candidates])).to_series().alias(text.name)


def _integer(series: pl.Series) -> pl.Series:
    dtype = series.dtype
    if dtype.is_integer():
        return series.cast(pl.Int64, strict=False)
    if dtype.is_float():
        integral = series.is_finite() & (series.floor() == series)
        return pl.select(
            pl.when(integral).then(series).otherwise(None).cast(pl.Int64, strict=False)
        ).to_series()
    if dtype == pl.Boolean:
        return series.cast(pl.Int64)
    return series.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)


def _boolean(series: pl.Series) -> pl.Series:
    dtype = series.dtype
    if dtype == pl.Boolean:
        return series
    if dtype.is_numeric():
        return series != 0
    text = series.cast(pl.String).str.strip_chars().str.to_lowercase()
    return pl.select(
        pl.when(text.is_in(TRUE)).then(True).when(text.is_in(FALSE)).then(False).otherwise(None)
    ).to_series()


def _json(series: pl.Series) -> pl.Series:
    if isinstance(series.dtype, pl.Struct):
        return series.struct.json_encode()
    if isinstance(series.dtype, pl.List | pl.Array):
        return (
            pl.select(pl.lit(series).list.eval(pl.element().cast(pl.String)))
            .to_series()
            .cast(pl.String, strict=False)
        )
    return series.cast(pl.String, strict=False)


def cast_series(series: pl.Series, target: ColumnType, fmt: str | None = None) -> pl.Series:
    """``series`` as ``target``; values that cannot be cast become null."""
    dtype = series.dtype
    if dtype == pl.Null:
        return pl.Series(series.name, [None] * len(series), dtype=POLARS_TYPES[target])
    if target is ColumnType.text:
        if isinstance(dtype, pl.Struct | pl.List):
            return _json(series)
        if isinstance(dtype, pl.Datetime):
            return _to_utc(series).dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")
        return series.cast(pl.String)
    if target is ColumnType.integer:
        return _integer(series)
    if target is ColumnType.number:
        if dtype == pl.String:
            return series.str.strip_chars().cast(pl.Float64, strict=False)
        return series.cast(pl.Float64, strict=False)
    if target is ColumnType.boolean:
        return _boolean(series)
    if target is ColumnType.date:
        if dtype == pl.String:
            text = series.str.strip_chars()
            if fmt is not None:
                return text.str.to_date(fmt, strict=False)
            return _parse_datetime(text, None).dt.date()
        if isinstance(dtype, pl.Datetime):
            return series.dt.date()
        return series.cast(pl.Date, strict=False)
    if target is ColumnType.datetime:
        if dtype == pl.String:
            return _parse_datetime(series.str.strip_chars(), fmt)
        return _to_utc(series)
    return _json(series)


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
# A time zone is required: a naive time could be in any zone, so it stays text (as written).
ISO_INSTANT = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$"


def infer_column_type(series: pl.Series) -> ColumnType:
    """The column type for a new field: by its dtype, and for text, ISO dates or instants.

    Text becomes ``date`` when every value is an ISO date (``2013-01-01``), ``datetime`` when
    every value is an ISO datetime with ``Z`` or an offset; anything else stays ``text``.
    """
    if series.dtype != pl.String:
        return column_type_of(series.dtype)
    values = series.drop_nulls().str.strip_chars()
    if values.is_empty():
        return ColumnType.text
    for pattern, target in ((ISO_DATE, ColumnType.date), (ISO_INSTANT, ColumnType.datetime)):
        if values.str.contains(pattern).all() and cast_series(values, target).null_count() == 0:
            return target
    return ColumnType.text
