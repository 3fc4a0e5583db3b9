"""View filters: a JSON tree of AND/OR groups of conditions, compiled to SQLAlchemy Core.

A node is ``{"and": [...]}``, ``{"or": [...]}`` or a condition
``{"column": key, "op": operator, "value": ...}``. Operators by column type:

- every type: is, is_not, is_empty, is_not_empty, is_any_of, is_none_of (``value`` a list)
- text (and json): contains, does_not_contain, starts_with, ends_with (case-insensitive)
- integer, number, date, datetime: gt, gte, lt, lte, between (``value`` [low, high])
- date, datetime: before, after, on_or_before, on_or_after, within (``value``
  {"past" or "next": N, "unit": days|weeks|months}); a date value may be an ISO date or a
  relative anchor: "today", "yesterday", "tomorrow", {"days_ago": N}, {"days_from_now": N}
- boolean: is_true, is_false

Values are bound parameters; an unknown column, an unknown operator, an operator that does
not fit the column's type, or a value of the wrong type is a FilterError naming the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, not_, or_, true
from sqlalchemy.sql import ColumnElement

from core.clock import today
from schemas.common import did_you_mean, unknown_name

MAX_DEPTH = 8
MAX_CONDITIONS = 100
COMMON = {"is", "is_not", "is_empty", "is_not_empty", "is_any_of", "is_none_of"}
TEXT = {"contains", "does_not_contain", "starts_with", "ends_with"}
ORDERED = {"gt", "gte", "lt", "lte", "between"}
DATES = {"before", "after", "on_or_before", "on_or_after", "within"}
BOOLEAN = {"is_true", "is_false"}
NO_VALUE = {"is_empty", "is_not_empty", "is_true", "is_false"}
CONDITION_FIELDS = ("column", "op", "value")
ALLOWED = {
    "text": COMMON | TEXT,
    "json": COMMON | TEXT,
    "integer": COMMON | ORDERED,
    "number": COMMON | ORDERED,
    "date": COMMON | ORDERED | DATES,
    "datetime": COMMON | ORDERED | DATES,
    "boolean": COMMON | BOOLEAN,
}


class FilterError(ValueError):
    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.hint = hint


def unknown_column(key: object, keys: Any, owner: str = "the panel") -> tuple[str, str | None]:
    """(message, hint) for a column key that ``owner`` does not have."""
    hint = did_you_mean(str(key), keys).removeprefix("; ") or None
    message = f"{owner} has no column {key!r}"
    return (f"{message}; {hint}" if hint else message), hint


def _hinted(path: str, message: str, name: str, choices: Any) -> FilterError:
    """A FilterError whose message ends with the closest valid name, also given as its hint."""
    hint = did_you_mean(name, choices).removeprefix("; ")
    return FilterError(path, f"{message}; {hint}" if hint else message, hint or None)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _date(value: Any, path: str) -> date:
    day = today()
    anchors = {
        "today": day,
        "yesterday": day - timedelta(days=1),
        "tomorrow": day + timedelta(days=1),
    }
    if isinstance(value, str) and value.lower() in anchors:
        return anchors[value.lower()]
    if isinstance(value, dict) and len(value) == 1:
        ((kind, n),) = value.items()
        if kind in ("days_ago", "days_from_now") and isinstance(n, int) and not isinstance(n, bool):
            return day + timedelta(days=-n if kind == "days_ago" else n)
    if isinstance(value, str):
        try:
            return (
                datetime.fromisoformat(value.replace("Z", "+00:00")).date()
                if "T" in value
                else date.fromisoformat(value)
            )
        except ValueError:
            pass
    raise FilterError(
        path, f"{value!r} is not a date (use 2024-01-31, 'today', or {{'days_ago': 3}})"
    )


def _scalar(value: Any, kind: str, path: str) -> Any:
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FilterError(path, f"{value!r} is not a number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise FilterError(path, f"{value!r} is not true or false")
        return value
    if kind in ("date", "datetime"):
        return _date(value, path)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise FilterError(path, f"{value!r} is not a text")
    return str(value)


class FilterCompiler:
    def __init__(self, columns: Any, types: Mapping[str, str], owner: str = "the panel") -> None:
        self.columns, self.types, self.owner = columns, types, owner
        self.count = 0

    def compile(self, node: Any, path: str = "filter", depth: int = 0) -> ColumnElement[bool]:
        if depth > MAX_DEPTH:
            raise FilterError(path, f"filters nest at most {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise FilterError(
                path, "a filter is an object: {and: [...]}, {or: [...]} or a condition"
            )
        if "and" in node or "or" in node:
            if len(node) != 1:
                extra = sorted(set(node) - {"and"} if "and" in node else set(node) - {"or"})
                raise FilterError(
                    f"{path}.{extra[0]}",
                    f'a group is {{"and": [...]}} or {{"or": [...]}} alone; "{extra[0]}" does '
                    "not belong in it (put conditions inside the list)",
                )
            kind = "and" if "and" in node else "or"
            items = node[kind]
            if not isinstance(items, list):
                raise FilterError(f"{path}.{kind}", "must be a list")
            parts = [
                self.compile(item, f"{path}.{kind}.{i}", depth + 1) for i, item in enumerate(items)
            ]
            if not parts:
                return true()
            return and_(*parts) if kind == "and" else or_(*parts)
        return self._condition(node, path)

    def _condition(self, node: dict[str, Any], path: str) -> ColumnElement[bool]:
        self.count += 1
        if self.count > MAX_CONDITIONS:
            raise FilterError(path, f"at most {MAX_CONDITIONS} conditions")
        for name in node:
            if name not in CONDITION_FIELDS:
                raise _hinted(
                    f"{path}.{name}",
                    unknown_name(str(name), (), "field of a condition").rstrip()
                    + " (a condition has column, op and value)",
                    str(name),
                    CONDITION_FIELDS,
                )
        key, op = node.get("column"), node.get("op")
        if key is None:
            raise FilterError(f"{path}.column", "a condition needs a column")
        if key not in self.types:
            message, hint = unknown_column(key, self.types, self.owner)
            raise FilterError(f"{path}.column", message, hint)
        kind = self.types[str(key)]
        if op not in ALLOWED[kind]:
            known = sorted(set().union(*ALLOWED.values()))
            reason = (
                "is not an operator" if op not in known else f"does not apply to {kind} columns"
            )
            raise _hinted(
                f"{path}.op",
                f"{op!r} {reason}; {kind} columns take {', '.join(sorted(ALLOWED[kind]))}",
                str(op),
                ALLOWED[kind],
            )
        if op in NO_VALUE and node.get("value") is not None:
            raise FilterError(f"{path}.value", f"{op} takes no value")
        if op not in NO_VALUE and "value" not in node:
            raise FilterError(f"{path}.value", f"{op} needs a value")
        col = self.columns[str(key)]
        value = node.get("value")
        vpath = f"{path}.value"
        if op == "is_empty":
            return or_(col.is_(None), col == "") if kind in ("text", "json") else col.is_(None)
        if op == "is_not_empty":
            return (
                and_(col.is_not(None), col != "") if kind in ("text", "json") else col.is_not(None)
            )
        if op in ("is_true", "is_false"):
            return col.is_(True) if op == "is_true" else or_(col.is_(False), col.is_(None))
        if op in ("is_any_of", "is_none_of"):
            if not isinstance(value, list) or not value:
                raise FilterError(vpath, "must be a non-empty list")
            values = [_scalar(v, kind, f"{vpath}.{i}") for i, v in enumerate(value)]
            inside = self._equals_any(col, kind, values)
            return inside if op == "is_any_of" else or_(not_(inside), col.is_(None))
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise FilterError(vpath, "must be [low, high]")
            low, high = (_scalar(v, kind, f"{vpath}.{i}") for i, v in enumerate(value))
            return and_(self._cmp(col, kind, ">=", low), self._cmp(col, kind, "<=", high))
        if op == "within":
            return self._within(col, kind, value, vpath)
        scalar = _scalar(value, kind, vpath)
        if op == "is":
            return self._equals_any(col, kind, [scalar])
        if op == "is_not":
            return or_(not_(self._equals_any(col, kind, [scalar])), col.is_(None))
        if op in TEXT:
            pattern = _escape_like(str(scalar))
            like = {
                "contains": f"%{pattern}%",
                "does_not_contain": f"%{pattern}%",
                "starts_with": f"{pattern}%",
                "ends_with": f"%{pattern}",
            }[op]
            matched = col.ilike(like, escape="\\")
            return or_(not_(matched), col.is_(None)) if op == "does_not_contain" else matched
        symbol = {
            "gt": ">",
            "after": ">",
            "gte": ">=",
            "on_or_after": ">=",
            "lt": "<",
            "before": "<",
            "lte": "<=",
            "on_or_before": "<=",
        }[op]
        return self._cmp(col, kind, symbol, scalar)

    def _day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start, start + timedelta(days=1)

    def _equals_any(
        self, col: ColumnElement[Any], kind: str, values: list[Any]
    ) -> ColumnElement[bool]:
        if kind == "datetime":  # a date matches the whole day
            return or_(*(and_(col >= lo, col < hi) for lo, hi in map(self._day_bounds, values)))
        return col.in_(values)

    def _cmp(
        self, col: ColumnElement[Any], kind: str, symbol: str, value: Any
    ) -> ColumnElement[bool]:
        if kind == "datetime" and isinstance(value, date):
            start, end = self._day_bounds(value)
            value = {">": end, ">=": start, "<": start, "<=": end}[symbol]
            symbol = {">": ">=", ">=": ">=", "<": "<", "<=": "<"}[symbol]
        result: ColumnElement[bool] = {
            ">": col > value,
            ">=": col >= value,
            "<": col < value,
            "<=": col <= value,
        }[symbol]
        return result

    def _within(
        self, col: ColumnElement[Any], kind: str, value: Any, path: str
    ) -> ColumnElement[bool]:
        if not isinstance(value, dict) or len({"past", "next"} & value.keys()) != 1:
            raise FilterError(path, "must be {past: N, unit: days|weeks|months} or {next: N, ...}")
        direction = "past" if "past" in value else "next"
        n, unit = value[direction], value.get("unit", "days")
        if (
            not isinstance(n, int)
            or isinstance(n, bool)
            or n < 0
            or unit not in ("days", "weeks", "months")
        ):
            raise FilterError(path, "N must be a whole number >= 0 and unit days, weeks or months")
        day = today()
        days = n * {"days": 1, "weeks": 7, "months": 30}[unit]
        low, high = (
            (day - timedelta(days=days), day)
            if direction == "past"
            else (day, day + timedelta(days=days))
        )
        return and_(self._cmp(col, kind, ">=", low), self._cmp(col, kind, "<=", high))


__all__ = ["FilterCompiler", "FilterError", "unknown_column"]
