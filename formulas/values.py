"""Shared coercions, each in a Polars and a plain-Python spelling with the same meaning.

Blank semantics (Airtable's, Excel's where Airtable is silent): in arithmetic and comparisons a
blank number is 0, a blank text is "", a blank boolean is FALSE; text functions see "";
date functions give blank for a blank date. Conditions are true for non-zero numbers,
non-empty text, TRUE and any date.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from formulas.ast import Node
from formulas.types import T


class EvalError(Exception):
    """A row-level evaluation error: the value becomes blank and the error is counted."""


@dataclass(frozen=True)
class Arg:
    """A compiled argument: its Polars value, the rows where it errored, its type."""

    expr: pl.Expr
    error: pl.Expr | None
    type: T
    node: Node
    non_null: bool = False  # a column known to hold no blanks: coercions skip fill_null
    integral: bool = False  # an integer column: shown as text without a float detour


def any_error(*errors: pl.Expr | None) -> pl.Expr | None:
    present = [e for e in errors if e is not None]
    if not present:
        return None
    out = present[0]
    for e in present[1:]:
        out = out | e
    return out


# --- numbers -------------------------------------------------------------------------------
def num(a: Arg) -> pl.Expr:
    if a.type is T.blank:
        return pl.lit(0.0)
    value = a.expr.cast(pl.Float64)
    return value if a.non_null else value.fill_null(0.0)


def num_py(v: Any) -> float:
    if v is None:
        return 0.0
    return float(v)


def finite(expr: pl.Expr) -> pl.Expr:
    """Rows where a number result is not a usable number (inf, NaN): errors."""
    return ~expr.is_finite()


def floor_mod(x: float, y: float) -> float:
    """x mod y with the divisor's sign, computed as Polars does (x - y * floor(x / y))."""
    if y == 0:
        raise EvalError("modulo by zero")
    quotient = x / y
    if not math.isfinite(quotient):  # a tiny divisor: Polars gets inf or NaN, an error either way
        return math.nan
    return x - y * math.floor(quotient)


def check_finite(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        raise EvalError("not a finite number")
    return x


# --- text ----------------------------------------------------------------------------------
_EXPONENT = re.compile(r"e([+-]?)0*(\d)")


def number_text_py(x: float) -> str:
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = repr(x)
    return (
        _EXPONENT.sub(lambda m: f"e{m.group(1)}{m.group(2)}", text)
        .replace("nan", "NaN")
        .replace("inf", "inf")
    )


def number_text(expr: pl.Expr) -> pl.Expr:
    integral = (expr == expr.floor()) & (expr.abs() < 1e15)
    return (
        pl.when(integral)
        .then(expr.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(expr.cast(pl.String))
    )


DATE_TEXT = "%Y-%m-%d"
DATETIME_TEXT = "%Y-%m-%dT%H:%M:%S%.3fZ"


def is_constant(a: Arg) -> bool:
    """True when the argument reads no column: Polars then holds it as a single value."""
    from formulas.ast import ColumnRef, walk  # noqa: PLC0415

    return not any(isinstance(n, ColumnRef) for n in walk(a.node))


def subject(a: Arg) -> pl.Expr:
    """A text argument that string methods operate on, spread to the frame's length when
    constant (Polars refuses a single value against per-row arguments)."""
    expr = txt(a)
    # Adding a frame-long "" spreads a single value and leaves a per-row one as it is.
    return expr + pl.repeat(pl.lit(""), pl.len()) if is_constant(a) else expr


def txt(a: Arg) -> pl.Expr:
    """Any value as text; blank is ""."""
    if a.type is T.blank:
        return pl.lit("")
    if a.type is T.text:
        return a.expr.fill_null("")
    if a.type is T.number:
        if a.integral:
            return a.expr.cast(pl.String).fill_null("")
        return number_text(a.expr.cast(pl.Float64)).fill_null("")
    if a.type is T.boolean:
        return (
            pl.when(a.expr)
            .then(pl.lit("TRUE"))
            .when(~a.expr)
            .then(pl.lit("FALSE"))
            .otherwise(pl.lit(""))
        )
    if a.type is T.date:
        return a.expr.dt.strftime(DATE_TEXT).fill_null("")
    return a.expr.dt.strftime(DATETIME_TEXT).fill_null("")


def txt_py(v: Any, t: T) -> str:
    if v is None:
        return ""
    if t is T.number:
        return number_text_py(float(v))
    if t is T.boolean:
        return "TRUE" if v else "FALSE"
    if t is T.date:
        return v.strftime("%Y-%m-%d")
    if t is T.datetime:
        return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
    return str(v)


# --- truthiness ----------------------------------------------------------------------------
def truthy(a: Arg) -> pl.Expr:
    if a.type is T.blank:
        return pl.lit(False)
    if a.type is T.boolean:
        return a.expr.fill_null(False)
    if a.type is T.number:
        return (a.expr.cast(pl.Float64) != 0).fill_null(False)
    if a.type is T.text:
        return (a.expr != "").fill_null(False)
    return a.expr.is_not_null()


def truthy_py(v: Any, t: T) -> bool:
    if v is None:
        return False
    if t is T.boolean:
        return bool(v)
    if t is T.number:
        return float(v) != 0
    if t is T.text:
        return v != ""
    return True


def is_blank(a: Arg) -> pl.Expr:
    if a.type is T.blank:
        return pl.lit(True)
    if a.type is T.text:
        return a.expr.is_null() | (a.expr == "")
    return a.expr.is_null()


def is_blank_py(v: Any, t: T) -> bool:
    return v is None or (t is T.text and v == "")


# --- dates ---------------------------------------------------------------------------------
def as_datetime(a: Arg) -> pl.Expr:
    """A date or datetime argument as a UTC datetime (dates at midnight)."""
    if a.type is T.date:
        return a.expr.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if a.type is T.blank:
        return pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    return a.expr


def as_datetime_py(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.astimezone(UTC)
    return datetime(v.year, v.month, v.day, tzinfo=UTC)


def as_date_py(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.astimezone(UTC).date()
    assert isinstance(v, date)
    return v
