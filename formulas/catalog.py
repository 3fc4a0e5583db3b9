"""Every function a formula may call, described from the registry itself: its usage, what it
gives, how many arguments it takes and an example with its result. ``GET /formulas/functions``
serves this list and a test evaluates every example, so the documentation cannot drift from
the engine."""

from __future__ import annotations

from dataclasses import dataclass

from formulas.checker import AGGREGATES
from formulas.functions import Function, load
from formulas.types import T


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    category: str
    usage: str  # "ROUND(value, [precision])"
    description: str
    returns: str
    min_args: int
    max_args: int | None  # None: any number
    example: str
    example_result: str


_AGGREGATE_DESCRIPTIONS = {
    "SUM_ALL": ("the sum of the value over the panel's rows", "SUM_ALL({Amount})", "number"),
    "AVG_ALL": ("the mean of the value over the panel's rows", "AVG_ALL({Amount})", "number"),
    "MEDIAN_ALL": ("the median over the panel's rows", "MEDIAN_ALL({Amount})", "number"),
    "MIN_ALL": ("the smallest over the panel's rows", "MIN_ALL({Due})", "number or date"),
    "MAX_ALL": ("the largest over the panel's rows", "MAX_ALL({Due})", "number or date"),
    "COUNT_ALL": ("how many rows have a value", "COUNT_ALL({Amount})", "number"),
}


def _returns(fn: Function) -> str:
    if fn.returns_doc:
        return fn.returns_doc
    assert isinstance(fn.returns, T), f"{fn.name}() needs returns_doc"
    return "any type (blank)" if fn.returns is T.blank else fn.returns.value


def _info(fn: Function) -> FunctionInfo:
    least, most = fn.arity()
    return FunctionInfo(
        name=fn.name,
        category=fn.category,
        usage=fn.usage,
        description=fn.description,
        returns=_returns(fn),
        min_args=least,
        max_args=most,
        example=fn.example[0],
        example_result=fn.example[1],
    )


def catalog() -> list[FunctionInfo]:
    """Every function, by category then name. The whole-panel aggregates and LOOKUP are
    checked by the type checker itself; their examples read columns, so they carry no result,
    nor do the row-metadata functions' (RECORD_ID(), CREATED_TIME(), LAST_MODIFIED_TIME():
    a sync gives them their values)."""
    out = [_info(fn) for fn in load().values()]
    for name, (description, example, returns) in _AGGREGATE_DESCRIPTIONS.items():
        out.append(
            FunctionInfo(
                name=name,
                category="panel",
                usage=f"{name}(value, [group])",
                description=f"{description}, or over the rows of the same group",
                returns=returns,
                min_args=1,
                max_args=2,
                example=example,
                example_result="",
            )
        )
    out.append(
        FunctionInfo(
            name="LOOKUP",
            category="panel",
            usage="LOOKUP(panel, key_column, key, result_column)",
            description="the result column of the row of another panel (of the same tenant)"
            " whose key column equals the key; panel and columns are literal texts",
            returns="the type of the result column",
            min_args=4,
            max_args=4,
            example='LOOKUP("airlines", "carrier", {carrier}, "name")',
            example_result="",
        )
    )
    assert set(_AGGREGATE_DESCRIPTIONS) == set(AGGREGATES)
    return sorted(out, key=lambda f: (f.category, f.name))
