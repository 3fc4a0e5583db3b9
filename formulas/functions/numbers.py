"""Number functions.

ROUND follows Airtable: ties round toward +infinity (ROUND(-2.5, 0) = -2, ROUND(2.5, 0) = 3);
the precision is required, as Airtable and Excel document it;
ROUNDUP rounds away from zero, ROUNDDOWN toward zero. Binary floating point stores 1.005 as
1.00499999...; a 1e-9 tolerance treats such values as the tie they were written as, so
ROUND(1.005, 2) = 1.01 as in a spreadsheet. Precision may be negative (ROUND(1234, -2) = 1200).
CEILING/FLOOR round to a multiple of the significance (default 1); INT is the floor.
MIN, MAX, SUM and AVERAGE skip blanks (Excel): SUM of blanks is 0, MIN/MAX 0, AVERAGE an
error. SQRT of a negative, LN/LOG of a non-positive, MOD by zero are errors. VALUE reads
"1,234.5", "$12", " 7 " and "15%" (0.15); text it cannot read is an error.
"""

from __future__ import annotations

import math
import re
from typing import Any

import polars as pl

from formulas.ast import Call, Literal
from formulas.functions import register
from formulas.types import T
from formulas.values import (
    Arg,
    EvalError,
    check_finite,
    floor_mod,
    is_blank,
    is_blank_py,
    num,
    num_py,
)

TIE = 1e-9


def _scale(args: list[Arg]) -> pl.Expr:
    precision = num(args[1]).cast(pl.Int64, strict=False).cast(pl.Float64)
    return pl.lit(10.0).pow(precision)


def _scale_py(values: list[Any]) -> float:
    precision = float(int(num_py(values[1])))
    return math.pow(10.0, precision)


def _finite(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return expr, ~expr.is_finite().fill_null(False)


def _on_the_grid(out: pl.Expr, call: Call) -> pl.Expr:
    """The rounded value as the decimal it stands for. Polars divides a column by a constant as
    a multiply by its reciprocal (3 / 10 gives 0.30000000000000004): a constant precision of 0
    or more snaps the result to that many decimals (cheap); a negative one divides by 0.01 and
    the like, exactly; a precision from a column keeps 15 significant digits (slower)."""
    node = call.args[1]
    if isinstance(node, Literal) and isinstance(node.value, float):
        decimals = int(node.value)
        return out.round(decimals) if decimals >= 0 else out
    return out.round_sig_figs(15)


def _rounding(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        x, f = num(args[0]), _scale(args)
        scaled = x * f
        if kind == "round":
            out = (scaled + 0.5 + TIE).floor() / f
        elif kind == "up":
            out = (
                pl.when(x < 0).then(-((-scaled - TIE).ceil())).otherwise((scaled - TIE).ceil()) / f
            )
        else:
            out = (
                pl.when(x < 0).then(-((-scaled + TIE).floor())).otherwise((scaled + TIE).floor())
                / f
            )
        return _finite(_on_the_grid(out, call))

    def python(values: list[Any], types: list[T], call: Call) -> float:
        x, f = num_py(values[0]), _scale_py(values)
        scaled = x * f
        if kind == "round":
            out = math.floor(scaled + 0.5 + TIE) / f
        elif kind == "up":
            out = (-math.ceil(-scaled - TIE) if x < 0 else math.ceil(scaled - TIE)) / f
        else:
            out = (-math.floor(-scaled + TIE) if x < 0 else math.floor(scaled + TIE)) / f
        return check_finite(out)

    return polars, python


register(
    "ROUND",
    "n n",
    T.number,
    doc="ROUND(value, precision): to precision decimal places, ties toward +infinity",
    example=("ROUND(1.99, 0)", "2"),
)(lambda: _rounding("round"))
register(
    "ROUNDUP",
    "n n",
    T.number,
    doc="ROUNDUP(value, precision): to precision decimal places, away from zero",
    example=("ROUNDUP(1.1, 0)", "2"),
)(lambda: _rounding("up"))
register(
    "ROUNDDOWN",
    "n n",
    T.number,
    doc="ROUNDDOWN(value, precision): to precision decimal places, toward zero",
    example=("ROUNDDOWN(1.9, 0)", "1"),
)(lambda: _rounding("down"))


def _multiple(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        x = num(args[0])
        sig = num(args[1]) if len(args) > 1 else pl.lit(1.0)
        ratio = x / sig
        multiple = (ratio.ceil() if kind == "ceil" else ratio.floor()) * sig
        # 15 significant digits, as a spreadsheet keeps: FLOOR(1.99, 0.1) is 1.9, not 19 * 0.1.
        out = pl.when(sig != 0).then(multiple.round_sig_figs(15))
        return _finite(out)

    def python(values: list[Any], types: list[T], call: Call) -> float:
        x = num_py(values[0])
        sig = num_py(values[1]) if len(values) > 1 else 1.0
        if sig == 0:
            raise EvalError("significance 0")
        ratio = x / sig
        multiple = check_finite((math.ceil(ratio) if kind == "ceil" else math.floor(ratio)) * sig)
        return float(f"{multiple:.15g}")

    return polars, python


register(
    "CEILING",
    "n n?",
    T.number,
    doc="CEILING(value, [significance]): the nearest multiple of significance (1) upward",
    example=("CEILING(1.01, 0.1)", "1.1"),
)(lambda: _multiple("ceil"))
register(
    "FLOOR",
    "n n?",
    T.number,
    doc="FLOOR(value, [significance]): the nearest multiple of significance (1) downward",
    example=("FLOOR(1.99, 0.1)", "1.9"),
)(lambda: _multiple("floor"))


def _unary(polars_fn, python_fn, domain=None, domain_py=None):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        x = num(args[0])
        out = polars_fn(x) if domain is None else pl.when(domain(x)).then(polars_fn(x))
        return _finite(out)

    def python(values: list[Any], types: list[T], call: Call) -> float:
        x = num_py(values[0])
        if domain_py is not None and not domain_py(x):
            raise EvalError("outside the function's domain")
        try:
            return check_finite(python_fn(x))
        except (OverflowError, ValueError) as exc:
            raise EvalError(str(exc)) from exc

    return polars, python


register("ABS", "n", T.number, doc="ABS(value): the absolute value", example=("ABS(-5)", "5"))(
    lambda: _unary(lambda x: x.abs(), abs)
)
register(
    "INT",
    "n",
    T.number,
    doc="INT(value): the greatest integer less than or equal to the value",
    example=("INT(-1.5)", "-2"),
)(lambda: _unary(lambda x: x.floor(), lambda x: float(math.floor(x))))
register("SQRT", "n", T.number, doc="SQRT(value): the square root", example=("SQRT(16)", "4"))(
    lambda: _unary(lambda x: x.sqrt(), math.sqrt, lambda x: x >= 0, lambda x: x >= 0)
)
register("EXP", "n", T.number, doc="EXP(power): e to the power", example=("EXP(0)", "1"))(
    lambda: _unary(lambda x: x.exp(), math.exp)
)
register("LN", "n", T.number, doc="LN(value): the natural logarithm", example=("LN(EXP(2))", "2"))(
    lambda: _unary(lambda x: x.log(), math.log, lambda x: x > 0, lambda x: x > 0)
)


def _parity(odd: bool):
    """EVEN/ODD (Excel): away from zero to the nearest even or odd integer; ODD(0) is 1."""

    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        x = num(args[0])
        sign = pl.when(x < 0).then(-1.0).otherwise(1.0)
        if odd:
            up = x.abs().ceil()
            out = sign * pl.when(up % 2 == 0).then(up + 1).otherwise(up)
        else:
            out = sign * ((x.abs() / 2).ceil() * 2)
        return _finite(out)

    def python(values: list[Any], types: list[T], call: Call) -> float:
        x = num_py(values[0])
        sign = -1.0 if x < 0 else 1.0
        if odd:
            up = math.ceil(abs(x))
            return sign * float(up + 1 if up % 2 == 0 else up)
        return check_finite(sign * float(math.ceil(abs(x) / 2) * 2))

    return polars, python


register(
    "EVEN",
    "n",
    T.number,
    doc="EVEN(value): rounded away from zero to the nearest even integer",
    example=("EVEN(1.5)", "2"),
)(lambda: _parity(odd=False))
register(
    "ODD",
    "n",
    T.number,
    doc="ODD(value): rounded away from zero to the nearest odd integer",
    example=("ODD(2)", "3"),
)(lambda: _parity(odd=True))


@register(
    "LOG",
    "n n?",
    T.number,
    doc="LOG(value, [base]): the logarithm in base 10, or the base given",
    example=("LOG(1024, 2)", "10"),
)
def _log():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        x = num(args[0])
        base = num(args[1]) if len(args) > 1 else pl.lit(10.0)
        ok = (x > 0) & (base > 0) & (base != 1)
        return _finite(pl.when(ok).then(x.log() / base.log()))

    def python(values: list[Any], types: list[T], call: Call) -> float:
        x = num_py(values[0])
        base = num_py(values[1]) if len(values) > 1 else 10.0
        if x <= 0 or base <= 0 or base == 1:
            raise EvalError("LOG outside its domain")
        return check_finite(math.log(x) / math.log(base))

    return polars, python


@register(
    "MOD",
    "n n",
    T.number,
    doc="MOD(value, divisor): the remainder of the division, with the divisor's sign",
    example=("MOD(7, 5)", "2"),
)
def _mod():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        x, d = num(args[0]), num(args[1])
        return _finite(pl.when(d != 0).then(x % d))

    def python(values: list[Any], types: list[T], call: Call) -> float:
        x, d = num_py(values[0]), num_py(values[1])
        return check_finite(floor_mod(x, d))

    return polars, python


@register(
    "POWER",
    "n n",
    T.number,
    doc="POWER(base, power): base to the power",
    example=("POWER(2, 10)", "1024"),
)
def _power():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        return _finite(num(args[0]).pow(num(args[1])))

    def python(values: list[Any], types: list[T], call: Call) -> float:
        try:
            return check_finite(math.pow(num_py(values[0]), num_py(values[1])))
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise EvalError(str(exc)) from exc

    return polars, python


def _values(args: list[Arg]) -> list[pl.Expr]:
    return [
        a.expr.cast(pl.Float64) if a.type is not T.blank else pl.lit(None, dtype=pl.Float64)
        for a in args
    ]


def _present(values: list[Any]) -> list[float]:
    return [float(v) for v in values if v is not None]


def _aggregate(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        values = _values(args)
        if kind == "sum":
            return _finite(pl.sum_horizontal(values))
        if kind == "min":
            return _finite(pl.min_horizontal(values).fill_null(0.0))
        if kind == "max":
            return _finite(pl.max_horizontal(values).fill_null(0.0))
        mean = pl.mean_horizontal(values)
        return mean, (~mean.is_finite()).fill_null(True)

    def python(values: list[Any], types: list[T], call: Call) -> float:
        present = _present(values)
        if kind == "sum":
            return check_finite(sum(present, 0.0))
        if kind == "min":
            return min(present) if present else 0.0
        if kind == "max":
            return max(present) if present else 0.0
        if not present:
            raise EvalError("AVERAGE of nothing")
        return check_finite(sum(present, 0.0) / len(present))

    return polars, python


register(
    "SUM",
    "n n*",
    T.number,
    doc="SUM(number1, [number2, ...]): the sum, blanks skipped",
    example=("SUM(1, 2, 3)", "6"),
)(lambda: _aggregate("sum"))
register(
    "MIN",
    "n n*",
    T.number,
    doc="MIN(number1, [number2, ...]): the smallest, blanks skipped (0 when all are)",
    example=("MIN(4, 2, 8)", "2"),
)(lambda: _aggregate("min"))
register(
    "MAX",
    "n n*",
    T.number,
    doc="MAX(number1, [number2, ...]): the largest, blanks skipped (0 when all are)",
    example=("MAX(4, 2, 8)", "8"),
)(lambda: _aggregate("max"))
register(
    "AVERAGE",
    "n n*",
    T.number,
    doc="AVERAGE(number1, [number2, ...]): the mean, blanks skipped (an error when all are)",
    example=("AVERAGE(1, 2, 6)", "3"),
)(lambda: _aggregate("avg"))


def _counting(kind: str):
    """COUNT counts the number arguments that are not blank, COUNTA the arguments that are not
    blank (nor ""), COUNTALL every argument, blanks included (Airtable)."""

    def counted(a: Arg) -> pl.Expr:
        if kind == "all":
            return pl.lit(1.0)
        if kind == "numbers" and a.type is not T.number:
            return pl.lit(0.0)
        return (~is_blank(a)).cast(pl.Float64)

    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        return pl.sum_horizontal([counted(a) for a in args]), None

    def python(values: list[Any], types: list[T], call: Call) -> float:
        if kind == "all":
            return float(len(values))
        return float(
            sum(
                1
                for v, t in zip(values, types, strict=True)
                if (kind == "values" or t is T.number) and not is_blank_py(v, t)
            )
        )

    return polars, python


register(
    "COUNT",
    "x x*",
    T.number,
    doc="COUNT(value1, [value2, ...]): how many are numbers",
    example=('COUNT(1, 2, 3, "", "four")', "3"),
)(lambda: _counting("numbers"))
register(
    "COUNTA",
    "x x*",
    T.number,
    doc="COUNTA(value1, [value2, ...]): how many are not empty (numbers, text, dates...)",
    example=('COUNTA(1, 2, 3, "", "four")', "4"),
)(lambda: _counting("values"))
register(
    "COUNTALL",
    "x x*",
    T.number,
    doc="COUNTALL(value1, [value2, ...]): how many values, blanks included",
    example=('COUNTALL(1, 2, 3, "", "four")', "5"),
)(lambda: _counting("all"))

_JUNK = r"[\s,$€£¥]"


@register(
    "VALUE",
    "x",
    T.number,
    doc='VALUE(text): the number the text holds ("1,234.5", "$12", "15%" is 0.15)',
    example=('VALUE("$1,000")', "1000"),
)
def _value():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        a = args[0]
        if a.type in (T.number, T.boolean):
            return a.expr.cast(pl.Float64), None
        if a.type is T.blank:
            return pl.lit(None, dtype=pl.Float64), None
        text = a.expr.cast(pl.String).str.replace_all(_JUNK, "")
        percent = text.str.ends_with("%")
        number = text.str.strip_suffix("%").cast(pl.Float64, strict=False)
        out = pl.when(percent).then(number / 100).otherwise(number)
        return out, (text.is_not_null() & (text != "") & ~out.is_finite().fill_null(False))

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        v = values[0]
        if v is None:
            return None
        if types[0] in (T.number, T.boolean):
            return float(v)
        text = re.sub(_JUNK, "", str(v))
        if text == "":
            return None
        percent = text.endswith("%")
        try:
            number = float(text.removesuffix("%"))
        except ValueError as exc:
            raise EvalError(f"not a number: {v!r}") from exc
        out = number / 100 if percent else number
        return check_finite(out)

    return polars, python
