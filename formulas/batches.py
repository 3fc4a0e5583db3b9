"""Formula columns evaluated batch by batch, with the values ``evaluate_columns`` gives the
whole table: whole-panel aggregates are computed first, in passes over the batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from core.enums import ColumnType
from formulas.aggregates import KEY, VALUE, Aggregate
from formulas.ast import Call, ColumnRef, Node, walk
from formulas.attach import Attacher, Columns, Known, children, part
from formulas.checker import AGGREGATES, Checked
from formulas.compiler import aggregate_input, compile_checked
from formulas.engine import add_columns, column_stats, frozen_now, known_columns
from formulas.lookups import LookupFrames, LookupSource
from formulas.plan import FormulaColumn, plan_formulas
from formulas.types import COLUMN_DTYPES


class _Known(Attacher):
    """In a batch: each aggregate is the whole panel's, known from the passes."""

    def __init__(self, lookups: LookupFrames, known: Known, aggregates: dict[int, Aggregate]):
        super().__init__(lookups, known)
        self.aggregates = aggregates

    def attaches(self, window: bool) -> bool:
        return True

    def inner(self, call: Call) -> range:
        return range(1, len(call.args))  # the group is read per row; the value is known

    def aggregate(
        self,
        frame: pl.LazyFrame,
        checked: Checked,
        call: Call,
        columns: Columns,
        group: pl.Expr | None,
        name: str,
    ) -> pl.LazyFrame:
        return self.aggregates[id(call)].attach(frame, group, name)


class BatchFormulas:
    """A panel's formula columns over a table that arrives in batches.

    The caller runs ``for p in range(passes): observe(batch, p) for each batch; end_pass(p)``,
    then ``evaluate(batch)`` for each batch, giving every pass the same batches in the same
    order. A pass computes the aggregates whose arguments need none still unknown: an aggregate
    over a formula column that itself uses one takes a second pass. LOOKUP() frames are fetched
    once; NOW() and TODAY() are one instant for every batch.
    """

    def __init__(
        self,
        formulas: Sequence[FormulaColumn],
        *,
        columns: Mapping[str, ColumnType],
        names: Mapping[str, str],
        lookup: LookupSource | None = None,
        now: datetime | None = None,
    ) -> None:
        self._now = (now or datetime.now(UTC)).astimezone(UTC)
        self._plan = plan_formulas(formulas, columns=columns, names=names, lookup=lookup)
        self._lookups = LookupFrames(lookup)
        # Observed at the end of a pass that saw no batch, so every aggregate has a result.
        self._empty = pl.DataFrame(schema={k: COLUMN_DTYPES[t] for k, t in columns.items()})
        self._aggregates: dict[int, Aggregate] = {}
        self._rounds: list[list[tuple[str, Call]]] = []  # per pass: (formula key, call)
        self._schedule()
        self._pass, self._observed = 0, False
        self._stats: dict[str, dict[str, Any]] = {
            key: {"invalid": error} for key, error in self._plan.invalid.items()
        }
        self._stats.update({key: {"errors": 0, "blank": 0} for key in self._plan.keys})

    def _schedule(self) -> None:
        """Put each aggregate call in the first pass after everything its arguments use."""
        needs: dict[str, int] = {}  # formula column -> passes needed before it can be computed

        def need(checked: Checked, key: str, node: Node) -> int:
            if isinstance(node, ColumnRef):
                return needs.get(checked.refs[id(node)], 0)
            inner = max((need(checked, key, c) for c in children(node)), default=0)
            if isinstance(node, Call) and node.name in AGGREGATES:
                self._aggregates[id(node)] = Aggregate(node)
                self._rounds.extend([] for _ in range(inner + 1 - len(self._rounds)))
                self._rounds[inner].append((key, node))
                return inner + 1
            return inner

        for key in self._plan.keys:  # in dependency order: ``needs`` has the columns it uses
            checked = self._plan.checked[key]
            needs[key] = need(checked, key, checked.node)

    @property
    def passes(self) -> int:
        """Passes over the batches before ``evaluate``: 0 when no formula uses an aggregate."""
        return len(self._rounds)

    @property
    def dependencies(self) -> dict[str, list[str]]:
        """Each valid formula column's key -> the columns it reads (its lineage)."""
        return {key: sorted(c.dependencies) for key, c in self._plan.checked.items()}

    @property
    def stats(self) -> dict[str, Any]:
        """As ``evaluate_columns`` gives them, summed over every batch evaluated so far."""
        return {key: dict(counts) for key, counts in self._stats.items()}

    def observe(self, batch: pl.DataFrame, pass_number: int) -> None:
        """Fold ``batch`` into the aggregates computed in pass ``pass_number``."""
        if pass_number != self._pass or pass_number >= self.passes:
            raise ValueError(self._out_of_order(f"observe(batch, {pass_number})"))
        self._observe(batch, pass_number)
        self._observed = True

    def end_pass(self, pass_number: int) -> None:
        """Finish the aggregates of pass ``pass_number``, after its last batch."""
        if pass_number != self._pass or pass_number >= self.passes:
            raise ValueError(self._out_of_order(f"end_pass({pass_number})"))
        if not self._observed:
            self._observe(self._empty, pass_number)
        for _, call in self._rounds[pass_number]:
            self._aggregates[id(call)].finish()
        self._pass, self._observed = self._pass + 1, False

    @property
    def row_metadata(self) -> frozenset[str]:
        """The formula columns that read row metadata (RECORD_ID(), CREATED_TIME(),
        LAST_MODIFIED_TIME()), directly or through another: ``evaluate`` leaves them out, a
        sync adds them with ``evaluate_row_metadata`` once it has matched the rows."""
        return self._plan.row_metadata

    @property
    def checked(self) -> dict[str, Checked]:
        """Each valid formula column's key -> its checked formula."""
        return dict(self._plan.checked)

    def evaluate(self, batch: pl.DataFrame) -> pl.DataFrame:
        """``batch`` with every formula column added, as ``evaluate_columns`` adds them, but
        those that read row metadata (see ``row_metadata``)."""
        meta = self._plan.row_metadata
        return self._evaluate(batch, [k for k in self._plan.keys if k not in meta])

    def evaluate_row_metadata(self, batch: pl.DataFrame) -> pl.DataFrame:
        """``batch`` (a batch ``evaluate`` gave, with its rows' metadata as the row-metadata
        functions read it: ``formulas.functions.record``) with the columns that read it."""
        meta = self._plan.row_metadata
        return self._evaluate(batch, [k for k in self._plan.keys if k in meta])

    def _evaluate(self, batch: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        if self._pass < self.passes:
            raise ValueError(self._out_of_order("evaluate(batch)"))
        attacher = _Known(self._lookups, known_columns(batch, self._plan), self._aggregates)
        with frozen_now(self._now):
            lazy, errors = add_columns(batch.lazy(), self._plan, keys, attacher)
            result = lazy.collect()
        for key, counts in column_stats(result, keys, errors).items():
            for name, n in counts.items():
                self._stats[key][name] += n
        return result.drop([f"__error_{k}" for k in errors])

    def _out_of_order(self, call: str) -> str:
        if self._pass >= self.passes:
            expected = "evaluate(batch)"
        else:
            expected = f"observe(batch, {self._pass}) or end_pass({self._pass})"
        return f"{call} out of order: {self.passes} passes, the next call is {expected}"

    def _observe(self, batch: pl.DataFrame, pass_number: int) -> None:
        calls = self._rounds[pass_number]
        known = known_columns(batch, self._plan)
        attacher = _Known(self._lookups, known, self._aggregates)
        inputs: list[pl.Expr] = []
        with frozen_now(self._now):
            lazy, _ = add_columns(batch.lazy(), self._plan, self._used_by(calls), attacher)
            for i, (key, call) in enumerate(calls):
                checked = self._plan.checked[key]
                columns: Columns = {}
                for arg in call.args:
                    lazy = attacher.node(lazy, checked, arg, columns, f"__input{i}_")
                value = compile_checked(part(checked, call.args[0]), columns, *known)
                group = (
                    compile_checked(part(checked, call.args[1]), columns, *known).expr
                    if len(call.args) == 2
                    else pl.lit(True)
                )
                inputs += [aggregate_input(call, value).alias(f"__v{i}"), group.alias(f"__k{i}")]
            frame = lazy.select(inputs).collect()
        for i, (_, call) in enumerate(calls):
            pair = frame.select(pl.col(f"__k{i}").alias(KEY), pl.col(f"__v{i}").alias(VALUE))
            self._aggregates[id(call)].observe(pair)

    def _used_by(self, calls: list[tuple[str, Call]]) -> list[str]:
        """The formula columns the arguments of ``calls`` read, with those they use in turn."""
        checked = self._plan.checked
        todo = [
            checked[key].refs[id(n)]
            for key, call in calls
            for n in walk(call)
            if isinstance(n, ColumnRef)
        ]
        used: set[str] = set()
        while todo:
            key = todo.pop()
            if key in checked and key not in used:
                used.add(key)
                todo.extend(checked[key].dependencies)
        return [key for key in self._plan.keys if key in used]
