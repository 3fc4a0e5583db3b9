"""The columns a formula's value reads beside the frame's: one per LOOKUP() and aggregate call,
added inner calls first, so the compiled formula reads each as a plain column.

An aggregate nested in the value of a grouped one (``SUM_ALL({x} - AVG_ALL({x}), {g})``) is a
column computed first, so it is over the whole panel, not over the group the outer window is
evaluating. In a batch every aggregate is a column: its value is known from earlier passes.
"""

from __future__ import annotations

import polars as pl

from formulas.ast import Binary, Call, Node, Unary
from formulas.checker import AGGREGATES, Checked
from formulas.compiler import aggregate_expr, compile_checked
from formulas.lookups import LookupFrames

Columns = dict[int, str]  # call node id -> the column holding its value
Known = tuple[frozenset[str], frozenset[str]]  # input columns without blanks, integer columns


def part(checked: Checked, node: Node) -> Checked:
    """``checked`` narrowed to one of its sub-expressions, for compiling that alone."""
    return Checked(node=node, source=checked.source, types=checked.types, refs=checked.refs)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


class Attacher:
    """Over a whole frame: LOOKUP() calls are joined; an aggregate is computed from the frame,
    inline where it stands, or first as a column when it sits in a grouped aggregate's window."""

    def __init__(self, lookups: LookupFrames, known: Known) -> None:
        self.lookups, self.known = lookups, known

    def formula(
        self, frame: pl.LazyFrame, key: str, checked: Checked
    ) -> tuple[pl.LazyFrame, Columns]:
        columns: Columns = {}
        return self.node(frame, checked, checked.node, columns, f"__{key}_"), columns

    def node(
        self,
        frame: pl.LazyFrame,
        checked: Checked,
        node: Node,
        columns: Columns,
        prefix: str,
        window: bool = False,
    ) -> pl.LazyFrame:
        """``frame`` with the columns of the calls in ``node``; ``columns`` says which.
        ``window``: ``node`` is in the value of a grouped aggregate, evaluated per group."""
        if isinstance(node, Call) and node.name == "LOOKUP":
            frame = self.node(frame, checked, node.args[2], columns, prefix)
            key = compile_checked(part(checked, node.args[2]), columns)
            columns[id(node)] = name = f"{prefix}{len(columns)}"
            return self.lookups.join(frame, node, key, name)
        if not (isinstance(node, Call) and node.name in AGGREGATES):
            for child in children(node):
                frame = self.node(frame, checked, child, columns, prefix, window)
            return frame
        attach = self.attaches(window)
        grouped = len(node.args) == 2
        for i in self.inner(node):
            inner = (window and not attach) or (grouped and i == 0)
            frame = self.node(frame, checked, node.args[i], columns, prefix, inner)
        if not attach:
            return frame
        name = f"{prefix}{len(columns)}"
        group = None
        if grouped:
            group = compile_checked(part(checked, node.args[1]), columns, *self.known).expr
        frame = self.aggregate(frame, checked, node, columns, group, name)
        columns[id(node)] = name
        return frame

    def attaches(self, window: bool) -> bool:
        """Whether an aggregate becomes a column first, or is compiled where it stands."""
        return window

    def inner(self, call: Call) -> range:
        """The arguments of an aggregate call (by index) whose calls need columns first."""
        return range(len(call.args))

    def aggregate(
        self,
        frame: pl.LazyFrame,
        checked: Checked,
        call: Call,
        columns: Columns,
        group: pl.Expr | None,
        name: str,
    ) -> pl.LazyFrame:
        value = compile_checked(part(checked, call.args[0]), columns, *self.known)
        return frame.with_columns(aggregate_expr(call, value, group).alias(name))
