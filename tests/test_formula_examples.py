"""Airtable's documented formula examples (tests/formula_examples.py), through both evaluators.

Each example becomes a one-row frame of its columns and one formula column of its result type,
evaluated by the whole-frame engine (``evaluate_columns``) and by the row-by-row reference
(``evaluate_reference``); both must give the documented result.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from core.enums import ColumnType
from formulas import FormulaColumn, evaluate_columns, evaluate_reference, validate_columns
from formulas.types import COLUMN_DTYPES
from tests.formula_examples import EXAMPLES, Example

FIXED_NOW = datetime(2024, 5, 17, 8, 0, tzinfo=UTC)
RESULT = "result"


def _ids() -> list[str]:
    seen: Counter[str] = Counter()
    ids = []
    for ex in EXAMPLES:
        ids.append(f"{ex.function}-{seen[ex.function]}")
        seen[ex.function] += 1
    return ids


def _setup(ex: Example) -> tuple[pl.DataFrame, dict[str, ColumnType], dict[str, str]]:
    """A one-row frame holding the example's columns (plus a row marker, so that an example
    without columns still has a row), its column types and its name -> key map."""
    data: dict[str, pl.Series] = {"row": pl.Series("row", [1], dtype=pl.Int64())}
    columns: dict[str, ColumnType] = {"row": ColumnType.integer}
    names: dict[str, str] = {}
    for i, (name, (type_, raw)) in enumerate(ex.columns.items()):
        key, ctype = f"c{i}", ColumnType(type_)
        value = raw.astimezone(UTC) if isinstance(raw, datetime) else raw
        data[key] = pl.Series(key, [value], dtype=COLUMN_DTYPES[ctype])
        columns[key] = ctype
        names[name] = key
    return pl.DataFrame(list(data.values())), columns, names


def _same(actual: Any, expected: Any, result_type: str) -> bool:
    if expected is None or actual is None:
        return actual is expected
    if result_type == "json":
        try:
            return bool(json.loads(actual) == json.loads(expected))
        except (TypeError, ValueError):
            return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, datetime) and isinstance(actual, datetime):
        return actual == expected
    if isinstance(expected, date) and isinstance(actual, date):
        return not isinstance(actual, datetime) and actual == expected
    return bool(type(actual) is type(expected) and actual == expected)


@pytest.mark.parametrize("ex", EXAMPLES, ids=_ids())
def test_documented_example(ex: Example) -> None:
    frame, columns, names = _setup(ex)
    column = FormulaColumn(RESULT, "Result", ex.formula, ColumnType(ex.result_type))
    # A formula that does not check raises ColumnFormulaError here.
    validate_columns([column], columns=columns, names=names)

    out, stats = evaluate_columns(frame, [column], columns=columns, names=names, now=FIXED_NOW)
    assert "invalid" not in stats[RESULT], stats[RESULT]
    whole_frame = out.get_column(RESULT).to_list()[0]
    row_by_row = evaluate_reference(
        frame.to_dicts(), column, columns=columns, names=names, now=FIXED_NOW
    )[0]

    got = {"evaluate_columns": whole_frame, "evaluate_reference": row_by_row}
    expected = ex.ours if ex.differs else ex.expected
    wrong = {k: v for k, v in got.items() if not _same(v, expected, ex.result_type)}
    assert not wrong, (
        f"{ex.formula} documented {ex.expected!r}, expected {expected!r}, got {got!r}\n"
        f"source: {ex.source}\nnote: {ex.note}"
    )


def test_the_readme_names_every_documented_behaviour_we_differ_from() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("#### Where Panels differs from Airtable's documentation", 1)[1]
    section = section.split("\n#", 1)[0]
    for ex in EXAMPLES:
        if ex.differs:
            assert f"`{ex.formula}`" in section, ex.formula
