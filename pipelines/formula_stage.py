"""The formula stage of a sync: formula columns evaluated over the whole mapped frame."""

from __future__ import annotations

from typing import Any

import polars as pl

from formulas import FormulaColumn, evaluate_columns
from pipelines.spec import PanelSpec


def evaluate_formulas(spec: PanelSpec, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Add every formula column to ``frame``; stats count the nulls each formula produced from
    errors (division by zero, invalid dates or regexes), which never abort a sync."""
    formula_columns = [
        FormulaColumn(key=c.key, name=c.name, formula=c.formula, type=c.type)
        for c in spec.columns
        if c.formula is not None
    ]
    if not formula_columns:
        return frame, {}
    columns = {c.key: c.type for c in spec.columns if c.formula is None}
    names = {c.name: c.key for c in spec.columns}
    return evaluate_columns(frame, formula_columns, columns=columns, names=names)
