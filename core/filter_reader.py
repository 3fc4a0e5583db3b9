"""Reads a JSON filter tree against a table's column types into the typed tree of core.filters.

Everything that can be wrong with a filter is found here, in the order it is written: an
unknown column, an unknown operator, an operator that does not fit the column's type, a value
of the wrong shape or type. Each is a FilterError naming its path (``filter.and.1.value``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

from core.clock import today
from core.enums import ColumnType
from core.filters import BY_TYPE, OPERATORS, Condition, Group, Node, Scalar, Takes, Window
from core.names import did_you_mean, unknown_column, unknown_name

MAX_DEPTH: Final = 8
MAX_CONDITIONS: Final = 100
CONDITION_FIELDS: Final = ("column", "op", "value")
_ALLOWED = {kind: frozenset(ops.all) for kind, ops in BY_TYPE.items()}
_KNOWN = sorted(OPERATORS)


class FilterError(ValueError):
    """A filter that does not read: where (``filter.and.0.op``), what, and the likely fix."""

    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.hint = hint


def _hinted(path: str, message: str, name: str, choices: Iterable[str]) -> FilterError:
    """A FilterError whose message ends with the closest valid name, also given as its hint."""
    hint = did_you_mean(name, choices).removeprefix("; ")
    return FilterError(path, f"{message}; {hint}" if hint else message, hint or None)


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


def _scalar(value: Any, kind: ColumnType, path: str) -> Scalar:
    if kind in (ColumnType.integer, ColumnType.number):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FilterError(path, f"{value!r} is not a number")
        return value
    if kind == ColumnType.boolean:
        if not isinstance(value, bool):
            raise FilterError(path, f"{value!r} is not true or false")
        return value
    if kind in (ColumnType.date, ColumnType.datetime):
        return _date(value, path)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise FilterError(path, f"{value!r} is not a text")
    return str(value)


def _window(value: Any, path: str) -> Window:
    if not isinstance(value, dict) or len({"past", "next"} & value.keys()) != 1:
        raise FilterError(path, "must be {past: N, unit: days|weeks|months} or {next: N, ...}")
    direction: Literal["past", "next"] = "past" if "past" in value else "next"
    n, unit = value[direction], value.get("unit", "days")
    if (
        not isinstance(n, int)
        or isinstance(n, bool)
        or n < 0
        or unit not in ("days", "weeks", "months")
    ):
        raise FilterError(path, "N must be a whole number >= 0 and unit days, weeks or months")
    return Window(direction, n, unit)


class FilterReader:
    """Reads filter trees over one table; its condition count spans every tree it reads."""

    def __init__(self, types: Mapping[str, str], owner: str = "the panel") -> None:
        self.types, self.owner = types, owner
        self.count = 0

    def read(self, node: Any, path: str = "filter", depth: int = 0) -> Node:
        """The typed tree of a JSON filter; a FilterError at the first thing wrong."""
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
            kind: Literal["and", "or"] = "and" if "and" in node else "or"
            items = node[kind]
            if not isinstance(items, list):
                raise FilterError(f"{path}.{kind}", "must be a list")
            return Group(
                kind,
                tuple(
                    self.read(item, f"{path}.{kind}.{i}", depth + 1) for i, item in enumerate(items)
                ),
            )
        return self._condition(node, path)

    def _condition(self, node: dict[str, Any], path: str) -> Condition:
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
        if not isinstance(key, str):
            raise FilterError(f"{path}.column", f"{key!r} is not a column key (a string)")
        if op is not None and not isinstance(op, str):
            raise FilterError(f"{path}.op", f"{op!r} is not an operator name (a string)")
        if key not in self.types:
            message, hint = unknown_column(key, self.types, self.owner)
            raise FilterError(f"{path}.column", message, hint)
        kind = ColumnType(self.types[str(key)])
        allowed = _ALLOWED[kind]
        if op not in allowed:
            reason = (
                "is not an operator" if op not in _KNOWN else f"does not apply to {kind} columns"
            )
            raise _hinted(
                f"{path}.op",
                f"{op!r} {reason}; {kind} columns take {', '.join(sorted(allowed))}",
                str(op),
                sorted(allowed),
            )
        takes = OPERATORS[op].takes
        if takes == Takes.nothing and node.get("value") is not None:
            raise FilterError(f"{path}.value", f"{op} takes no value")
        if takes != Takes.nothing and "value" not in node:
            raise FilterError(f"{path}.value", f"{op} needs a value")
        value: Any = node.get("value")
        vpath = f"{path}.value"
        if takes == Takes.nothing:
            return Condition(str(key), op, kind)
        if takes == Takes.window:
            return Condition(str(key), op, kind, window=_window(value, vpath))
        if takes == Takes.many and (not isinstance(value, list) or not value):
            raise FilterError(vpath, "must be a non-empty list")
        if takes == Takes.pair and (not isinstance(value, list) or len(value) != 2):
            raise FilterError(vpath, "must be [low, high]")
        if takes == Takes.one:
            return Condition(str(key), op, kind, (_scalar(value, kind, vpath),))
        values = tuple(_scalar(v, kind, f"{vpath}.{i}") for i, v in enumerate(value))
        return Condition(str(key), op, kind, values)


__all__ = ["MAX_CONDITIONS", "MAX_DEPTH", "FilterError", "FilterReader", "today"]
