"""The Panels formula language: parse, type-check, compile to Polars, evaluate.

Pure: imports neither Dagster nor FastAPI. The API checks formulas when columns are saved; the
sync pipeline evaluates them, over a whole frame or batch by batch; ``formulas.reference`` is
the row-by-row yardstick.
"""

from formulas.batches import BatchFormulas
from formulas.engine import evaluate_columns, evaluate_reference
from formulas.errors import FormulaCycleError, FormulaError
from formulas.lookups import LookupSource
from formulas.plan import ColumnFormulaError, FormulaColumn, validate_columns

__all__ = [
    "BatchFormulas",
    "ColumnFormulaError",
    "FormulaColumn",
    "FormulaCycleError",
    "FormulaError",
    "LookupSource",
    "evaluate_columns",
    "evaluate_reference",
    "validate_columns",
]
