"""The Panels formula language: parse, type-check, compile to Polars, evaluate.

Pure: imports neither Dagster nor FastAPI. The API checks formulas when columns are saved; the
sync pipeline evaluates them; ``formulas.reference`` is the row-by-row yardstick.
"""

from formulas.engine import (
    ColumnFormulaError,
    FormulaColumn,
    LookupSource,
    evaluate_columns,
    evaluate_reference,
    validate_columns,
)
from formulas.errors import FormulaCycleError, FormulaError

__all__ = [
    "ColumnFormulaError",
    "FormulaColumn",
    "FormulaCycleError",
    "FormulaError",
    "LookupSource",
    "evaluate_columns",
    "evaluate_reference",
    "validate_columns",
]
