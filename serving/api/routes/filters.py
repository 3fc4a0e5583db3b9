"""The filter language's operators, for clients that build filters (the page's filter editor)."""

from __future__ import annotations

from fastapi import APIRouter

from core.filters import BY_TYPE, OPERATORS
from schemas.filters import FilterOperators, OperatorPublic, TypeOperatorsPublic
from serving.api.deps import ViewerDep

router = APIRouter(prefix="/filter-operators", tags=["filters"])

# The table of core/filters.py, as published: it never changes while the process runs.
TABLE = FilterOperators(
    operators={
        name: OperatorPublic(label=op.label, takes=op.takes) for name, op in OPERATORS.items()
    },
    types={
        kind: TypeOperatorsPublic(operators=list(ops.all), editor=list(ops.editor))
        for kind, ops in BY_TYPE.items()
    },
)


@router.get("", response_model=FilterOperators)
def list_filter_operators(principal: ViewerDep) -> FilterOperators:
    """Which operators each column type takes, the value each takes, and its label."""
    return TABLE
