"""Which formula columns of a panel can be evaluated, and in what order: each checked, a
cycle or a broken formula named."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.enums import ColumnType
from formulas.checker import Checked, LookupResolver, check
from formulas.errors import FormulaCycleError, FormulaError
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
        order(checked)
    except FormulaCycleError as exc:
        raise ColumnFormulaError(exc.cycle[0], exc) from exc
    return checked


@dataclass(frozen=True)
class Plan:
    """A panel's formula columns checked together: the valid ones in dependency order, and
    why each of the others cannot be evaluated."""

    formulas: dict[str, FormulaColumn]  # every formula column by key, in the panel's order
    checked: dict[str, Checked]
    keys: list[str]  # the checked keys, each after the formula columns it uses
    invalid: dict[str, str]  # formula column key -> the error that blanks it


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
    return Plan({f.key: f for f in formulas}, checked, keys, invalid)
