"""Operators: arithmetic, date arithmetic, comparisons and ``&``.

- ``+ - * / % ^`` work on numbers (blank is 0); ``%`` is the modulo with the divisor's sign
  (Excel's MOD); division or modulo by zero, and results that are not finite, are errors.
- ``date ± n`` moves by whole days (n truncated toward zero), ``datetime ± n`` by n days
  (fractions allowed); ``date - date`` is the number of days between them.
- Comparisons need comparable types (numbers and booleans, texts, dates); a blank side is
  compared as 0, "" or FALSE, and ``= BLANK()`` tests blankness. Blank dates are equal to each
  other and unordered: ``<`` and ``>`` with a blank date are false.
- ``&`` joins any values as text.
"""

from __future__ import annotations

import math
import operator
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from formulas.functions.logic import TypeMismatch
from formulas.types import DATES, T
from formulas.values import (
    Arg,
    EvalError,
    as_datetime,
    as_datetime_py,
    check_finite,
    floor_mod,
    is_blank,
    is_blank_py,
    num,
    num_py,
    txt,
    txt_py,
)

ARITHMETIC = ("+", "-", "*", "/", "%", "^")
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
_NUMERIC = (T.number, T.boolean, T.blank)
_PY_OPS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
US_PER_DAY = 86_400_000_000


def binary_type(op: str, left: T, right: T, pos: int) -> T:
    if op == "&":
        return T.text
    if op in COMPARISONS:
        if T.blank in (left, right) or (left in _NUMERIC and right in _NUMERIC):
            return T.boolean
        if left == right or (left in DATES and right in DATES):
            return T.boolean
        raise TypeMismatch(
            f"cannot compare {left.value} with {right.value}",
            pos,
            hint="convert one side with VALUE(), TEXT() or DATETIME_PARSE()",
        )
    if op in ("+", "-") and left in DATES and right in _NUMERIC:
        return left
    if op == "+" and right in DATES and left in _NUMERIC:
        return right
    if op == "-" and left in DATES and right in DATES:
        return T.number
    if left in _NUMERIC and right in _NUMERIC:
        return T.number
    hint = (
        "use & to join text"
        if op == "+" and T.text in (left, right)
        else ("convert text with VALUE()" if T.text in (left, right) else None)
    )
    raise TypeMismatch(
        f"operator {op} does not apply to {left.value} and {right.value}", pos, hint=hint
    )


# --- Polars ----------------------------------------------------------------------------------
def _shift(d: Arg, n: Arg, sign: int) -> pl.Expr:
    amount = num(n) * sign
    if d.type is T.date:
        return d.expr + pl.duration(days=amount.cast(pl.Int64, strict=False))
    micro = (amount * US_PER_DAY + 0.5).floor().cast(pl.Int64, strict=False)
    return d.expr + pl.duration(microseconds=micro)


def compare(op: str, a: Arg, b: Arg) -> pl.Expr:
    if T.blank in (a.type, b.type) and op in ("=", "!="):
        other = b if a.type is T.blank else a
        blank = is_blank(other)
        return blank if op == "=" else ~blank
    if a.type in DATES or b.type in DATES:
        if T.blank in (a.type, b.type):
            return pl.lit(False)
        left, right = (
            (as_datetime(a), as_datetime(b)) if T.datetime in (a.type, b.type) else (a.expr, b.expr)
        )
        both = left.is_not_null() & right.is_not_null()
        if op in ("=", "!="):
            same = (left.is_null() & right.is_null()) | (both & (left == right)).fill_null(False)
            return same if op == "=" else ~same
        return (both & getattr(left, _POLARS_METHOD[op])(right)).fill_null(False)
    if a.type is T.text or b.type is T.text:
        left, right = txt(a), txt(b)
    elif a.type is T.boolean and b.type is T.boolean:
        left, right = a.expr.fill_null(False), b.expr.fill_null(False)
    else:
        left, right = num(a), num(b)
    return getattr(left, _POLARS_METHOD[op])(right)


_POLARS_METHOD = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def binary(op: str, a: Arg, b: Arg, result: T) -> tuple[pl.Expr, pl.Expr | None]:
    if op == "&":
        return txt(a) + txt(b), None
    if op in COMPARISONS:
        return compare(op, a, b), None
    if result in DATES:
        if a.type in DATES:
            return _shift(a, b, -1 if op == "-" else 1), None
        return _shift(b, a, 1), None
    if a.type in DATES and b.type in DATES:
        if T.datetime in (a.type, b.type):
            diff = (as_datetime(a) - as_datetime(b)).dt.total_microseconds() / US_PER_DAY
        else:
            diff = (a.expr - b.expr).dt.total_days().cast(pl.Float64)
        return diff, None
    x, y = num(a), num(b)
    # + - * of finite numbers stay finite short of overflow, which IEEE (and PostgreSQL)
    # represent as infinity: no error column for them, which keeps them as fast as hand-written.
    if op == "+":
        return x + y, None
    if op == "-":
        return x - y, None
    if op == "*":
        return x * y, None
    if op in ("/", "%") and _nonzero_literal(b):
        # By a constant of at least 1: finite, as + - * are (no error column to compute).
        return (x / y if op == "/" else x % y), None
    out: pl.Expr
    if op == "/":
        out = pl.when(y != 0).then(x / y)
    elif op == "%":
        out = pl.when(y != 0).then(x % y)
    else:
        out = x.pow(y)
    return out, ~out.is_finite().fill_null(False)


def _nonzero_literal(a: Arg) -> bool:
    from formulas.ast import Literal  # noqa: PLC0415

    value = a.node.value if isinstance(a.node, Literal) else None
    # At least 1 in size: a finite dividend then gives a finite quotient, as the reference does.
    return isinstance(value, float) and math.isfinite(value) and abs(value) >= 1


def unary(op: str, a: Arg) -> tuple[pl.Expr, pl.Expr | None]:
    return (-num(a) if op == "-" else num(a)), None


# --- Python ----------------------------------------------------------------------------------
def compare_py(op: str, av: Any, at: T, bv: Any, bt: T) -> bool:
    if T.blank in (at, bt) and op in ("=", "!="):
        other_v, other_t = (bv, bt) if at is T.blank else (av, at)
        blank = is_blank_py(other_v, other_t)
        return blank if op == "=" else not blank
    if at in DATES or bt in DATES:
        if T.blank in (at, bt):
            return False
        if T.datetime in (at, bt):
            av, bv = as_datetime_py(av), as_datetime_py(bv)
        if op in ("=", "!="):
            same = (av is None and bv is None) or (av is not None and bv is not None and av == bv)
            return same if op == "=" else not same
        return av is not None and bv is not None and bool(_PY_OPS[op](av, bv))
    if at is T.text or bt is T.text:
        return bool(_PY_OPS[op](txt_py(av, at), txt_py(bv, bt)))
    if at is T.boolean and bt is T.boolean:
        return bool(_PY_OPS[op](bool(av), bool(bv)))
    return bool(_PY_OPS[op](num_py(av), num_py(bv)))


def _shift_py(d: Any, t: T, n: Any, sign: int) -> Any:
    if d is None:
        return None
    amount = num_py(n) * sign
    if t is T.date:
        return d + timedelta(days=int(amount))
    return d + timedelta(microseconds=math.floor(amount * US_PER_DAY + 0.5))


def binary_py(op: str, av: Any, at: T, bv: Any, bt: T, result: T) -> Any:
    if op == "&":
        return txt_py(av, at) + txt_py(bv, bt)
    if op in COMPARISONS:
        return compare_py(op, av, at, bv, bt)
    if result in DATES:
        if at in DATES:
            return _shift_py(av, at, bv, -1 if op == "-" else 1)
        return _shift_py(bv, bt, av, 1)
    if at in DATES and bt in DATES:
        if av is None or bv is None:
            return None
        if T.datetime in (at, bt):
            delta = as_datetime_py(av) - as_datetime_py(bv)  # type: ignore[operator]
            return (
                delta.days * US_PER_DAY + delta.seconds * 1_000_000 + delta.microseconds
            ) / US_PER_DAY
        assert isinstance(av, date)
        assert isinstance(bv, date)
        return float((av - bv).days)
    x, y = num_py(av), num_py(bv)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    try:
        if op == "/":
            out = x / y
        elif op == "%":
            out = floor_mod(x, y)
        else:
            out = math.pow(x, y)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise EvalError(str(exc)) from exc
    return check_finite(out)


def unary_py(op: str, v: Any) -> float:
    return -num_py(v) if op == "-" else num_py(v)


__all__ = [
    "binary",
    "binary_py",
    "binary_type",
    "compare",
    "compare_py",
    "datetime",
    "unary",
    "unary_py",
]
