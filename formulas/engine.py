"""Formula columns of a panel: checked together, ordered by dependency, evaluated over a frame."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import polars as pl

from core.enums import ColumnType
from formulas.checker import Checked, LookupResolver, check
from formulas.compiler import compile_checked
from formulas.errors import FormulaCycleError, FormulaError
from formulas.functions.dates import NOW
from formulas.parser import parse
from formulas.reference import Interpreter
from formulas.types import COLUMN_DTYPES, FITS, FROM_COLUMN, T
from formulas.values import Arg, as_date_py, as_datetime, as_datetime_py, num_py, txt, txt_py


@dataclass(frozen=True)
class FormulaColumn:
    key: str
    name: str
    formula: str
    type: ColumnType


class LookupSource(LookupResolver, Protocol):
    def frame(self, panel: str, key: str, result: str) -> pl.DataFrame:
        """Two columns, ``key`` and ``result``, of the other panel's current version."""


class ColumnFormulaError(ValueError):
    """A formula column that cannot be saved: which column, and the formula error."""

    def __init__(self, key: str, error: FormulaError | FormulaCycleError) -> None:
        self.key, self.error = key, error
        super().__init__(f"column {key!r}: {error}")


def _types(columns: Mapping[str, ColumnType], formulas: Sequence[FormulaColumn]) -> dict[str, T]:
    types = {key: FROM_COLUMN[t] for key, t in columns.items()}
    types.update({f.key: FROM_COLUMN[f.type] for f in formulas})
    return types


def check_formula(
    formula: FormulaColumn,
    *,
    types: Mapping[str, T],
    names: Mapping[str, str],
    lookup: LookupResolver | None = None,
) -> Checked:
    checked = check(
        parse(formula.formula), source=formula.formula, columns=types, names=names, lookup=lookup
    )
    if formula.type not in FITS[checked.type]:
        raise FormulaError(
            f"the formula gives {checked.type.value} but the column is {formula.type.value}",
            0,
            hint=_fit_hint(checked.type, formula.type),
            source=formula.formula,
        )
    return checked


def _fit_hint(got: T, want: ColumnType) -> str:
    if want in (ColumnType.number, ColumnType.integer):
        return "wrap it in VALUE() or change the column type"
    return f"change the column type to {got.value}, or convert the result"


def order(checked: Mapping[str, Checked]) -> list[str]:
    """Formula column keys so that each comes after the formula columns it uses."""
    sorter = graphlib.TopologicalSorter(
        {
            key: {d for d in c.dependencies if d in checked and d != key}
            for key, c in checked.items()
        }
    )
    for key, c in checked.items():
        if key in c.dependencies:
            raise FormulaCycleError([key, key])
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as exc:
        # graphlib lists the cycle against the "uses" direction: a uses b uses c uses a.
        cycle = list(reversed(exc.args[1]))
        raise FormulaCycleError(cycle) from None


def validate_columns(
    formulas: Sequence[FormulaColumn],
    *,
    columns: Mapping[str, ColumnType],
    names: Mapping[str, str],
    lookup: LookupResolver | None = None,
) -> dict[str, Checked]:
    """Check every formula column of a panel; raises ColumnFormulaError naming the column."""
    types = _types(columns, formulas)
    checked = {}
    for f in formulas:
        try:
            checked[f.key] = check_formula(f, types=types, names=names, lookup=lookup)
        except FormulaError as exc:
            raise ColumnFormulaError(f.key, exc) from exc
    try:
        order(checked)
    except FormulaCycleError as exc:
        raise ColumnFormulaError(exc.cycle[0], exc) from exc
    return checked


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
def frozen_now(now: datetime | None):  # type: ignore[no-untyped-def]
    token = NOW.set((now or datetime.now(UTC)).astimezone(UTC))
    try:
        yield
    finally:
        NOW.reset(token)


def _lookup_frames(
    frame: pl.LazyFrame, checked: Checked, lookup: LookupSource | None, prefix: str
) -> tuple[pl.LazyFrame, dict[int, str]]:
    columns: dict[int, str] = {}
    for i, call in enumerate(checked.lookups):
        assert lookup is not None
        panel, key, result = (str(call.args[j].value) for j in (0, 1, 3))  # type: ignore[union-attr]
        other = lookup.frame(panel, key, result)
        key_type = lookup.column_type(panel, key) or T.text
        right = (
            other.lazy()
            .select(
                txt(Arg(pl.col(key), None, key_type, call)).alias(f"{prefix}{i}_k"),
                pl.col(result).alias(f"{prefix}{i}"),
            )
            .unique(subset=[f"{prefix}{i}_k"], keep="first")
        )
        partial = Checked(
            node=call.args[2], source=checked.source, types=checked.types, refs=checked.refs
        )
        key_arg = compile_checked(partial, columns)
        frame = (
            frame.with_columns(txt(key_arg).alias(f"{prefix}{i}_k"))
            .join(right, on=f"{prefix}{i}_k", how="left", maintain_order="left")
            .drop(f"{prefix}{i}_k")
        )
        columns[id(call)] = f"{prefix}{i}"
    return frame, columns


def _generations(keys: list[str], checked: Mapping[str, Checked]) -> list[list[str]]:
    level: dict[str, int] = {}
    for key in keys:  # ``keys`` is in dependency order
        deps = [d for d in checked[key].dependencies if d in checked and d != key]
        level[key] = 1 + max((level[d] for d in deps), default=-1)
    out: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for key in keys:
        out[level[key]].append(key)
    return out


def evaluate_columns(
    frame: pl.DataFrame,
    formulas: Sequence[FormulaColumn],
    *,
    columns: Mapping[str, ColumnType],
    names: Mapping[str, str],
    now: datetime | None = None,
    lookup: LookupSource | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Add each formula column to ``frame``. A formula that no longer checks (a column it used
    was removed) becomes an all-blank column with its error in the stats; row-level errors
    (division by zero, invalid dates or regexes) become blanks, counted per column."""
    types = _types(columns, formulas)
    stats: dict[str, Any] = {}
    checked: dict[str, Checked] = {}
    for f in formulas:
        try:
            checked[f.key] = check_formula(f, types=types, names=names, lookup=lookup)
        except FormulaError as exc:
            stats[f.key] = {"invalid": str(exc)}
    try:
        keys = order(checked)
    except FormulaCycleError as exc:
        for key in exc.cycle:
            stats[key] = {"invalid": str(exc)}
            checked.pop(key, None)
        keys = order(checked)
    by_key = {f.key: f for f in formulas}
    # Columns without blanks need no blank handling (formula columns may produce blanks).
    counts = frame.null_count().row(0, named=True) if frame.width else {}
    non_null = frozenset(k for k, n in counts.items() if n == 0 and k not in by_key)
    integral = frozenset(
        k for k, dtype in frame.schema.items() if dtype.is_integer() and k not in by_key
    )
    lazy = frame.lazy()
    error_columns = []
    with frozen_now(now):
        missing = [
            pl.lit(None).cast(COLUMN_DTYPES[f.type]).alias(f.key)
            for f in formulas
            if f.key not in checked
        ]
        if missing:
            lazy = lazy.with_columns(missing)
        # Formulas that do not depend on each other are computed together, in parallel.
        for generation in _generations(keys, checked):
            errors: list[pl.Expr] = []
            values: list[pl.Expr] = []
            temporary: list[str] = []
            for key in generation:
                f, c = by_key[key], checked[key]
                lazy, lookup_columns = _lookup_frames(lazy, c, lookup, f"__lookup_{key}_")
                temporary.extend(lookup_columns.values())
                arg = compile_checked(c, lookup_columns, non_null, integral)
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
        result = lazy.collect()
    for key in keys:
        stats[key] = {
            "errors": int(result.get_column(f"__error_{key}").sum()) if key in error_columns else 0,
            "blank": int(result.get_column(key).null_count()),
        }
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
    checked = check_formula(formula, types=_types(columns, [formula]), names=names)
    with frozen_now(now):
        results = Interpreter(checked, rows, lookups).run()
    return [None if err else to_column_py(v, checked.type, formula.type) for v, err in results]
