"""View filters compiled to SQLAlchemy Core: the typed tree of core.filters, a clause per operator.

The language itself (operators per column type, the values they take, what a tree may hold and
the errors it gets) is core/filters.py and core/filter_reader.py. Values are bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, literal, not_, or_, true
from sqlalchemy.sql import ColumnElement

from core.enums import ColumnType
from core.filter_reader import FilterError, FilterReader, today
from core.filters import Condition, Group, Scalar, fold
from core.names import unknown_column

Clause = Callable[[ColumnElement[Any], Condition], ColumnElement[bool]]
_TEXTUAL = (ColumnType.text, ColumnType.json)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _equals_any(
    col: ColumnElement[Any], kind: ColumnType, values: tuple[Scalar, ...]
) -> ColumnElement[bool]:
    if kind == ColumnType.datetime:  # a date matches the whole day
        days = cast("tuple[date, ...]", values)  # the reader reads dates for date columns
        return or_(*(and_(col >= lo, col < hi) for lo, hi in map(_day_bounds, days)))
    # Each value bound with its own type: one list would take the first value's, and
    # PostgreSQL would then read [0, -1.5] as integers (-1.5 as -2).
    return col.in_([literal(v) for v in values])


def _cmp(col: ColumnElement[Any], kind: ColumnType, symbol: str, value: Any) -> ColumnElement[bool]:
    if kind == ColumnType.datetime and isinstance(value, date):
        start, end = _day_bounds(value)
        value = {">": end, ">=": start, "<": start, "<=": end}[symbol]
        symbol = {">": ">=", ">=": ">=", "<": "<", "<=": "<"}[symbol]
    result: ColumnElement[bool] = {
        ">": col > value,
        ">=": col >= value,
        "<": col < value,
        "<=": col <= value,
    }[symbol]
    return result


def _range(col: ColumnElement[Any], kind: ColumnType, low: Any, high: Any) -> ColumnElement[bool]:
    return and_(_cmp(col, kind, ">=", low), _cmp(col, kind, "<=", high))


def _empty(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
    return or_(col.is_(None), col == "") if c.type in _TEXTUAL else col.is_(None)


def _not_empty(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
    return and_(col.is_not(None), col != "") if c.type in _TEXTUAL else col.is_not(None)


def _any_of(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
    return _equals_any(col, c.type, c.values)


def _none_of(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
    return or_(not_(_equals_any(col, c.type, c.values)), col.is_(None))


def _like(template: str, negate: bool = False) -> Clause:
    """Case-insensitive LIKE of the value inside ``template`` ({} where it goes), literally."""

    def clause(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
        matched = col.ilike(template.format(_escape_like(str(c.values[0]))), escape="\\")
        return or_(not_(matched), col.is_(None)) if negate else matched

    return clause


def _compare(symbol: str) -> Clause:
    return lambda col, c: _cmp(col, c.type, symbol, c.values[0])


def _between(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
    low, high = c.values
    return _range(col, c.type, low, high)


def _within(col: ColumnElement[Any], c: Condition) -> ColumnElement[bool]:
    assert c.window is not None  # the reader gives within its window
    return _range(col, c.type, *c.window.bounds(today()))


# One clause per operator of core.filters.OPERATORS (tests/test_filter_operators.py checks).
SQL: dict[str, Clause] = {
    "is": _any_of,
    "is_not": _none_of,
    "is_empty": _empty,
    "is_not_empty": _not_empty,
    "is_any_of": _any_of,
    "is_none_of": _none_of,
    "contains": _like("%{}%"),
    "does_not_contain": _like("%{}%", negate=True),
    "starts_with": _like("{}%"),
    "ends_with": _like("%{}"),
    "gt": _compare(">"),
    "gte": _compare(">="),
    "lt": _compare("<"),
    "lte": _compare("<="),
    "between": _between,
    "before": _compare("<"),
    "after": _compare(">"),
    "on_or_before": _compare("<="),
    "on_or_after": _compare(">="),
    "within": _within,
    "is_true": lambda col, c: col.is_(True),
    "is_false": lambda col, c: or_(col.is_(False), col.is_(None)),
}


class FilterCompiler:
    """Filter trees over one table's columns, as WHERE clauses (FilterError when one is wrong)."""

    def __init__(self, columns: Any, types: Mapping[str, str], owner: str = "the panel") -> None:
        self.columns = columns
        self.reader = FilterReader(types, owner)

    def compile(self, node: Any, path: str = "filter") -> ColumnElement[bool]:
        return fold(self.reader.read(node, path), self._condition, self._group)

    def _condition(self, c: Condition) -> ColumnElement[bool]:
        return SQL[c.op](self.columns[c.column], c)

    def _group(self, group: Group, parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
        if not parts:
            return true()
        return and_(*parts) if group.kind == "and" else or_(*parts)


__all__ = ["SQL", "FilterCompiler", "FilterError", "today", "unknown_column"]
