"""Quality rules over a table that arrives in batches: nothing holds the table.

- Row rules (``not_null``, ``between``, ``in_set``, ``matches_regex``, ``length_between``) run
  through Great Expectations on each batch; counts add up and the first five failing values
  are kept.
- ``freshness`` keeps each batch's newest value; Great Expectations checks the newest of those.
- ``row_count_between`` compares the count of every batch.
- ``unique`` needs the whole column: it is answered after the load by the database over the
  staged (not yet served) table, through ``duplicates`` (so 30 million keys never sit here).

Every result has the shape :func:`pipelines.quality.run_checks` gives.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import polars as pl

from pipelines.quality import EXAMPLES, _plain, _result, run_checks
from pipelines.spec import RuleSpec

ROW_RULES = {"not_null", "between", "in_set", "matches_regex", "length_between"}

# (column) -> (rows whose value is not unique, the first few of those values in row order)
Duplicates = Callable[[str], tuple[int, list[Any]]]


class BatchChecks:
    """Accumulates every rule's result over the batches of one version."""

    def __init__(
        self,
        rules: list[RuleSpec],
        schema: Mapping[str, pl.DataType],
        now: datetime,
        unchecked: Collection[str] = (),
    ) -> None:
        self.rules, self.schema, self.now = rules, dict(schema), now
        # Columns the batches do not carry (they read row metadata, added after the checks):
        # only ``unique`` is answered for them (by the database, after the load).
        self.unchecked = frozenset(unchecked)
        present = [
            r
            for r in rules
            if r.column is None or (r.column in self.schema and r.column not in self.unchecked)
        ]
        self.row_rules = [r for r in present if r.kind in ROW_RULES]
        self.rows = 0
        self._non_null: dict[str, int] = {}
        self._merged: dict[str, dict[str, Any]] = {}
        self._newest: dict[str, list[Any]] = {}

    def observe(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if frame.height == 0:
            return
        for rule in self.rules:
            if rule.column is not None and rule.column in frame.columns:
                count = frame.height - frame.get_column(rule.column).null_count()
                self._non_null[rule.column] = self._non_null.get(rule.column, 0) + count
            if rule.kind == "freshness" and rule.column in frame.columns:
                self._newest.setdefault(rule.column, []).append(frame.get_column(rule.column).max())
        if self.row_rules:
            for result in run_checks(frame, self.row_rules, now=self.now):
                self._merge(result)

    def _merge(self, result: dict[str, Any]) -> None:
        kept = self._merged.get(result["rule_id"])
        if kept is None:
            self._merged[result["rule_id"]] = {**result, "examples": list(result["examples"])}
            return
        kept["success"] = kept["success"] and result["success"]
        kept["unexpected_count"] = (kept["unexpected_count"] or 0) + (
            result["unexpected_count"] or 0
        )
        kept["examples"] = (kept["examples"] + list(result["examples"]))[:EXAMPLES]
        kept["error"] = kept["error"] or result["error"]

    def _percent(self, rule: RuleSpec, unexpected: int | None) -> float | None:
        """As Great Expectations computes it: of every row for not_null, else of non-nulls."""
        if unexpected is None or rule.column is None:
            return None
        total = self.rows if rule.kind == "not_null" else self._non_null.get(rule.column, 0)
        return 100.0 * unexpected / total if total else None

    def _unique(self, rule: RuleSpec, duplicates: Duplicates) -> dict[str, Any]:
        assert rule.column is not None
        count, examples = duplicates(rule.column)
        return _result(
            rule,
            count == 0,
            observed=None,
            unexpected_count=count,
            unexpected_percent=self._percent(rule, count),
            examples=_plain(examples)[:EXAMPLES],
        )

    def _row_count(self, rule: RuleSpec) -> dict[str, Any]:
        low, high = rule.params.get("min"), rule.params.get("max")
        ok = (low is None or self.rows >= low) and (high is None or self.rows <= high)
        return _result(rule, ok, observed=self.rows)

    def _freshness(self, rule: RuleSpec) -> dict[str, Any]:
        assert rule.column is not None
        newest = [v for v in self._newest.get(rule.column, []) if v is not None]
        frame = pl.DataFrame({rule.column: pl.Series(newest, dtype=self.schema[rule.column])})
        (result,) = run_checks(frame, [rule], now=self.now)
        return result

    def results(self, duplicates: Duplicates) -> list[dict[str, Any]]:
        """Every rule's result, in rule order (call once every batch was observed)."""
        out = []
        for rule in self.rules:
            if rule.column is not None and rule.column not in self.schema:
                (missing,) = run_checks(pl.DataFrame(), [rule], now=self.now)
                out.append(missing)
            elif rule.kind == "unique":
                out.append(self._unique(rule, duplicates))
            elif rule.column in self.unchecked:
                reason = "not checked: the column reads row metadata, computed after the rules"
                out.append(_result(rule, True, error=reason))
            elif rule.kind == "row_count_between":
                out.append(self._row_count(rule))
            elif rule.kind == "freshness":
                out.append(self._freshness(rule))
            else:
                merged = self._merged.get(str(rule.id))
                if merged is None:  # no rows at all: nothing can fail a row rule
                    (merged,) = run_checks(
                        pl.DataFrame(schema={str(rule.column): self.schema[str(rule.column)]}),
                        [rule],
                        now=self.now,
                    )
                merged["unexpected_percent"] = self._percent(rule, merged["unexpected_count"])
                out.append(merged)
        return out
