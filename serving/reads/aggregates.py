"""Aggregates of a version, per group and as footers, computed in SQL."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, get_args

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Select,
    String,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.sql import ColumnElement

from schemas.common import did_you_mean
from schemas.rows import AggregatesPublic, GroupPublic
from schemas.views import AggregateFunction
from serving.reads.analytics import Analytics, on_snapshot
from serving.reads.prepare import Prepared, bad
from serving.reads.rows import QueryError, RowQuery
from serving.reads.session import Reading

FUNCTIONS: tuple[str, ...] = get_args(AggregateFunction)
NUMERIC = {"integer", "number"}
ORDERABLE = NUMERIC | {"date", "datetime", "text"}
MAX_GROUPS = 1_000


def parse_aggregates(raw: str | None) -> list[tuple[str, str]]:
    """``"count,sum:amount,avg:delay"`` -> [(function, column)]; count alone counts rows."""
    out = []
    for part in (raw or "").split(","):
        item = part.strip()
        if item:
            fn, _, key = item.partition(":")
            out.append((fn.strip(), key.strip()))
    return out


def _expression(query: RowQuery, fn: str, key: str, i: int) -> ColumnElement[Any]:
    field = f"query.aggregates.{i}"
    if fn not in FUNCTIONS:
        hint = did_you_mean(fn, FUNCTIONS).removeprefix("; ") or None
        raise QueryError(
            field,
            f"unknown aggregate {fn!r}; use {', '.join(FUNCTIONS)}" + (f"; {hint}" if hint else ""),
            hint,
        )
    if fn == "count" and not key:
        return func.count()
    if key not in query.types:
        raise query.no_column(field, key)
    kind = query.types[key]
    col = query.table.c[key]
    empty = (col.is_(None) | (col == "")) if kind in ("text", "json") else col.is_(None)
    if fn in ("count", "count_not_empty"):
        return func.count(case((~empty, literal(1))))
    if fn == "count_empty":
        return func.count(case((empty, literal(1))))
    if fn == "count_distinct":
        return func.count(distinct(col))
    if fn in ("sum", "avg", "median") and kind not in NUMERIC:
        raise QueryError(field, f"{fn} needs a number column; {key!r} is {kind}")
    if fn in ("min", "max") and kind not in ORDERABLE:
        raise QueryError(field, f"{fn} does not apply to {kind} columns")
    if fn == "median":
        return func.percentile_cont(0.5).within_group(col)
    if fn == "sum":
        return func.sum(col)
    if fn == "avg":
        return func.avg(col)
    return func.min(col) if fn == "min" else func.max(col)


TIME_BUCKETS = ("day", "week", "month", "quarter", "year")


def bin_width(bucket: str) -> float | None:
    """A numeric bucket's bin width, or None when it is not a finite number above 0."""
    try:
        width = float(bucket)
    except ValueError:
        return None
    return width if math.isfinite(width) and width > 0 else None


def _bucketed(query: RowQuery, key: str, bucket: str) -> ColumnElement[Any]:
    """The group key of column ``key`` by ``bucket``: the start of its day, week (Monday),
    month, quarter or year (dates and times, in UTC), or of its bin of that width (numbers).
    The same SQL on PostgreSQL and DuckDB, the same types (a date stays a date)."""
    kind, col = query.types[key], query.table.c[key]
    if kind in ("date", "datetime"):
        if bucket not in TIME_BUCKETS:
            hint = did_you_mean(bucket, TIME_BUCKETS).removeprefix("; ") or None
            raise QueryError(
                "query.bucket",
                f"{key!r} is a {kind} column: bucket by {', '.join(TIME_BUCKETS)}, not {bucket!r}",
                hint,
            )
        truncated = func.date_trunc(literal(bucket, String()), col)
        return (cast(truncated, Date()) if kind == "date" else truncated).label(key)
    if kind not in NUMERIC:
        raise QueryError(
            "query.bucket",
            f"{key!r} is a {kind} column: only dates, times and numbers have buckets",
        )
    width = bin_width(bucket)
    if width is None:
        raise QueryError(
            "query.bucket",
            f"{key!r} is a number column: its bucket is a bin width above 0, not {bucket!r}",
        )
    binned = func.floor(cast(col, Float()) / literal(width)) * literal(width)
    if kind == "integer" and width.is_integer() and width <= 2**52:
        # Whole bins of whole numbers read as whole numbers; a bin wider than that is a
        # number (its lower bound can be past what a bigint holds).
        return cast(binned, BigInteger()).label(key)
    return binned.label(key)


def aggregate_selects(
    query: RowQuery,
    group_by: list[str],
    aggregates: list[tuple[str, str]],
    bucket: str | None = None,
) -> tuple[Select[Any], Select[Any], list[str]]:
    """(grouped select, footer select, value labels). The grouped select answers the footer
    too, in its first row (``_total`` not 0), then a row per group (``_total`` 0), each
    ``_total, *keys, *values``; ``bucket`` groups the first key by buckets
    (:func:`_bucketed`)."""
    for i, key in enumerate(group_by):
        if key not in query.types:
            raise query.no_column(f"query.group_by.{i}", key)
    if bucket is not None and not group_by:
        raise QueryError("query.bucket", "a bucket groups the first group_by column: give group_by")
    aggregates = aggregates or [("count", "")]
    labels = [f"{fn}:{key}" if key else fn for fn, key in aggregates]
    values = [
        _expression(query, fn, key, i).label(f"a{i}") for i, (fn, key) in enumerate(aggregates)
    ]
    groups: list[ColumnElement[Any]] = [query.table.c[k] for k in group_by]
    if bucket is not None:
        groups[0] = _bucketed(query, group_by[0], bucket)
    footer = select(*values).select_from(query.table).where(*query.where)
    if not groups:
        return footer, footer, labels
    # The groups and the footer in one scan: GROUPING SETS ((keys), ()), the footer's row
    # first (its grouping() flag is not 0), then the groups in order, blanks last.
    total = func.grouping(*groups).label("_total")
    grouped = (
        select(total, *groups, *values)
        .select_from(query.table)
        .where(*query.where)
        .group_by(func.grouping_sets(tuple_(*groups), tuple_()))
        .order_by(total.desc(), *(g.asc().nulls_last() for g in groups))
        .limit(MAX_GROUPS + 2)
    )
    return grouped, footer, labels


def _plain(value: Any) -> Any:
    """PostgreSQL sums integers as numeric: give JSON numbers, not strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _plain_duckdb(kind: str, fn: str) -> Callable[[Any], Any]:
    """DuckDB's answer as PostgreSQL gives it: PostgreSQL sums and averages integers as
    numeric (an integral value reads as an integer), DuckDB as HUGEINT or DOUBLE."""
    if fn in ("sum", "avg") and kind == "integer":
        return lambda v: int(v) if v is not None and float(v).is_integer() else _plain(v)
    return _plain


async def _answered(
    reading: Reading,
    prepared: Prepared,
    analytics: Analytics | None,
    footer: Select[Any],
    grouped: Select[Any] | None,
    wanted: list[tuple[str, str]],
) -> tuple[list[Any], list[Any]]:
    """(footer row, group rows): DuckDB over the version's snapshot when it has one, else
    PostgreSQL; aggregate values as PostgreSQL gives them either way."""
    statement = footer if grouped is None else grouped
    found = await on_snapshot(reading, prepared, analytics, [statement])
    if found is None:
        found = [list((await reading.execute(statement)).all())]
        plain: list[Callable[[Any], Any]] = [_plain] * len(wanted)
    else:
        types = prepared.query.types
        plain = [_plain_duckdb(types.get(key, ""), fn) for fn, key in wanted]

    def values(row: Any) -> tuple[Any, ...]:
        head, tail = row[: len(row) - len(plain)], row[len(row) - len(plain) :]
        return (*head, *(p(v) for p, v in zip(plain, tail, strict=True)))

    rows = found[0]
    if grouped is None:
        return list(values(rows[0])), []
    # The footer's row first (grouping() not 0), then the groups; the flag is dropped.
    return list(values(rows[0]))[-len(plain) :], [values(row[1:]) for row in rows[1:]]


async def summarise(
    reading: Reading,
    prepared: Prepared,
    wanted: list[tuple[str, str]],
    analytics: Analytics | None = None,
    bucket: str | None = None,
) -> AggregatesPublic:
    """The footer over the whole (filtered) version and, with group keys, a row per group."""
    keys = prepared.group_by
    wanted = wanted or [("count", "")]
    try:
        grouped, footer, labels = aggregate_selects(prepared.query, keys, wanted, bucket)
    except QueryError as exc:
        raise bad(exc) from exc
    footer_row, rows = await _answered(
        reading, prepared, analytics, footer, grouped if keys else None, wanted
    )
    groups = []
    truncated = False
    if keys:
        for row in rows[:MAX_GROUPS]:
            groups.append(
                GroupPublic(
                    group=dict(zip(keys, row[: len(keys)], strict=True)),
                    values=dict(zip(labels, row[len(keys) :], strict=True)),
                )
            )
        truncated = len(rows) > MAX_GROUPS
    return AggregatesPublic(
        version=prepared.version.number,
        groups=groups,
        footer=dict(zip(labels, footer_row, strict=True)),
        truncated=truncated,
    )
