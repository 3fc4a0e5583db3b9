"""IF, IFS, SWITCH, AND, OR, NOT, XOR, IFERROR, ISERROR, BLANK, ISBLANK, COALESCE.

IF, IFS, SWITCH, IFERROR, ISERROR and COALESCE are lazy: an error in a branch that is not
taken does not make the row an error (Excel's behaviour).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from formulas.ast import Call
from formulas.functions import register
from formulas.types import T, unify
from formulas.values import (
    Arg,
    EvalError,
    any_error,
    as_datetime,
    as_datetime_py,
    is_blank,
    is_blank_py,
    truthy,
    truthy_py,
    txt,
    txt_py,
)


class TypeMismatch(Exception):
    def __init__(self, message: str, pos: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.pos, self.hint = pos, hint


POLARS_OF: dict[T, Any] = {
    T.number: pl.Float64,
    T.text: pl.String,
    T.boolean: pl.Boolean,
    T.date: pl.Date,
    T.datetime: pl.Datetime("us", "UTC"),
}


def coerce(a: Arg, target: T) -> pl.Expr:
    if target is T.blank:
        return pl.lit(None)
    if a.type is T.blank:
        return pl.lit(None, dtype=POLARS_OF[target])
    if target is T.datetime and a.type is T.date:
        return as_datetime(a)
    if target is T.number:
        return a.expr.cast(pl.Float64)
    if target is T.text and a.type is not T.text:  # a branch of a mixed IF(): shown as text
        return pl.when(a.expr.is_null()).then(None).otherwise(txt(a))
    return a.expr


def coerce_py(v: Any, source: T, target: T) -> Any:
    if v is None:
        return None
    if target is T.datetime and source is T.date:
        return as_datetime_py(v)
    if target is T.number:
        return float(v)
    if target is T.text and source is not T.text:
        return txt_py(v, source)
    return v


def unify_all(types: list[T], nodes: list[Any], what: str) -> T:
    out = T.blank
    for t, node in zip(types, nodes, strict=True):
        merged = unify(out, t)
        if merged is None:
            raise TypeMismatch(
                f"{what} mix {out.value} and {t.value}",
                node.pos,
                hint="make them one type: TEXT() shows a number or a date as text (a text"
                " result mixes with anything), VALUE() reads a number, DATETIME_PARSE() a date",
            )
        out = merged
    return out


# --- IF ------------------------------------------------------------------------------------
def _if_type(types: list[T], call: Call) -> T:
    return unify_all(types[1:], list(call.args[1:]), "IF() results")


@register(
    "IF",
    "x x x?",
    _if_type,
    lazy=True,
    doc="IF(condition, value_if_true, [value_if_false]): one value or the other; blank"
    " without value_if_false",
    example=('IF(2 > 1, "yes", "no")', "yes"),
    returns_doc="the type of its values (text when they differ)",
)
def _if():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        target = _if_type([a.type for a in args], call)
        cond = truthy(args[0])
        then = coerce(args[1], target)
        other = (
            coerce(args[2], target) if len(args) > 2 else pl.lit(None, dtype=POLARS_OF.get(target))
        )
        error = any_error(
            args[0].error,
            (cond & args[1].error) if args[1].error is not None else None,
            (~cond & args[2].error) if len(args) > 2 and args[2].error is not None else None,
        )
        return pl.when(cond).then(then).otherwise(other), error

    def python(thunks, types, call):
        target = _if_type(types, call)
        cond, err = thunks[0]()
        if err:
            return None, True
        pick = 1 if truthy_py(cond, types[0]) else 2
        if pick >= len(thunks):
            return None, False
        value, err = thunks[pick]()
        return (None, True) if err else (coerce_py(value, types[pick], target), False)

    return polars, python


def _ifs_type(types: list[T], call: Call) -> T:
    if len(types) % 2:
        raise TypeMismatch(
            "IFS() takes condition/value pairs",
            call.pos,
            hint="IFS(cond1, value1, cond2, value2, ...)",
        )
    return unify_all(types[1::2], list(call.args[1::2]), "IFS() results")


@register(
    "IFS",
    "x x x*",
    _ifs_type,
    lazy=True,
    doc="IFS(condition1, value1, [condition2, value2, ...]): the value of the first true condition",
    example=('IFS(1 > 2, "a", 2 > 1, "b")', "b"),
    returns_doc="the type of its values (text when they differ)",
)
def _ifs():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        target = _ifs_type([a.type for a in args], call)
        pairs = list(zip(args[0::2], args[1::2], strict=True))
        expr: Any = pl
        errors: list[pl.Expr | None] = []
        undecided = pl.lit(True)
        for cond_arg, value_arg in pairs:
            cond = truthy(cond_arg)
            expr = expr.when(cond).then(coerce(value_arg, target))
            if cond_arg.error is not None:
                errors.append(undecided & cond_arg.error)
            if value_arg.error is not None:
                errors.append(undecided & cond & value_arg.error)
            undecided = undecided & ~cond
        return expr.otherwise(pl.lit(None, dtype=POLARS_OF.get(target))), any_error(*errors)

    def python(thunks, types, call):
        target = _ifs_type(types, call)
        for i in range(0, len(thunks), 2):
            cond, err = thunks[i]()
            if err:
                return None, True
            if truthy_py(cond, types[i]):
                value, err = thunks[i + 1]()
                return (None, True) if err else (coerce_py(value, types[i + 1], target), False)
        return None, False

    return polars, python


def _switch_type(types: list[T], call: Call) -> T:
    results = [types[i] for i in range(2, len(types), 2)]
    nodes = [call.args[i] for i in range(2, len(types), 2)]
    if len(types) % 2 == 0:  # a default at the end
        results.append(types[-1])
        nodes.append(call.args[-1])
    return unify_all(results, nodes, "SWITCH() results")


def _equal(a: Arg, b: Arg) -> pl.Expr:
    from formulas.functions.operators import compare  # noqa: PLC0415

    return compare("=", a, b)


@register(
    "SWITCH",
    "x x x x*",
    _switch_type,
    lazy=True,
    doc="SWITCH(expression, pattern1, result1, [pattern2, result2, ...], [default]): the"
    " result of the first pattern equal to the expression",
    example=('SWITCH(2, 1, "one", 2, "two", "many")', "two"),
    returns_doc="the type of its results (text when they differ)",
)
def _switch():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        target = _switch_type([a.type for a in args], call)
        subject, rest = args[0], args[1:]
        default = rest[-1] if len(rest) % 2 else None
        pairs = list(zip(rest[0::2], rest[1::2], strict=False))[: len(rest) // 2]
        expr: Any = pl
        errors: list[pl.Expr | None] = [subject.error]
        undecided = pl.lit(True)
        for pattern, value in pairs:
            hit = _equal(subject, pattern).fill_null(False)
            expr = expr.when(hit).then(coerce(value, target))
            if pattern.error is not None:
                errors.append(undecided & pattern.error)
            if value.error is not None:
                errors.append(undecided & hit & value.error)
            undecided = undecided & ~hit
        otherwise = (
            coerce(default, target) if default else pl.lit(None, dtype=POLARS_OF.get(target))
        )
        if default is not None and default.error is not None:
            errors.append(undecided & default.error)
        return expr.otherwise(otherwise), any_error(*errors)

    def python(thunks, types, call):
        from formulas.functions.operators import compare_py  # noqa: PLC0415

        target = _switch_type(types, call)
        subject, err = thunks[0]()
        if err:
            return None, True
        n = len(thunks) - 1
        for i in range(1, 1 + (n // 2) * 2, 2):
            pattern, err = thunks[i]()
            if err:
                return None, True
            if compare_py("=", subject, types[0], pattern, types[i]):
                value, err = thunks[i + 1]()
                return (None, True) if err else (coerce_py(value, types[i + 1], target), False)
        if n % 2:
            value, err = thunks[-1]()
            return (None, True) if err else (coerce_py(value, types[-1], target), False)
        return None, False

    return polars, python


# --- boolean logic -------------------------------------------------------------------------
def _reduce(op: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        values = [truthy(a) for a in args]
        if op == "AND":
            out = pl.all_horizontal(values)
        elif op == "OR":
            out = pl.any_horizontal(values)
        else:
            out = pl.sum_horizontal([v.cast(pl.Int32) for v in values]) % 2 == 1
        return out, None

    def python(values, types, call):
        flags = [truthy_py(v, t) for v, t in zip(values, types, strict=True)]
        if op == "AND":
            return all(flags)
        if op == "OR":
            return any(flags)
        return sum(flags) % 2 == 1

    return polars, python


register(
    "AND",
    "x x*",
    T.boolean,
    doc="AND(logical1, [logical2, ...]): true when every argument is true",
    example=("AND(1 > 0, 2 > 1)", "TRUE"),
)(lambda: _reduce("AND"))
register(
    "OR",
    "x x*",
    T.boolean,
    doc="OR(logical1, [logical2, ...]): true when any argument is true",
    example=("OR(1 > 2, 2 > 1)", "TRUE"),
)(lambda: _reduce("OR"))
register(
    "XOR",
    "x x*",
    T.boolean,
    doc="XOR(logical1, [logical2, ...]): true when an odd number of arguments are true",
    example=("XOR(TRUE(), TRUE())", "FALSE"),
)(lambda: _reduce("XOR"))


@register("NOT", "x", T.boolean, doc="NOT(logical): the opposite", example=("NOT(1 > 2)", "TRUE"))
def _not():
    return (
        lambda args, call: (~truthy(args[0]), None),
        lambda values, types, call: not truthy_py(values[0], types[0]),
    )


@register("BLANK", "", T.blank, doc="BLANK(): an empty value", example=("BLANK()", ""))
def _blank():
    return (lambda args, call: (pl.lit(None), None), lambda values, types, call: None)


@register(
    "ISBLANK",
    "x",
    T.boolean,
    doc='ISBLANK(value): true for a blank value and for ""',
    example=('ISBLANK("")', "TRUE"),
)
def _isblank():
    return (
        lambda args, call: (is_blank(args[0]), None),
        lambda values, types, call: is_blank_py(values[0], types[0]),
    )


@register(
    "ISERROR",
    "x",
    T.boolean,
    lazy=True,
    doc="ISERROR(expression): true where the expression is an error",
    example=("ISERROR(1 / 0)", "TRUE"),
)
def _iserror():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        error = args[0].error
        return (error.fill_null(False) if error is not None else pl.lit(False)), None

    def python(thunks, types, call):
        _, err = thunks[0]()
        return bool(err), False

    return polars, python


def _iferror_type(types: list[T], call: Call) -> T:
    return unify_all(types, list(call.args), "IFERROR() values")


@register(
    "IFERROR",
    "x x",
    _iferror_type,
    lazy=True,
    doc="IFERROR(value, value_if_error): the value, or value_if_error where it is an error",
    example=('IFERROR(1 / 0, "n/a")', "n/a"),
    returns_doc="the type of its values (text when they differ)",
)
def _iferror():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        target = _iferror_type([a.type for a in args], call)
        value, alt = args
        if value.error is None:
            return coerce(value, target), None
        failed = value.error.fill_null(False)
        error = (failed & alt.error) if alt.error is not None else None
        return pl.when(failed).then(coerce(alt, target)).otherwise(coerce(value, target)), error

    def python(thunks, types, call):
        target = _iferror_type(types, call)
        value, err = thunks[0]()
        if not err:
            return coerce_py(value, types[0], target), False
        alt, err = thunks[1]()
        return (None, True) if err else (coerce_py(alt, types[1], target), False)

    return polars, python


def _coalesce_type(types: list[T], call: Call) -> T:
    return unify_all(types, list(call.args), "COALESCE() values")


@register(
    "COALESCE",
    "x x*",
    _coalesce_type,
    lazy=True,
    doc="COALESCE(value1, [value2, ...]): the first value that is not blank",
    example=('COALESCE(BLANK(), "b")', "b"),
    returns_doc="the type of its values (text when they differ)",
)
def _coalesce():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        target = _coalesce_type([a.type for a in args], call)
        expr: Any = pl
        errors: list[pl.Expr | None] = []
        undecided = pl.lit(True)
        for a in args:
            present = ~is_blank(a)
            if a.error is not None:
                errors.append(undecided & a.error)
                present = present & ~a.error
            expr = expr.when(present).then(coerce(a, target))
            undecided = undecided & ~present
        return expr.otherwise(pl.lit(None, dtype=POLARS_OF.get(target))), any_error(*errors)

    def python(thunks, types, call):
        target = _coalesce_type(types, call)
        for thunk, t in zip(thunks, types, strict=True):
            value, err = thunk()
            if err:
                return None, True
            if not is_blank_py(value, t):
                return coerce_py(value, t, target), False
        return None, False

    return polars, python


# --- constants and errors ------------------------------------------------------------------
def _constant(value: bool):
    return (
        lambda args, call: (pl.lit(value, dtype=pl.Boolean), None),
        lambda values, types, call: value,
    )


register(
    "TRUE", "", T.boolean, doc="TRUE(): the logical value true (1)", example=("TRUE() + 1", "2")
)(lambda: _constant(True))
register(
    "FALSE", "", T.boolean, doc="FALSE(): the logical value false (0)", example=("FALSE()", "FALSE")
)(lambda: _constant(False))


@register(
    "ERROR",
    "",
    T.blank,
    doc="ERROR(): an error value, blank in the column and counted as an error",
    example=('IFERROR(ERROR(), "caught")', "caught"),
)
def _error():
    def python(values: list[Any], types: list[T], call: Call) -> Any:
        raise EvalError("ERROR()")

    return (lambda args, call: (pl.lit(None), pl.lit(True)), python)
