"""The filter language, defined once: its operators per column type, and the typed filter tree.

A filter is a JSON tree: ``{"and": [...]}``, ``{"or": [...]}`` or a condition
``{"column": key, "op": operator, "value": ...}``. Operators by column type:

- every type: is, is_not, is_empty, is_not_empty, is_any_of, is_none_of (``value`` a list)
- text (and json): contains, does_not_contain, starts_with, ends_with (case-insensitive)
- integer, number, date, datetime: gt, gte, lt, lte, between (``value`` [low, high])
- date, datetime: before, after, on_or_before, on_or_after, within (``value``
  {"past" or "next": N, "unit": days|weeks|months}); a date value may be an ISO date or a
  relative anchor: "today", "yesterday", "tomorrow", {"days_ago": N}, {"days_from_now": N}
- boolean: is_true, is_false

``core.filter_reader`` reads a JSON tree into the typed tree below (or says where it is wrong);
``fold`` is the one walk over a typed tree. The API compiles it to SQL (serving/reads/filters.py),
publishes the operator table (``GET /api/v1/filter-operators``, which the page's filter editor
reads), and the publish indexes the columns saved views filter on (pipelines/spec.py).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, TypeVar

from core.enums import ColumnType


class Takes(enum.StrEnum):
    """The value an operator takes."""

    nothing = "none"  # no value at all
    one = "one"  # one value of the column's type
    many = "many"  # a non-empty list of them
    pair = "pair"  # [low, high]
    window = "window"  # {"past" or "next": N, "unit": days|weeks|months}


@dataclass(frozen=True)
class Operator:
    name: str
    label: str  # how the page's filter editor names it
    takes: Takes


OPERATORS: Final[dict[str, Operator]] = {
    op.name: op
    for op in (
        Operator("is", "is", Takes.one),
        Operator("is_not", "is not", Takes.one),
        Operator("is_empty", "is empty", Takes.nothing),
        Operator("is_not_empty", "is not empty", Takes.nothing),
        Operator("is_any_of", "is any of", Takes.many),
        Operator("is_none_of", "is none of", Takes.many),
        Operator("contains", "contains", Takes.one),
        Operator("does_not_contain", "does not contain", Takes.one),
        Operator("starts_with", "starts with", Takes.one),
        Operator("ends_with", "ends with", Takes.one),
        Operator("gt", ">", Takes.one),
        Operator("gte", "≥", Takes.one),
        Operator("lt", "<", Takes.one),
        Operator("lte", "≤", Takes.one),
        Operator("between", "between", Takes.pair),
        Operator("before", "is before", Takes.one),
        Operator("after", "is after", Takes.one),
        Operator("on_or_before", "is on or before", Takes.one),
        Operator("on_or_after", "is on or after", Takes.one),
        Operator("within", "is within", Takes.window),
        Operator("is_true", "is true", Takes.nothing),
        Operator("is_false", "is false", Takes.nothing),
    )
}


@dataclass(frozen=True)
class TypeOperators:
    """The operators one column type takes, in the order the page's filter editor lists them."""

    editor: tuple[str, ...]  # offered by the editor; a new condition starts with the first
    api_only: tuple[str, ...] = ()  # taken by the API, not offered by the editor

    @property
    def all(self) -> tuple[str, ...]:
        return self.editor + self.api_only


_COMMON = ("is", "is_not", "is_empty", "is_not_empty", "is_any_of", "is_none_of")
_TEXT = ("contains", "does_not_contain", "starts_with", "ends_with")
_ORDERED = ("gt", "gte", "lt", "lte", "between")
_DATES = ("before", "after", "on_or_before", "on_or_after", "within")

BY_TYPE: Final[dict[ColumnType, TypeOperators]] = {
    ColumnType.text: TypeOperators(_TEXT + _COMMON),
    ColumnType.json: TypeOperators(_TEXT + _COMMON),
    ColumnType.integer: TypeOperators(_COMMON + _ORDERED),
    ColumnType.number: TypeOperators(_COMMON + _ORDERED),
    ColumnType.date: TypeOperators(_COMMON + _DATES + _ORDERED),
    ColumnType.datetime: TypeOperators(_COMMON + _DATES + _ORDERED),
    # The editor's value box writes text, numbers and dates, never true or false: the
    # operators that compare a boolean with a value are the API's only.
    ColumnType.boolean: TypeOperators(
        ("is_true", "is_false", "is_empty", "is_not_empty"),
        ("is", "is_not", "is_any_of", "is_none_of"),
    ),
}

Scalar = str | int | float | bool | date  # a date column's values are dates, relative or not


@dataclass(frozen=True)
class Window:
    """``within``'s span: the past or the next N days, weeks or months (a month is 30 days)."""

    direction: Literal["past", "next"]
    count: int
    unit: Literal["days", "weeks", "months"]

    def bounds(self, day: date) -> tuple[date, date]:
        """The first and the last day of the span, seen from ``day``."""
        span = timedelta(days=self.count * {"days": 1, "weeks": 7, "months": 30}[self.unit])
        return (day - span, day) if self.direction == "past" else (day, day + span)


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    type: ColumnType
    # As the operator takes them: none (), one (v,), many (v, ...), a pair (low, high).
    values: tuple[Scalar, ...] = ()
    window: Window | None = None  # within's span


@dataclass(frozen=True)
class Group:
    kind: Literal["and", "or"]
    items: tuple[Node, ...]


Node = Condition | Group
T = TypeVar("T")


def fold(
    node: Node, condition: Callable[[Condition], T], group: Callable[[Group, list[T]], T]
) -> T:
    """The one walk of a filter tree: each condition mapped, each group's parts combined."""
    if isinstance(node, Condition):
        return condition(node)
    return group(node, [fold(item, condition, group) for item in node.items])


def conditions(node: Node) -> list[Condition]:
    """Every condition of a tree, in the order they are written."""
    return fold(node, lambda c: [c], lambda _, parts: [c for part in parts for c in part])


__all__ = [
    "BY_TYPE",
    "OPERATORS",
    "Condition",
    "Group",
    "Node",
    "Operator",
    "Scalar",
    "Takes",
    "TypeOperators",
    "Window",
    "conditions",
    "fold",
]
