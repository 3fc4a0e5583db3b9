"""Data-quality rules, checked with Great Expectations on the table a sync is about to publish.

Each rule becomes one expectation of an in-memory suite (an ephemeral GX context over the
pandas view of the frame); results carry the observed value, how many rows failed and up to
five failing examples. ``error`` rules that fail block the publish; ``warning`` rules only
report. Great Expectations is imported on first use: a panel without rules never pays for it.

Rule kinds and params:

- ``not_null``, ``unique`` (column)
- ``between`` (column; ``min`` and/or ``max``, inclusive)
- ``in_set`` (column; ``values``), ``matches_regex`` (column; ``regex``, Python syntax)
- ``length_between`` (text column; ``min`` and/or ``max`` characters)
- ``row_count_between`` (no column; ``min`` and/or ``max``)
- ``freshness`` (date or datetime column; ``max_age_hours``: the newest value is at most that
  old when the sync runs)
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from pipelines.spec import RuleSpec

EXAMPLES = 5
_batch_definition: Any = None


def _plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/NaT to None, timestamps to ISO text."""
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _gx() -> tuple[Any, Any]:
    global _batch_definition  # noqa: PLW0603 - one GX context per process
    os.environ.setdefault("TQDM_DISABLE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx  # noqa: PLC0415

        if _batch_definition is None:
            context = gx.get_context(mode="ephemeral")
            asset = context.data_sources.add_pandas(name="panels").add_dataframe_asset("version")
            _batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    return gx, _batch_definition


def _expectation(gx: Any, rule: RuleSpec, now: datetime) -> Any:
    p, col, meta = rule.params, rule.column, {"rule_id": str(rule.id)}
    e = gx.expectations
    if rule.kind == "not_null":
        return e.ExpectColumnValuesToNotBeNull(column=col, meta=meta)
    if rule.kind == "unique":
        return e.ExpectColumnValuesToBeUnique(column=col, meta=meta)
    if rule.kind == "between":
        return e.ExpectColumnValuesToBeBetween(
            column=col, min_value=p.get("min"), max_value=p.get("max"), meta=meta
        )
    if rule.kind == "in_set":
        return e.ExpectColumnValuesToBeInSet(column=col, value_set=list(p["values"]), meta=meta)
    if rule.kind == "matches_regex":
        return e.ExpectColumnValuesToMatchRegex(column=col, regex=p["regex"], meta=meta)
    if rule.kind == "length_between":
        return e.ExpectColumnValueLengthsToBeBetween(
            column=col, min_value=p.get("min"), max_value=p.get("max"), meta=meta
        )
    if rule.kind == "row_count_between":
        return e.ExpectTableRowCountToBeBetween(
            min_value=p.get("min"), max_value=p.get("max"), meta=meta
        )
    if rule.kind == "freshness":
        # Compared as epoch seconds: the same for date and datetime columns, any time zone.
        oldest = now - timedelta(hours=float(p["max_age_hours"]))
        return e.ExpectColumnMaxToBeBetween(
            column=f"__epoch_{col}", min_value=oldest.timestamp(), meta=meta
        )
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def _frame_for(frame: pl.DataFrame, rules: list[RuleSpec]) -> pl.DataFrame:
    """Only the columns the rules read (freshness columns also as epoch seconds)."""
    wanted = [r.column for r in rules if r.column and r.column in frame.columns]
    columns: list[pl.Expr] = [pl.col(c) for c in dict.fromkeys(wanted)]
    epochs: set[str] = set()
    for rule in rules:
        if rule.kind == "freshness" and rule.column in frame.columns:
            if rule.column in epochs:
                continue
            epochs.add(rule.column)
            col = pl.col(rule.column)
            if frame.schema[rule.column] == pl.Date:
                col = col.cast(pl.Datetime("ms", "UTC"))
            elif getattr(frame.schema[rule.column], "time_zone", None) is None:
                col = col.dt.replace_time_zone("UTC")
            columns.append((col.dt.epoch("ms") / 1000).alias(f"__epoch_{rule.column}"))
    if not columns:
        return pl.DataFrame({"__rows": pl.Series([None] * frame.height, dtype=pl.Int8)})
    return frame.select(columns)


def _result(rule: RuleSpec, success: bool, **found: Any) -> dict[str, Any]:
    return {
        "rule_id": str(rule.id),
        "name": rule.name,
        "kind": rule.kind,
        "column": rule.column,
        "severity": rule.severity,
        "success": success,
        "observed": found.get("observed"),
        "unexpected_count": found.get("unexpected_count"),
        "unexpected_percent": found.get("unexpected_percent"),
        "examples": found.get("examples", []),
        "error": found.get("error"),
    }


def run_checks(
    frame: pl.DataFrame, rules: list[RuleSpec], now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every rule's result, in rule order."""
    if not rules:
        return []
    now = now or datetime.now(UTC)
    out: dict[str, dict[str, Any]] = {}
    runnable = []
    for rule in rules:
        if rule.column is not None and rule.column not in frame.columns:
            out[str(rule.id)] = _result(
                rule, False, error=f"the panel has no column {rule.column!r}"
            )
        else:
            runnable.append(rule)
    if runnable:
        gx, batch_definition = _gx()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            suite = gx.ExpectationSuite(name="panel-rules")
            for rule in runnable:
                suite.add_expectation(_expectation(gx, rule, now))
            data = _frame_for(frame, runnable).to_pandas()
            batch = batch_definition.get_batch(batch_parameters={"dataframe": data})
            validation = batch.validate(
                suite,
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES},
            )
        by_id = {r.id: r for r in runnable}
        for item in validation.results:
            rule = by_id[_rule_id(item)]
            result = dict(item.result or {})
            observed = _plain(result.get("observed_value"))
            if rule.kind == "freshness" and isinstance(observed, int | float):
                observed = datetime.fromtimestamp(observed, UTC).isoformat()
            error = None
            if item.exception_info and item.exception_info.get("raised_exception"):
                error = str(item.exception_info.get("exception_message"))
            out[str(rule.id)] = _result(
                rule,
                bool(item.success),
                observed=observed,
                unexpected_count=_plain(result.get("unexpected_count")),
                unexpected_percent=_plain(result.get("unexpected_percent")),
                examples=_plain(list(result.get("partial_unexpected_list") or []))[:EXAMPLES],
                error=error,
            )
    return [out[str(r.id)] for r in rules]


def _rule_id(item: Any) -> Any:
    import uuid  # noqa: PLC0415

    return uuid.UUID(item.expectation_config.meta["rule_id"])


def status_of(results: list[dict[str, Any]]) -> str | None:
    """passed | warned | failed (an error rule failed) | None (no rules)."""
    if not results:
        return None
    failed = [r for r in results if not r["success"]]
    if any(r["severity"] == "error" for r in failed):
        return "failed"
    return "warned" if failed else "passed"
