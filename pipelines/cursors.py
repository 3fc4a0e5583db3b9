"""Incremental-sync cursors: kept in JSON with their type, compared in the cursor column's type.

A cursor is stored in ``data_sources.state["cursor"]``: numbers and text as they are, dates and
datetimes as ``{"type": "date" | "datetime", "value": ISO 8601, "time_zone": ...}`` so that the
next sync gets the same value back (and a SQL query its ``:cursor`` as a real timestamp). Older
versions stored dates and datetimes as text (``str(value)``): those are parsed back with the
type and time zone of the column they are compared with.

Text columns holding ISO 8601 timestamps (JSON APIs, CSV files) are compared as instants, not
as text: ``12:00+02:00`` is before ``11:00Z``, whatever the characters say. The cursor kept for
them is the source's own text, so an API gets back the spelling it sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from connectors.casting import cast_series
from core.enums import ColumnType


def encode(value: object) -> Any:
    """``value`` as JSON for the source's state."""
    if isinstance(value, datetime):
        zone = None if value.tzinfo is None else str(value.tzinfo)
        return {"type": "datetime", "value": value.isoformat(), "time_zone": zone}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, Decimal):
        return {"type": "decimal", "value": str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def decode(stored: object) -> object:
    """The value ``encode`` stored (older text cursors stay text until ``coerce``)."""
    if not isinstance(stored, dict):
        return stored
    kind, value = stored.get("type"), str(stored.get("value"))
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    raise ValueError(f"unknown stored cursor type {kind!r}")


def display(value: object) -> Any:
    """JSON-safe and readable: for metadata and logs."""
    if isinstance(value, date | Decimal):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def _datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value).strip())


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # a fixed offset such as "+02:00"
        return datetime.fromisoformat(f"2000-01-01T00:00{name}").tzinfo or UTC


def coerce(cursor: object, dtype: pl.DataType) -> object:
    """``cursor`` as a Python value of the column's ``dtype``."""
    if cursor is None:
        return None
    if isinstance(dtype, pl.Datetime):
        value = _datetime(cursor)
        zone = dtype.time_zone
        if zone is None:  # a naive column: an aware cursor is compared on the UTC clock
            return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        if value.tzinfo is None:  # an older text cursor without an offset: the column's zone
            value = value.replace(tzinfo=_zone(zone))
        return value.astimezone(UTC)
    if dtype == pl.Date:
        if isinstance(cursor, datetime):
            return cursor.date()
        return cursor if isinstance(cursor, date) else date.fromisoformat(str(cursor)[:10])
    if dtype.is_integer():
        return int(str(cursor)) if not isinstance(cursor, int) else cursor
    if dtype.is_float():
        return float(str(cursor)) if not isinstance(cursor, float) else cursor
    if dtype.is_decimal():
        return Decimal(str(cursor))
    if dtype == pl.String and isinstance(cursor, date):
        return cursor.isoformat()
    return cursor


def _instants(series: pl.Series) -> pl.Series | None:
    """ISO 8601 text as UTC datetimes when every value parses; None otherwise."""
    if series.dtype != pl.String or series.is_null().all():
        return None
    parsed = cast_series(series, ColumnType.datetime)
    if (series.is_not_null() & parsed.is_null()).any():
        return None
    return parsed


def all_instants(batches: Iterable[pl.Series]) -> bool:
    """Whether a column, read in ``batches``, is text of ISO 8601 instants only (and not empty).

    The whole column decides, as ``_instants`` does for one series: a text column is compared
    as instants in every batch or in none.
    """
    seen = False
    for series in batches:
        if series.dtype != pl.String:
            return False
        values = series.drop_nulls()
        if values.is_empty():
            continue
        if cast_series(values, ColumnType.datetime).null_count():
            return False
        seen = True
    return seen


def at_or_after(series: pl.Series, cursor: object, *, instants: bool | None = None) -> pl.Series:
    """A mask: the values at or after ``cursor``.

    ``instants``: whether the column is compared as ISO 8601 instants (``all_instants`` over
    the whole column); None: this series decides.
    """
    if instants is None:
        instants = _instants(series) is not None
    if instants:
        instants_of = cast_series(series, ColumnType.datetime)
        bound = _instants(pl.Series([str(cursor)]))
        if bound is not None:
            return pl.select((pl.lit(instants_of) >= bound[0]).fill_null(False)).to_series()
    literal = pl.lit(coerce(cursor, series.dtype)).cast(series.dtype)
    return pl.select((pl.lit(series) >= literal).fill_null(False)).to_series()


def latest(series: pl.Series) -> object:
    """The newest value (for ISO text: the text of the newest instant)."""
    if series.is_null().all():
        return None
    instants = _instants(series)
    if instants is not None:
        index = instants.arg_max()
        return None if index is None else series[index]
    return series.max()


def latest_of(batches: Iterable[pl.Series], *, instants: bool) -> object:
    """``latest`` of a column read in ``batches`` (``instants``: as ``all_instants`` found)."""
    best: object = None
    best_key: Any = None
    for series in batches:
        keys = cast_series(series, ColumnType.datetime) if instants else series
        index = keys.arg_max()
        if index is None or keys[index] is None:
            continue
        if best_key is None or keys[index] > best_key:
            best, best_key = series[index], keys[index]
    return best
