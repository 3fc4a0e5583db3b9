"""Which formula columns of a panel can be evaluated, and in what order: each checked, a
cycle or a broken formula named."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from core.enums import ColumnType
from formulas.ast import Call, ColumnRef, Node, walk
from formulas.checker import AGGREGATES, Checked, LookupResolver, check
from formulas.errors import FormulaCycleError, FormulaError
from formulas.functions.record import ROW_METADATA, input_of
from formulas.parser import parse
from formulas.types import FITS, FROM_COLUMN, T


@dataclass(frozen=True)
class FormulaColumn:
    key: str
    name: str
    formula: str
    type: ColumnType


class ColumnFormulaError(ValueError):
    """A formula column that cannot be saved: which column, and the formula error."""

    def __init__(self, key: str, error: FormulaError | FormulaCycleError) -> None:
        self.key, self.error = key, error
        super().__init__(f"column {key!r}: {error}")


def types_of(columns: Mapping[str, ColumnType], formulas: Sequence[FormulaColumn]) -> dict[str, T]:
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
    types = types_of(columns, formulas)
    checked = {}
    for f in formulas:
        try:
            checked[f.key] = check_formula(f, types=types, names=names, lookup=lookup)
        except FormulaError as exc:
            raise ColumnFormulaError(f.key, exc) from exc
    try:
        keys = order(checked)
    except FormulaCycleError as exc:
        raise ColumnFormulaError(exc.cycle[0], exc) from exc
    _, errors = row_metadata_columns(checked, keys, {f.key: f.type for f in formulas})
    for f in formulas:
        if f.key in errors:
            raise ColumnFormulaError(f.key, errors[f.key])
    return checked


def _reading_metadata(checked: Checked, node: Node, meta: set[str]) -> Node | None:
    """The first node under ``node`` that reads row metadata: a call of RECORD_ID(),
    CREATED_TIME() or LAST_MODIFIED_TIME(), or a formula column that reads one."""
    for n in walk(node):
        if isinstance(n, Call) and n.name in ROW_METADATA:
            return n
        if isinstance(n, ColumnRef) and checked.refs[id(n)] in meta:
            return n
    return None


def row_metadata_columns(
    checked: Mapping[str, Checked], keys: list[str], types: Mapping[str, ColumnType]
) -> tuple[set[str], dict[str, FormulaError]]:
    """The formula columns (of ``keys``, in dependency order; ``types`` their column types)
    whose values read row metadata, directly or through another formula column, and those
    that cannot: a sync computes whole-panel values before it knows the rows' identities,
    LAST_MODIFIED_TIME() watches the row's values, not its metadata, and with fields it
    carries its value from one sync to the next as its (date or datetime) column holds it."""
    meta: set[str] = set()
    errors: dict[str, FormulaError] = {}
    for key in keys:
        c = checked[key]
        if _reading_metadata(c, c.node, meta) is not None:
            meta.add(key)
        root = c.node
        watching = isinstance(root, Call) and root.name == "LAST_MODIFIED_TIME" and root.args
        if watching and types[key] not in (ColumnType.datetime, ColumnType.date):
            errors[key] = FormulaError(
                "LAST_MODIFIED_TIME() with fields fills a datetime or date column",
                0,
                hint="its value carries from one sync to the next as the column holds it; show"
                " it as text in another column",
                source=c.source,
            )
        for n in walk(c.node):
            if not isinstance(n, Call):
                continue
            if n.name in AGGREGATES:
                found = next(
                    (r for a in n.args if (r := _reading_metadata(c, a, meta)) is not None), None
                )
                if found is not None:
                    errors[key] = FormulaError(
                        f"{n.name}() cannot read row metadata",
                        found.pos,
                        hint="RECORD_ID(), CREATED_TIME() and LAST_MODIFIED_TIME() are known"
                        " once a sync has matched the rows, after whole-panel values",
                        source=c.source,
                    )
            if n.name == "LAST_MODIFIED_TIME":
                for arg in n.args:
                    if c.refs.get(id(arg)) in meta:
                        errors[key] = FormulaError(
                            "LAST_MODIFIED_TIME() watches the row's values, and this column"
                            " reads row metadata",
                            arg.pos,
                            source=c.source,
                        )
    return meta, errors


def row_metadata_inputs(checked: Iterable[Checked]) -> dict[str, pl.DataType]:
    """The frame columns the row-metadata calls of these formulas read, with their types."""
    return dict(
        input_of(n)
        for c in checked
        for n in walk(c.node)
        if isinstance(n, Call) and n.name in ROW_METADATA
    )


@dataclass(frozen=True)
class Plan:
    """A panel's formula columns checked together: the valid ones in dependency order, and
    why each of the others cannot be evaluated."""

    formulas: dict[str, FormulaColumn]  # every formula column by key, in the panel's order
    checked: dict[str, Checked]
    keys: list[str]  # the checked keys, each after the formula columns it uses
    invalid: dict[str, str]  # formula column key -> the error that blanks it
    # The checked keys whose values read row metadata (a sync adds them once rows are matched).
    row_metadata: frozenset[str] = field(default_factory=frozenset)


def plan_formulas(
    formulas: Sequence[FormulaColumn],
    *,
    columns: Mapping[str, ColumnType],
    names: Mapping[str, str],
    lookup: LookupResolver | None = None,
) -> Plan:
    types = types_of(columns, formulas)
    invalid: dict[str, str] = {}
    checked: dict[str, Checked] = {}
    for f in formulas:
        try:
            checked[f.key] = check_formula(f, types=types, names=names, lookup=lookup)
        except FormulaError as exc:
            invalid[f.key] = str(exc)
    try:
        keys = order(checked)
    except FormulaCycleError as exc:
        for key in exc.cycle:
            invalid[key] = str(exc)
            checked.pop(key, None)
        keys = order(checked)
    meta, errors = row_metadata_columns(checked, keys, {f.key: f.type for f in formulas})
    for key, error in errors.items():
        invalid[key] = str(error)
        checked.pop(key)
    keys = [k for k in keys if k in checked]
    row_metadata = frozenset(meta & set(checked))
    return Plan({f.key: f for f in formulas}, checked, keys, invalid, row_metadata)
