"""One whole-panel aggregate (SUM_ALL ... COUNT_ALL), its state combined batch by batch.

Each batch gives the aggregate's input (``aggregate_input``: errors already blank) and its
group value; the state holds one row per group, never the table's rows, except for
MEDIAN_ALL (see ``observe``). Groups match as ``Expr.over`` groups them: a blank group is a
group, NaN is one group, 0.0 and -0.0 are one group.

Sums (and the sums behind means) keep Polars' semantics: blanks are skipped (no value: 0.0,
a mean of none: blank), NaN and infinities carry through. Each batch's sum is Polars' own and
the batch sums are added as a double-double (Knuth's TwoSum), so combining adds no rounding of
its own. The result may still differ from ``evaluate_columns`` over the whole table in the last
digits (tests allow a relative 1e-12) because summation order is not canonical there either:
the whole-frame sum changes with the engine and with how the frame is chunked. Values whose
partial sums are all exact floats (integers, halves, quarters of moderate size) give identical
results. Counts, minima, maxima and medians are exact.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from formulas.ast import Call

KEY, VALUE = "key", "value"


def _extreme(name: str) -> pl.Expr:
    return pl.col(VALUE).min() if name == "MIN_ALL" else pl.col(VALUE).max()


def _add(hi: pl.Expr, lo: pl.Expr, x: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(hi, lo) + x as a double-double: hi the rounded sum, lo the error carried along."""
    total = hi + x
    back = total - hi
    error = (hi - (total - back)) + (x - back)  # exact for finite numbers (TwoSum)
    return total, lo + pl.when(total.is_finite()).then(error).otherwise(0.0)


class Aggregate:
    def __init__(self, call: Call) -> None:
        self.name = call.name
        self.grouped = len(call.args) == 2
        self._state: pl.DataFrame | None = None
        self._medians: list[pl.DataFrame] = []
        self._result: pl.DataFrame | None = None

    def observe(self, batch: pl.DataFrame) -> None:
        """Fold in one batch: ``KEY`` (the group value, a constant when not grouped) and
        ``VALUE`` (the aggregate input)."""
        if self.name == "MEDIAN_ALL":
            # A median does not combine from partial medians: keep the aggregated values of this
            # one expression (one float column, with its group value when grouped), not the table.
            kept = batch.filter(pl.col(VALUE).is_not_null())
            self._medians.append(kept if self.grouped else kept.select(VALUE))
            return
        if self.name in ("MIN_ALL", "MAX_ALL"):
            partial = batch.group_by(KEY).agg(_extreme(self.name))
            if self._state is not None:
                both = pl.concat([self._state, partial])
                partial = both.group_by(KEY, maintain_order=True).agg(_extreme(self.name))
            self._state = partial
            return
        partial = batch.group_by(KEY).agg(
            pl.col(VALUE).sum().alias("sum"), pl.col(VALUE).count().cast(pl.Int64).alias("n")
        )
        if self._state is None:
            self._state = partial.select(KEY, hi="sum", lo=pl.lit(0.0), n="n")
            return
        both = self._state.join(partial, on=KEY, how="full", coalesce=True, nulls_equal=True)
        hi, lo = _add(
            pl.col("hi").fill_null(0.0), pl.col("lo").fill_null(0.0), pl.col("sum").fill_null(0.0)
        )
        n = pl.col("n").fill_null(0) + pl.col("n_right").fill_null(0)
        self._state = both.select(KEY, hi=hi, lo=lo, n=n)

    def finish(self) -> None:
        """The result from the state: after the last batch (at least one, maybe empty)."""
        if self.name == "MEDIAN_ALL":
            values = pl.concat(self._medians)
            self._medians = []
            if self.grouped:
                self._result = values.group_by(KEY).agg(pl.col(VALUE).median())
            else:
                self._result = values.select(pl.col(VALUE).median())
            return
        assert self._state is not None, "finish() after observing at least one batch"
        if self.name in ("MIN_ALL", "MAX_ALL"):
            self._result = self._state
            return
        total = pl.col("hi") + pl.col("lo")
        if self.name == "AVG_ALL":  # Polars' mean: the sum over the non-blank values; none: blank
            total = pl.when(pl.col("n") > 0).then(total / pl.col("n"))
        self._result = self._state.select(KEY, total.alias(VALUE))

    def attach(self, frame: pl.LazyFrame, group: pl.Expr | None, name: str) -> pl.LazyFrame:
        """``frame`` with column ``name``: the aggregate for each row (of the row's group)."""
        result = self._result
        if result is None:
            raise RuntimeError(f"{self.name}() is used before the pass that computes it ended")
        if group is None:
            value = pl.lit(self._scalar(result), result.schema[VALUE])
            return frame.with_columns(value.alias(name))
        right = result.lazy().rename({KEY: f"{name}_k", VALUE: name})
        if result.schema[KEY] == pl.Null:
            # A group that is always blank (BLANK()): Polars' left join of a Null-typed key
            # with an empty right side drops every left row; a typed key keeps them.
            right = right.with_columns(pl.col(f"{name}_k").cast(pl.Boolean))
            group = group.cast(pl.Boolean)
        return (
            frame.with_columns(group.alias(f"{name}_k"))
            .join(right, on=f"{name}_k", how="left", nulls_equal=True, maintain_order="left")
            .drop(f"{name}_k")
        )

    def _scalar(self, result: pl.DataFrame) -> Any:
        if result.height:
            return result.get_column(VALUE)[0]
        # No row in any batch: what Polars gives for an empty column.
        return 0.0 if self.name in ("SUM_ALL", "COUNT_ALL") else None
