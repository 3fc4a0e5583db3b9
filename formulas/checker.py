"""Name resolution and type checking: every node gets a type, or a FormulaError says why not."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from formulas.ast import Binary, Call, ColumnRef, Literal, Node, Unary, walk
from formulas.errors import FormulaError
from formulas.functions import check_args, load, result_type
from formulas.functions.logic import TypeMismatch
from formulas.functions.operators import binary_type
from formulas.parser import parse
from formulas.types import DATES, T

AGGREGATES = {
    "SUM_ALL": T.number,
    "AVG_ALL": T.number,
    "MEDIAN_ALL": T.number,
    "MIN_ALL": None,
    "MAX_ALL": None,
    "COUNT_ALL": T.number,
}
AGGREGATE_DOCS = (
    "SUM_ALL, AVG_ALL, MEDIAN_ALL, MIN_ALL, MAX_ALL, COUNT_ALL(value, [group]):"
    " over the whole panel, or per value of the group"
)


class LookupResolver(Protocol):
    """Answers what LOOKUP needs about another panel of the same tenant."""

    def column_type(self, panel: str, column: str) -> T | None: ...


@dataclass
class Checked:
    node: Node
    source: str
    types: dict[int, T] = field(default_factory=dict)
    refs: dict[int, str] = field(default_factory=dict)  # ColumnRef node id -> column key
    lookups: list[Call] = field(default_factory=list)

    @property
    def type(self) -> T:
        return self.types[id(self.node)]

    def type_of(self, node: Node) -> T:
        return self.types[id(node)]

    @property
    def dependencies(self) -> set[str]:
        return set(self.refs.values())


def _resolve(
    ref: ColumnRef, columns: Mapping[str, T], names: Mapping[str, str], source: str
) -> str:
    if ref.name in names:
        return names[ref.name]
    if ref.name in columns:
        return ref.name
    folded = {n.casefold(): k for n, k in names.items()}
    if ref.name.casefold() in folded:
        return folded[ref.name.casefold()]
    candidates = list(names) + list(columns)
    # A column may be close by its name and by its key: it is suggested once, as written best.
    seen: set[str] = set()
    close = []
    for match in difflib.get_close_matches(ref.name, candidates, n=6, cutoff=0.5):
        key = names.get(match, match)
        if key not in seen:
            seen.add(key)
            close.append(match)
    close = close[:3]
    hint = "did you mean " + " or ".join(f"{{{c}}}" for c in close) + "?" if close else None
    raise FormulaError(f"unknown column {{{ref.name}}}", ref.pos, hint=hint, source=source)


def check(
    node: Node,
    *,
    source: str,
    columns: Mapping[str, T],
    names: Mapping[str, str] | None = None,
    lookup: LookupResolver | None = None,
) -> Checked:
    """Type every node of ``node``; ``columns`` maps column keys to types, ``names`` display
    names to keys (references may use either)."""
    registry = load()
    checked = Checked(node=node, source=source)
    names = names or {}

    def visit(n: Node) -> T:
        try:
            t = _visit(n)
        except TypeMismatch as exc:
            raise FormulaError(str(exc), exc.pos, hint=exc.hint, source=source) from None
        checked.types[id(n)] = t
        return t

    def _visit(n: Node) -> T:
        if isinstance(n, Literal):
            value = n.value
            if isinstance(value, bool):
                return T.boolean
            if isinstance(value, float):
                return T.number
            if isinstance(value, str):
                return T.text
            return T.datetime if hasattr(value, "hour") else T.date
        if isinstance(n, ColumnRef):
            key = _resolve(n, columns, names, source)
            checked.refs[id(n)] = key
            return columns[key]
        if isinstance(n, Unary):
            inner = visit(n.operand)
            if inner not in (T.number, T.boolean, T.blank):
                raise TypeMismatch(f"cannot negate {inner.value}", n.pos)
            return T.number
        if isinstance(n, Binary):
            return binary_type(n.op, visit(n.left), visit(n.right), n.pos)
        if n.name in AGGREGATES:
            return _aggregate(n)
        if n.name == "LOOKUP":
            return _lookup(n)
        fn = registry.get(n.name)
        if fn is None:
            all_names = list(registry) + list(AGGREGATES) + ["LOOKUP"]
            close = difflib.get_close_matches(n.name, all_names, n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(c + '()' for c in close)}?" if close else None
            raise FormulaError(f"unknown function {n.name}()", n.pos, hint=hint, source=source)
        types = [visit(a) for a in n.args]
        check_args(fn, types, n, source)
        if n.name == "LAST_MODIFIED_TIME":
            _watched(n)
        return result_type(fn, types, n)

    def _watched(n: Call) -> None:
        """LAST_MODIFIED_TIME's fields: column references, the call its column's whole
        formula (its value carries from the served version: pipelines/rowmeta.py)."""
        for arg in n.args:
            if not isinstance(arg, ColumnRef):
                raise TypeMismatch(
                    "LAST_MODIFIED_TIME() takes columns, like {Price}",
                    arg.pos,
                    hint="LAST_MODIFIED_TIME({Price}, {Quantity})",
                )
        if n.args and n is not node:
            raise TypeMismatch(
                "LAST_MODIFIED_TIME() with fields must be its column's whole formula",
                n.pos,
                hint="its value carries from one sync to the next: put it in a column of its"
                " own and use that column here",
            )
        n.meta["fields"] = tuple(dict.fromkeys(checked.refs[id(a)] for a in n.args))

    def _aggregate(n: Call) -> T:
        if not 1 <= len(n.args) <= 2:
            raise TypeMismatch(
                f"{n.name}() takes a value and an optional group",
                n.pos,
                hint=f"{n.name}({{Delay}}) or {n.name}({{Delay}}, {{Carrier}})",
            )
        value = visit(n.args[0])
        if len(n.args) == 2:
            visit(n.args[1])
        fixed = AGGREGATES[n.name]
        if n.name == "COUNT_ALL":
            return T.number
        if fixed is T.number and value not in (T.number, T.boolean, T.blank):
            raise TypeMismatch(f"{n.name}() needs numbers, not {value.value}", n.args[0].pos)
        if fixed is None and value not in (T.number, T.boolean, T.blank, *DATES):
            raise TypeMismatch(
                f"{n.name}() needs numbers or dates, not {value.value}", n.args[0].pos
            )
        return fixed or (T.number if value in (T.boolean, T.blank) else value)

    def _lookup(n: Call) -> T:
        if len(n.args) != 4:
            raise TypeMismatch(
                "LOOKUP() takes (panel, key column, key value, result column)",
                n.pos,
                hint='LOOKUP("airlines", "carrier", {carrier}, "name")',
            )
        for i in (0, 1, 3):
            arg = n.args[i]
            if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
                raise TypeMismatch(f"LOOKUP() argument {i + 1} must be a literal text", arg.pos)
        visit(n.args[2])
        if lookup is None:
            raise TypeMismatch("LOOKUP() is not available here", n.pos)
        panel, key, result = (str(n.args[i].value) for i in (0, 1, 3))  # type: ignore[union-attr]
        for column, arg in ((key, n.args[1]), (result, n.args[3])):
            if lookup.column_type(panel, column) is None:
                raise TypeMismatch(f"panel {panel!r} has no column {column!r}", arg.pos)
        checked.lookups.append(n)
        found = lookup.column_type(panel, result)
        assert found is not None
        return found

    visit(node)
    return checked


def describe(value: Any) -> str:
    return value.value if isinstance(value, T) else str(value)


# Functions whose value is not the row's alone: a row whose fields did not change may still
# get another value from them (another sync's instant, the panel's other rows, another panel).
# The row-metadata functions (RECORD_ID, CREATED_TIME, LAST_MODIFIED_TIME) are not among them:
# a row whose fields did not change keeps its identity and its times.
NOT_ROW_LOCAL = frozenset({"NOW", "TODAY", "TONOW", "FROMNOW", "LOOKUP", *AGGREGATES})


def row_local(source: str) -> bool:
    """Whether a formula's value depends on its row's fields alone, so a row that did not
    change keeps its value (an incremental publish may then evaluate the changed rows only)."""
    try:
        node = parse(source)
    except FormulaError:
        return False
    return not any(isinstance(n, Call) and n.name in NOT_ROW_LOCAL for n in walk(node))
