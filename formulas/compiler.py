"""Checked formula -> one Polars expression for the value and one for the rows in error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import polars as pl

from formulas.ast import Binary, Call, ColumnRef, Literal, Node, Unary
from formulas.checker import AGGREGATES, Checked
from formulas.functions import load
from formulas.functions.operators import binary, unary
from formulas.types import T
from formulas.values import Arg, any_error, is_blank, is_constant


def _literal(value: object) -> pl.Expr:
    if isinstance(value, bool):
        return pl.lit(value, dtype=pl.Boolean)
    if isinstance(value, float):
        return pl.lit(value, dtype=pl.Float64)
    if isinstance(value, str):
        return pl.lit(value, dtype=pl.String)
    if isinstance(value, datetime):
        return pl.lit(value, dtype=pl.Datetime("us", "UTC"))
    if isinstance(value, date):
        return pl.lit(value, dtype=pl.Date)
    return pl.lit(None)


AGGREGATE_METHODS = {
    "SUM_ALL": "sum",
    "AVG_ALL": "mean",
    "MEDIAN_ALL": "median",
    "MIN_ALL": "min",
    "MAX_ALL": "max",
    "COUNT_ALL": "sum",  # of the 1s aggregate_input gives each non-blank value
}


def aggregate_input(call: Call, arg: Arg) -> pl.Expr:
    """The per-row values a *_ALL call aggregates: a row in error counts as blank, COUNT_ALL
    counts 1 per non-blank value, numbers and booleans as floats."""
    value = arg.expr if arg.error is None else pl.when(arg.error).then(None).otherwise(arg.expr)
    if call.name == "COUNT_ALL":
        value = (~is_blank(Arg(value, None, arg.type, arg.node))).cast(pl.Float64)
    elif arg.type in (T.number, T.boolean, T.blank):
        value = value.cast(pl.Float64)
    if is_constant(arg):
        # A value that reads no column is held as one value: spread it to one per row, so
        # SUM_ALL(1) and COUNT_ALL(NOW()) count the rows as the reference interpreter does.
        value = pl.when(pl.repeat(True, pl.len())).then(value)
    return value


def aggregate_expr(call: Call, value: Arg, group: pl.Expr | None) -> pl.Expr:
    """A *_ALL call over the frame, one value per row: over the whole frame, or per group.
    Inside the window of a grouped one, aggregates are per group: the engine computes the
    aggregates nested in a value first, as columns (formulas.attach)."""
    out = getattr(aggregate_input(call, value), AGGREGATE_METHODS[call.name])()
    return out.over(group) if group is not None else pl.repeat(out, pl.len())


def compile_checked(
    checked: Checked,
    lookup_columns: Mapping[int, str] | None = None,
    non_null: frozenset[str] = frozenset(),
    integral: frozenset[str] = frozenset(),
) -> Arg:
    registry = load()
    lookup_columns = lookup_columns or {}

    def build(n: Node) -> Arg:
        t = checked.type_of(n)
        if isinstance(n, Literal):
            return Arg(_literal(n.value), None, t, n)
        if isinstance(n, ColumnRef):
            key = checked.refs[id(n)]
            return Arg(pl.col(key), None, t, n, non_null=key in non_null, integral=key in integral)
        if isinstance(n, Unary):
            inner = build(n.operand)
            value, own = unary(n.op, inner)
            return Arg(value, any_error(inner.error, own), t, n)
        if isinstance(n, Binary):
            left, right = build(n.left), build(n.right)
            value, own = binary(n.op, left, right, t)
            return Arg(value, any_error(left.error, right.error, own), t, n)
        assert isinstance(n, Call)
        if id(n) in lookup_columns:
            return Arg(pl.col(lookup_columns[id(n)]), None, t, n)
        if n.name in AGGREGATES:
            return _aggregate(n, t)
        fn = registry[n.name]
        args = [build(a) for a in n.args]
        value, own = fn.polars(args, n)
        if fn.lazy:
            return Arg(value, own, t, n)
        return Arg(value, any_error(*(a.error for a in args), own), t, n)

    def _aggregate(n: Call, t: T) -> Arg:
        group = build(n.args[1]).expr if len(n.args) == 2 else None
        return Arg(aggregate_expr(n, build(n.args[0]), group), None, t, n)

    return build(checked.node)
