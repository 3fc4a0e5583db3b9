"""A plain row-by-row interpreter of the same AST: the yardstick for the vectorised engine.

Slow on purpose and simple to read; the property tests compare it with ``compiler`` on
generated data, and the benchmark measures how much faster the Polars version is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from formulas.ast import Binary, Call, ColumnRef, Literal, Node, Unary
from formulas.checker import AGGREGATES, Checked
from formulas.functions import load
from formulas.functions.operators import binary_py, unary_py
from formulas.functions.record import at_row
from formulas.types import T
from formulas.values import EvalError, is_blank_py, txt_py

Row = Mapping[str, Any]
Result = tuple[Any, bool]  # (value, error)


class Interpreter:
    def __init__(
        self,
        checked: Checked,
        rows: Sequence[Row],
        lookups: Mapping[int, dict[str, Any]] | None = None,
    ) -> None:
        self.checked = checked
        self.registry = load()
        self.rows = rows
        self.lookups = lookups or {}
        self._aggregates: dict[int, dict[Any, Any]] = {}

    def run(self) -> list[Result]:
        return [self.eval_row(self.checked.node, row) for row in self.rows]

    def eval_row(self, n: Node, row: Row) -> Result:
        """``n`` for ``row``, whose metadata the row-metadata functions read."""
        with at_row(row):
            return self.eval(n, row)

    def eval(self, n: Node, row: Row) -> Result:
        t = self.checked.type_of(n)
        if isinstance(n, Literal):
            return n.value, False
        if isinstance(n, ColumnRef):
            value = row[self.checked.refs[id(n)]]
            return (float(value) if t is T.number and value is not None else value), False
        if isinstance(n, Unary):
            value, err = self.eval(n.operand, row)
            return (None, True) if err else (unary_py(n.op, value), False)
        if isinstance(n, Binary):
            left, lerr = self.eval(n.left, row)
            right, rerr = self.eval(n.right, row)
            if lerr or rerr:
                return None, True
            try:
                return binary_py(
                    n.op,
                    left,
                    self.checked.type_of(n.left),
                    right,
                    self.checked.type_of(n.right),
                    t,
                ), False
            except EvalError:
                return None, True
        assert isinstance(n, Call)
        if n.name in AGGREGATES:
            return self._aggregate(n, row), False
        if n.name == "LOOKUP":
            key, err = self.eval(n.args[2], row)
            if err:
                return None, True
            table = self.lookups[id(n)]
            return table.get(txt_py(key, self.checked.type_of(n.args[2]))), False
        fn = self.registry[n.name]
        types = [self.checked.type_of(a) for a in n.args]
        if fn.lazy:
            thunks = [lambda a=a: self.eval(a, row) for a in n.args]
            return fn.python(thunks, types, n)  # type: ignore[no-any-return]
        values = []
        for a in n.args:
            value, err = self.eval(a, row)
            if err:
                return None, True
            values.append(value)
        try:
            return fn.python(values, types, n), False
        except EvalError:
            return None, True

    def _aggregate(self, n: Call, row: Row) -> Any:
        if id(n) not in self._aggregates:
            groups: dict[Any, list[Any]] = {}
            for r in self.rows:
                value, err = self.eval_row(n.args[0], r)
                group = self.eval_row(n.args[1], r)[0] if len(n.args) == 2 else None
                groups.setdefault(group, []).append(None if err else value)
            arg_type = self.checked.type_of(n.args[0])
            self._aggregates[id(n)] = {g: _reduce(n.name, vs, arg_type) for g, vs in groups.items()}
        group = self.eval(n.args[1], row)[0] if len(n.args) == 2 else None
        return self._aggregates[id(n)][group]


def _reduce(name: str, values: list[Any], t: T) -> Any:
    if name == "COUNT_ALL":
        return float(sum(1 for v in values if not is_blank_py(v, t)))
    present = [float(v) if t in (T.number, T.boolean) else v for v in values if v is not None]
    if name == "SUM_ALL":
        return sum(present, 0.0)
    if not present:
        return None
    if name == "AVG_ALL":
        return sum(present, 0.0) / len(present)
    if name == "MIN_ALL":
        return min(present)
    if name == "MAX_ALL":
        return max(present)
    ordered = sorted(present)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
