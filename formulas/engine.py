"""Formula columns evaluated over a frame: the pieces the whole-frame and batch evaluators share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import polars as pl

from core.enums import ColumnType
from formulas.attach import Attacher, Known
from formulas.checker import Checked
from formulas.compiler import compile_checked
from formulas.functions.dates import NOW
from formulas.lookups import LookupFrames, LookupSource
from formulas.plan import (
    FormulaColumn,
    Plan,
    check_formula,
    plan_formulas,
    row_metadata_inputs,
    types_of,
)
from formulas.reference import Interpreter
from formulas.types import COLUMN_DTYPES, T
from formulas.values import Arg, as_date_py, as_datetime, as_datetime_py, num_py, txt, txt_py


# --- output conversion -------------------------------------------------------------------------
def to_column(arg: Arg, target: ColumnType) -> pl.Expr:
    if target is ColumnType.integer:
        return (arg.expr.cast(pl.Float64) + 0.5).floor().cast(pl.Int64, strict=False)
    if target is ColumnType.number:
        return arg.expr.cast(pl.Float64)
    if target in (ColumnType.text, ColumnType.json):
        if arg.type is T.text:
            return arg.expr
        return pl.when(arg.expr.is_null()).then(None).otherwise(txt(arg))
    if target is ColumnType.date:
        return as_datetime(arg).dt.date() if arg.type is T.datetime else arg.expr.cast(pl.Date)
    if target is ColumnType.datetime:
        return as_datetime(arg) if arg.type is T.date else arg.expr.cast(pl.Datetime("us", "UTC"))
    return arg.expr.cast(pl.Boolean)


def to_column_py(value: Any, t: T, target: ColumnType) -> Any:
    if value is None:
        return None
    if target is ColumnType.integer:
        import math  # noqa: PLC0415

        return math.floor(num_py(value) + 0.5)
    if target is ColumnType.number:
        return float(value)
    if target in (ColumnType.text, ColumnType.json):
        return txt_py(value, t)
    if target is ColumnType.date:
        return as_date_py(value)
    if target is ColumnType.datetime:
        return as_datetime_py(value)
    return bool(value)


@contextmanager
def frozen_now(now: datetime | None) -> Iterator[None]:
    token = NOW.set((now or datetime.now(UTC)).astimezone(UTC))
    try:
        yield
    finally:
        NOW.reset(token)


def known_columns(frame: pl.DataFrame, plan: Plan) -> Known:
    """The input columns of ``frame`` without blanks, and those holding integers."""
    # Columns without blanks need no blank handling (formula columns may produce blanks).
    counts = frame.null_count().row(0, named=True) if frame.width else {}
    non_null = frozenset(k for k, n in counts.items() if n == 0 and k not in plan.formulas)
    integral = frozenset(
        k for k, dtype in frame.schema.items() if dtype.is_integer() and k not in plan.formulas
    )
    return non_null, integral


def _generations(keys: list[str], checked: Mapping[str, Checked]) -> list[list[str]]:
    level: dict[str, int] = {}
    for key in keys:  # in dependency order; the formulas it uses are in it or computed before
        deps = [d for d in checked[key].dependencies if d in level and d != key]
        level[key] = 1 + max((level[d] for d in deps), default=-1)
    out: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for key in keys:
        out[level[key]].append(key)
    return out


def add_columns(
    lazy: pl.LazyFrame,
    plan: Plan,
    keys: list[str],
    attacher: Attacher,
) -> tuple[pl.LazyFrame, list[str]]:
    """``lazy`` with the formula columns ``keys`` (closed under use, in dependency order) and an
    ``__error_<key>`` column for those that can err; invalid formula columns are blank."""
    non_null, integral = attacher.known
    error_columns: list[str] = []
    missing = [
        pl.lit(None).cast(COLUMN_DTYPES[f.type]).alias(f.key)
        for f in plan.formulas.values()
        if f.key not in plan.checked
    ]
    # Row metadata the frame does not carry (outside a sync) reads as blank.
    present = lazy.collect_schema()
    absent = {
        name: dtype
        for name, dtype in row_metadata_inputs(plan.checked[k] for k in keys).items()
        if name not in present
    }
    missing += [pl.lit(None, dtype).alias(name) for name, dtype in absent.items()]
    if missing:
        lazy = lazy.with_columns(missing)
    # Formulas that do not depend on each other are computed together, in parallel.
    for generation in _generations(keys, plan.checked):
        errors: list[pl.Expr] = []
        values: list[pl.Expr] = []
        temporary: list[str] = []
        for key in generation:
            f, c = plan.formulas[key], plan.checked[key]
            lazy, attached = attacher.formula(lazy, key, c)
            temporary.extend(attached.values())
            arg = compile_checked(c, attached, non_null, integral)
            value = to_column(arg, f.type)
            if arg.error is not None:
                errors.append(arg.error.fill_null(False).alias(f"__error_{key}"))
                value = pl.when(pl.col(f"__error_{key}")).then(None).otherwise(value)
                error_columns.append(key)
            values.append(value.alias(key))
        if errors:
            lazy = lazy.with_columns(errors)
        lazy = lazy.with_columns(values)
        if temporary:
            lazy = lazy.drop(temporary)
    if absent:
        lazy = lazy.drop(list(absent))
    return lazy, error_columns


def column_stats(result: pl.DataFrame, keys: list[str], errors: list[str]) -> dict[str, Any]:
    """Per formula column: rows in error (blanked) and blank rows in all."""
    return {
        key: {
            "errors": int(result.get_column(f"__error_{key}").sum()) if key in errors else 0,
            "blank": int(result.get_column(key).null_count()),
        }
        for key in keys
    }


def evaluate_columns(
    frame: pl.DataFrame,
    formulas: Sequence[FormulaColumn],
    *,
    columns: Mapping[str, ColumnType],
    names: Mapping[str, str],
    now: datetime | None = None,
    lookup: LookupSource | None = None,
    row_errors: bool = False,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Add each formula column to ``frame``. A formula that no longer checks (a column it used
    was removed) becomes an all-blank column with its error in the stats; row-level errors
    (division by zero, invalid dates or regexes) become blanks, counted per column, and with
    ``row_errors`` flagged in an ``__error_<key>`` column for formulas that can err."""
    plan = plan_formulas(formulas, columns=columns, names=names, lookup=lookup)
    stats: dict[str, Any] = {key: {"invalid": error} for key, error in plan.invalid.items()}
    attacher = Attacher(LookupFrames(lookup), known_columns(frame, plan))
    with frozen_now(now):
        lazy, error_columns = add_columns(frame.lazy(), plan, plan.keys, attacher)
        result = lazy.collect()
    stats.update(column_stats(result, plan.keys, error_columns))
    if row_errors:
        return result, stats
    return result.drop([f"__error_{k}" for k in error_columns]), stats


def evaluate_reference(
    rows: Sequence[Mapping[str, Any]],
    formula: FormulaColumn,
    *,
    columns: Mapping[str, ColumnType],
    names: Mapping[str, str],
    now: datetime | None = None,
    lookups: Mapping[int, dict[str, Any]] | None = None,
) -> list[Any]:
    """One formula column computed row by row (no dependencies between formulas)."""
    checked = check_formula(formula, types=types_of(columns, [formula]), names=names)
    with frozen_now(now):
        results = Interpreter(checked, rows, lookups).run()
    return [None if err else to_column_py(v, checked.type, formula.type) for v, err in results]
