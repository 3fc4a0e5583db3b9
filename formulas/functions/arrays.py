"""Array functions over JSON arrays: json columns, LOOKUPs of them, other array functions.

A value whose text is a JSON array (``[...]``) is an array; any other value is an array of that
one value, and a blank one is empty (Airtable treats a single value as a one-item array). An
array result is JSON text (``[1, "a", null]``, items as they were written, separated by
", "), so it fills json and text columns and other array functions read it back.

The items of an array are found with regular expressions over its text, in Polars and in the
reference alike: strings, numbers, true/false/null and arrays nested one level are items; an
array nested deeper is read as the arrays inside it, and an object's members as items (JSON
that lookups and sources give holds neither in arrays). ARRAYJOIN shows strings without their
quotes and leaves null items out; ARRAYCOMPACT removes null and "" items (false and " " stay);
ARRAYUNIQUE keeps the first of equal items; ARRAYSLICE(values, start, [end]) counts from 1,
includes end, and counts from the end when negative; ARRAYFLATTEN lists every item at any depth.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from formulas.ast import Call
from formulas.functions import register
from formulas.types import T
from formulas.values import Arg, num, num_py, txt, txt_py

_STRING = r'"(?:[^"\\]|\\.)*"'
_SCALAR = _STRING + r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null"
_NESTED = r"\[(?:" + _STRING + r'|[^\[\]"])*\]'
_ITEM = f"{_NESTED}|{_SCALAR}"
_ITEM_RE, _SCALAR_RE = re.compile(_ITEM), re.compile(_SCALAR)


# --- reading an argument as items (JSON literals) --------------------------------------------
def _quote(text: pl.Expr) -> pl.Expr:
    """A text as a JSON string literal."""
    escaped = (
        text.str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        .str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
        .str.replace_all("\t", "\\t", literal=True)
    )
    return pl.concat_str(pl.lit('"'), escaped, pl.lit('"'))


def _single(a: Arg) -> pl.Expr:
    """A value that is not an array, as the one JSON literal of a one-item array."""
    if a.type is T.number:
        return txt(a)
    if a.type is T.boolean:
        return pl.when(a.expr).then(pl.lit("true")).otherwise(pl.lit("false"))
    return _quote(txt(a))


def items(a: Arg, *, leaves: bool = False) -> pl.Expr:
    """The argument's items as a list of JSON literals (null for a blank value)."""
    if a.type is T.blank:
        return pl.lit(None, dtype=pl.List(pl.String))
    text = txt(a).str.strip_chars()
    is_array = text.str.starts_with("[") & text.str.ends_with("]")
    inner = text.str.slice(1, text.str.len_chars() - 2)
    found = (text if leaves else inner).str.extract_all(_SCALAR if leaves else _ITEM)
    one = pl.concat_list(_single(a))
    return pl.when(a.expr.is_null()).then(None).when(is_array).then(found).otherwise(one)


def _single_py(v: Any, t: T) -> str:
    if t is T.number:
        return txt_py(v, t)
    if t is T.boolean:
        return "true" if v else "false"
    return json.dumps(txt_py(v, t), ensure_ascii=False)


def items_py(v: Any, t: T, *, leaves: bool = False) -> list[str] | None:
    if v is None:
        return None
    text = txt_py(v, t).strip()
    if not (t is not T.number and t is not T.boolean and text[:1] == "[" and text[-1:] == "]"):
        return [_single_py(v, t)]
    return (_SCALAR_RE if leaves else _ITEM_RE).findall(text if leaves else text[1:-1])


def as_array(listed: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit("["), listed.list.join(", "), pl.lit("]"))


def as_array_py(listed: list[str] | None) -> str | None:
    return None if listed is None else "[" + ", ".join(listed) + "]"


def _shown(item: pl.Expr) -> pl.Expr:
    """An item as ARRAYJOIN shows it: strings unquoted, null left out, the rest as written."""
    quoted = item.str.starts_with('"')
    decoded = pl.when(quoted).then(item).otherwise(pl.lit('""')).str.json_decode(pl.String)
    return pl.when(quoted).then(decoded).when(item == "null").then(None).otherwise(item)


def _shown_py(item: str) -> str | None:
    if item.startswith('"'):
        return str(json.loads(item))
    return None if item == "null" else item


# --- the functions -----------------------------------------------------------------------------
@register(
    "ARRAYJOIN",
    "x t?",
    T.text,
    doc="ARRAYJOIN(values, [separator]): the items joined as text, with separator (', ')",
    example=('ARRAYJOIN(ARRAYUNIQUE(\'["a", "b", "a"]\'), "; ")', "a; b"),
)
def _arrayjoin():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        separator = txt(args[1]) if len(args) > 1 else pl.lit(", ")
        listed = items(args[0]).list.eval(_shown(pl.element()))
        return listed.list.join(separator, ignore_nulls=True), None

    def python(values: list[Any], types: list[T], call: Call) -> str | None:
        listed = items_py(values[0], types[0])
        if listed is None:
            return None
        separator = txt_py(values[1], types[1]) if len(values) > 1 else ", "
        return separator.join(s for s in map(_shown_py, listed) if s is not None)

    return polars, python


def _listwise(transform, transform_py, *, leaves: bool = False):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        return as_array(transform(items(args[0], leaves=leaves), args)), None

    def python(values: list[Any], types: list[T], call: Call) -> str | None:
        listed = items_py(values[0], types[0], leaves=leaves)
        return None if listed is None else as_array_py(transform_py(listed, values, types))

    return polars, python


register(
    "ARRAYCOMPACT",
    "x",
    T.text,
    doc='ARRAYCOMPACT(values): the array without null and "" items (false and " " stay)',
    example=("ARRAYCOMPACT('[1, \"\", null, false, 5]')", "[1, false, 5]"),
)(
    lambda: _listwise(
        lambda listed, args: listed.list.filter((pl.element() != "null") & (pl.element() != '""')),
        lambda listed, values, types: [i for i in listed if i not in ("null", '""')],
    )
)
register(
    "ARRAYUNIQUE",
    "x",
    T.text,
    doc="ARRAYUNIQUE(values): the array with each item once, first first",
    example=("ARRAYUNIQUE('[1, 2, 3, 3, 2, 1]')", "[1, 2, 3]"),
)(
    lambda: _listwise(
        lambda listed, args: listed.list.unique(maintain_order=True),
        lambda listed, values, types: list(dict.fromkeys(listed)),
    )
)
register(
    "ARRAYFLATTEN",
    "x",
    T.text,
    doc="ARRAYFLATTEN(values): every item of the array and of the arrays in it, in one array",
    example=("ARRAYFLATTEN('[[1, 2], [3, [4]], 5]')", "[1, 2, 3, 4, 5]"),
)(lambda: _listwise(lambda listed, args: listed, lambda listed, values, types: listed, leaves=True))


def _bounds(length: pl.Expr, args: list[Arg]) -> tuple[pl.Expr, pl.Expr]:
    start = num(args[1]).cast(pl.Int64, strict=False)
    begin = (
        pl.when(start > 0)
        .then(start - 1)
        .when(start < 0)
        .then(length + start)
        .otherwise(0)
        .clip(lower_bound=0)
    )
    if len(args) < 3:
        return begin, length
    end = num(args[2]).cast(pl.Int64, strict=False)
    stop = pl.when(end >= 0).then(end).otherwise(length + end + 1).clip(0, length)
    return begin, stop


def _bounds_py(length: int, values: list[Any]) -> tuple[int, int]:
    start = int(num_py(values[1]))
    begin = max(start - 1 if start > 0 else (length + start if start < 0 else 0), 0)
    if len(values) < 3:
        return begin, length
    end = int(num_py(values[2]))
    stop = min(max(end if end >= 0 else length + end + 1, 0), length)
    return begin, stop


def _slice(listed: pl.Expr, args: list[Arg]) -> pl.Expr:
    begin, stop = _bounds(listed.list.len().cast(pl.Int64), args)
    return listed.list.slice(begin, (stop - begin).clip(lower_bound=0))


def _slice_py(listed: list[str], values: list[Any], types: list[T]) -> list[str]:
    begin, stop = _bounds_py(len(listed), values)
    return listed[begin:stop]


register(
    "ARRAYSLICE",
    "x n n?",
    T.text,
    doc="ARRAYSLICE(values, start, [end]): the items from start to end (1-based, both"
    " included; negative counts from the end)",
    example=('ARRAYSLICE(\'["A", "B", "C", "D"]\', 2, 3)', '["B", "C"]'),
)(lambda: _listwise(_slice, _slice_py))
