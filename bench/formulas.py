"""1,000,000 rows x 10 formulas of mixed kinds (four of them functions added with the Airtable
catalogue: EVEN, WORKDAY, IS_SAME, COUNTA): the engine next to the same expressions written
by hand in Polars (goal <= 1.5x) and next to the row-by-row reference interpreter (goal >= 100x
faster; measured on a 20,000-row sample and compared per row). Each case runs in a fresh
process so its peak memory (max RSS) is its own."""

from __future__ import annotations

import multiprocessing
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROWS = 1_000_000
SAMPLE = 20_000

FORMULAS: list[tuple[str, str, str]] = [
    ("total", "{price} * {qty} + {fee}", "number"),
    ("even", "EVEN({price} / 7)", "number"),
    ("rounded", "ROUND({price} * 1.0825, 2)", "number"),
    ("label", '{carrier} & "-" & {flight}', "text"),
    ("workday", "WORKDAY({day}, {qty})", "date"),
    ("same_month", "IS_SAME({day}, DATEADD({day}, {qty}, 'days'), 'month')", "boolean"),
    ("bucket", 'IFS({delay} < 0, "early", {delay} < 15, "on time", {delay} >= 15, "late")', "text"),
    ("year", "YEAR({day}) + MONTH({day}) / 100", "number"),
    ("present", "COUNTA({carrier}, {delay}, {fee})", "number"),
    ("vs_carrier", "{delay} - AVG_ALL({delay}, {carrier})", "number"),
]


def frame(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(42)
    carriers = np.array(["AA", "UA", "DL", "B6", "WN", None], dtype=object)
    delay = rng.normal(10, 30, rows).round()
    delay_list: list[float | None] = delay.tolist()
    for i in range(0, rows, 17):
        delay_list[i] = None
    return pl.DataFrame(
        {
            "price": rng.uniform(1, 500, rows),
            "qty": rng.integers(0, 10, rows),
            "fee": rng.uniform(0, 5, rows),
            "carrier": carriers[rng.integers(0, len(carriers), rows)].tolist(),
            "flight": rng.integers(1, 5000, rows),
            "delay": pl.Series(delay_list, dtype=pl.Float64),
            "day": pl.date_range(date(2013, 1, 1), date(2013, 12, 31), eager=True).sample(
                rows, with_replacement=True, seed=1
            ),
        }
    )


def hand_written() -> list[pl.Expr]:
    price, qty, fee = pl.col("price"), pl.col("qty").cast(pl.Float64), pl.col("fee")
    delay, carrier, day = pl.col("delay").fill_null(0), pl.col("carrier"), pl.col("day")
    return [
        (price * qty + fee).alias("total"),
        ((price / 7 / 2).ceil() * 2).alias("even"),  # prices are positive
        ((price * 1.0825 * 100 + 0.5).floor() / 100).alias("rounded"),
        (carrier.fill_null("") + "-" + pl.col("flight").cast(pl.String)).alias("label"),
        pl.when(qty == 0)
        .then(day)
        .otherwise(day.dt.add_business_days(pl.col("qty"), roll="backward"))
        .alias("workday"),
        (day.dt.month_start() == (day + pl.duration(days=pl.col("qty"))).dt.month_start()).alias(
            "same_month"
        ),
        pl.when(delay < 0)
        .then(pl.lit("early"))
        .when(delay < 15)
        .then(pl.lit("on time"))
        .otherwise(pl.lit("late"))
        .alias("bucket"),
        (pl.col("day").dt.year() + pl.col("day").dt.month() / 100).alias("year"),
        (
            carrier.is_not_null().cast(pl.Float64)
            + pl.col("delay").is_not_null().cast(pl.Float64)
            + fee.is_not_null().cast(pl.Float64)
        ).alias("present"),
        (delay - pl.col("delay").mean().over("carrier")).alias("vs_carrier"),
    ]


def _columns() -> tuple[Any, Any, Any]:
    from core.enums import ColumnType  # noqa: PLC0415
    from formulas import FormulaColumn  # noqa: PLC0415

    types = {
        "price": ColumnType.number,
        "qty": ColumnType.integer,
        "fee": ColumnType.number,
        "carrier": ColumnType.text,
        "flight": ColumnType.integer,
        "delay": ColumnType.number,
        "day": ColumnType.date,
    }
    formulas = [FormulaColumn(k, k, f, ColumnType(t)) for k, f, t in FORMULAS]
    return types, formulas, {k: k for k in types}


def peak_rss_mb() -> float:
    """This process's high-water mark (VmHWM restarts at exec; ru_maxrss does not)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _case(name: str, queue: Any) -> None:
    df = frame(SAMPLE if name == "reference" else ROWS)
    types, formulas, names = _columns()
    if name != "polars":
        from formulas.functions import load  # noqa: PLC0415

        load()  # the function registry's imports (moment's locale data): once per process
    started = time.perf_counter()
    if name == "engine":
        from formulas import evaluate_columns  # noqa: PLC0415

        evaluate_columns(df, formulas, columns=types, names=names)
    elif name == "polars":
        df.lazy().with_columns(hand_written()).collect()
    else:
        from formulas import evaluate_reference  # noqa: PLC0415

        rows = df.to_dicts()
        for f in formulas:
            evaluate_reference(rows, f, columns=types, names=names)
    seconds = time.perf_counter() - started
    rows = SAMPLE if name == "reference" else ROWS
    queue.put(
        {
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds),
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def measure(name: str) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_case, args=(name, queue))
    proc.start()
    result: dict[str, Any] = queue.get(timeout=1800)
    proc.join()
    return result


def run() -> dict[str, Any]:
    engine = min((measure("engine") for _ in range(3)), key=lambda r: r["seconds"])
    polars = min((measure("polars") for _ in range(3)), key=lambda r: r["seconds"])
    reference = measure("reference")
    return {
        "name": "formulas",
        "title": f"{ROWS:,} rows x {len(FORMULAS)} formulas (engine, best of 3)",
        "result": {**engine, "rps": engine["rows_per_second"]},
        "baseline": {"name": "hand-written Polars", **polars, "rps": polars["rows_per_second"]},
        "extra": {"reference_interpreter": reference},
        "ratio": {
            "time_vs_hand_written": round(engine["seconds"] / polars["seconds"], 2),
            "speedup_vs_reference": round(
                engine["rows_per_second"] / reference["rows_per_second"], 1
            ),
        },
        "peak_rss_mb": engine["peak_rss_mb"],
    }
