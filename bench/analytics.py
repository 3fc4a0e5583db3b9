"""`make bench-analytics`: analytic reads through the API (DuckDB over the snapshot) next to
the same queries on PostgreSQL directly, on TPC-H lineitem SF1 (6,001,215 rows) and on the
1,000,000-row flights panel, with 4 and 16 clients.

Each request carries a filter no cache has seen (a date or a threshold that moves every
request), so neither the API's held answers nor DuckDB's can answer it: grouped aggregate,
filtered total (a count under two conditions), count distinct and median by group. The
baseline is what the API sends PostgreSQL for the same route when PostgreSQL answers
(``PANELS_ANALYTICS_ENGINE=postgres``, captured at psycopg's cursor by bench.api_rows), run
over a psycopg pool at the same concurrency, each request with its own filter too.

Also measured: the snapshot's cost at publish (the publish with it against the same publish
without it on a fresh database, as a share; and its bytes). The API runs as
``panels serve --workers 2`` with its defaults (DuckDB: 2 threads and 1 GB per worker).
Results: bench/results/analytics.json and BENCHMARKS-analytics.md.
``PANELS_BENCH_ANALYTICS_PANELS`` (default ``lineitem,flights``) and ``PANELS_BENCH_SECONDS``
(default 10) narrow or lengthen a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
import psycopg
from psycopg_pool import AsyncConnectionPool

from bench.api_rows import _api, _big_parquet, _capture, _rss_mb, _serve
from bench.common import STATE, add_file_panel, closed_loop, scratch_database
from bench.scale import lineitem
from core.enums import Role
from core.settings import Settings
from core.storage import APP_ROLE, tenant_files
from pipelines.resources import PanelsDatabase
from pipelines.sync import SyncEnv, build_and_publish, extract_panel
from serving.admin import tenants as admin
from serving.auth import security

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("PANELS_BENCH_SECONDS", "10"))
PANELS = os.environ.get("PANELS_BENCH_ANALYTICS_PANELS", "lineitem,flights").split(",")
CLIENTS = (4, 16)
DISTINCT = 2_000  # distinct filters per scenario, taken in turn


def _when(k: int, start: date) -> str:
    return (start + timedelta(days=k)).isoformat()


Query = Callable[[int], dict[str, Any]]


def _f(*conditions: dict[str, Any]) -> str:
    return json.dumps({"and": list(conditions)})


LINEITEM: dict[str, tuple[str, Query]] = {
    "grouped_aggregate": (
        "group by 2 keys (return flag, line status): count, sum, avg, max; shipped by a date",
        lambda k: {
            "group_by": "l_returnflag,l_linestatus",
            "aggregates": "count,sum:l_quantity,avg:l_extendedprice,max:l_discount",
            "filter": _f(
                {"column": "l_shipdate", "op": "lte", "value": _when(k, date(1993, 1, 1))}
            ),
        },
    ),
    "filtered_total": (
        "count under 2 conditions (quantity above q, shipped from a date)",
        lambda k: {
            "aggregates": "count",
            "filter": _f(
                {"column": "l_quantity", "op": "gt", "value": k % 50},
                {"column": "l_shipdate", "op": "gte", "value": _when(k, date(1992, 6, 1))},
            ),
        },
    ),
    "count_distinct": (
        "count distinct part keys, shipped from a date",
        lambda k: {
            "aggregates": "count_distinct:l_partkey",
            "filter": _f(
                {"column": "l_shipdate", "op": "gte", "value": _when(k, date(1992, 6, 1))}
            ),
        },
    ),
    "median_by_group": (
        "median extended price by ship mode, received before a date",
        lambda k: {
            "group_by": "l_shipmode",
            "aggregates": "median:l_extendedprice",
            "filter": _f(
                {"column": "l_receiptdate", "op": "lt", "value": _when(k, date(1993, 1, 1))}
            ),
        },
    ),
}

FLIGHTS: dict[str, tuple[str, Query]] = {
    "grouped_aggregate": (
        "group by 2 keys (carrier, origin): count, sum, avg, max; distance above k",
        lambda k: {
            "group_by": "carrier,origin",
            "aggregates": "count,sum:distance,avg:dep_delay,max:arr_delay",
            "filter": _f({"column": "distance", "op": "gt", "value": 100 + k % 1_400}),
        },
    ),
    "filtered_total": (
        "count under 2 conditions (distance above k, departure delay above j)",
        lambda k: {
            "aggregates": "count",
            "filter": _f(
                {"column": "distance", "op": "gt", "value": 100 + k % 1_400},
                {"column": "dep_delay", "op": "gt", "value": k % 60},
            ),
        },
    ),
    "count_distinct": (
        "count distinct destinations, distance above k",
        lambda k: {
            "aggregates": "count_distinct:dest",
            "filter": _f({"column": "distance", "op": "gt", "value": 100 + k % 1_400}),
        },
    ),
    "median_by_group": (
        "median arrival delay by carrier, distance above k",
        lambda k: {
            "group_by": "carrier",
            "aggregates": "median:arr_delay",
            "filter": _f({"column": "distance", "op": "gt", "value": 100 + k % 1_400}),
        },
    ),
}


def _panel(settings: Settings, name: str) -> tuple[str, str, str, dict[str, tuple[str, Query]]]:
    """The panel's file in the tenant's folder, the panel, a token: (panel id, token, partition
    key, scenarios)."""
    files = tenant_files(settings.data_root, "bench")
    files.mkdir(parents=True, exist_ok=True)
    if name == "lineitem":
        csv = lineitem("1")
        target = files / "lineitem.csv"
        target.unlink(missing_ok=True)
        os.link(csv.resolve(), target)  # the data root refuses symlinks that leave it
        schema = pl.scan_csv(csv, try_parse_dates=True).collect_schema()
        path, fmt, scenarios = target, "csv", LINEITEM
    else:
        path, fmt, scenarios = _big_parquet(files), "parquet", FLIGHTS
        schema = pl.Schema(pl.read_parquet_schema(path))
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="bench", name="Bench")
        user, _ = admin.create_user(
            session, tenant=tenant, email="b@bench.dev", role=Role.admin, password="bench-pw-123"
        )
        panel, _ = add_file_panel(session, tenant.id, name, path.name, fmt, schema)
        session.commit()
        token, _ = security.issue_jwt(
            settings, user_id=user.id, tenant_id=tenant.id, role=Role.admin
        )
        return str(panel.id), token, f"bench.{name}", scenarios


def _publish(settings: Settings, key: str) -> tuple[float, float, dict[str, Any]]:
    """(sync seconds, publish seconds, what the publish returned)."""
    db = PanelsDatabase(url=settings.require_database_url())
    env = SyncEnv(settings=settings, engine=db.engine)
    try:
        started = time.perf_counter()
        extract_panel(env, key)
        extracted = time.perf_counter() - started
        published = build_and_publish(env, key)
        seconds = time.perf_counter() - started
    finally:
        db.dispose()
    return seconds, seconds - extracted, published


def _without_snapshot(name: str) -> float:
    """The publish of the same panel on a fresh database, writing no snapshot."""
    with scratch_database() as url:
        root = STATE / f"analytics-{uuid.uuid4().hex[:6]}"
        settings = Settings(
            environment="test",
            database_url=url,
            state_dir=root,
            data_root=root / "data",
            write_snapshots=False,
        )
        _, _, key, _ = _panel(settings, name)
        _, publish, _ = _publish(settings, key)
    return publish


def _cost(settings: Settings, key: str, name: str) -> dict[str, Any]:
    """The publish with its snapshot, and what writing the snapshot costs it: the same
    publish without it on a fresh database (the writer runs on a thread beside the load, so
    its own seconds, also given, are not its cost)."""
    without = _without_snapshot(name)
    sync, publish, published = _publish(settings, key)
    snapshot = sum(p.stat().st_size for p in Path(settings.snapshots).rglob("*.parquet"))
    return {
        "rows": published["row_count"],
        "sync_seconds": round(sync, 2),
        "publish_seconds": round(publish, 2),
        "publish_without_snapshot_seconds": round(without, 2),
        "snapshot_share_of_publish": round((publish - without) / publish, 4),
        "snapshot_writer_thread_seconds": round(float(published["seconds"].get("snapshot", 0)), 2),
        "snapshot_mb": round(snapshot / 1e6, 1),
    }


async def _direct(conninfo: str, samples: list[Any], concurrency: int) -> dict[str, float]:
    """The captured statements over a psycopg pool at ``concurrency``, as the API sent them (a
    group in one pipeline, in one transaction), each call the next sample's (its own filter)."""

    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.execute(f"SET ROLE {APP_ROLE}")
        await conn.commit()

    turn = iter(range(1 << 62))
    async with AsyncConnectionPool(
        conninfo, min_size=concurrency, max_size=concurrency, open=False, configure=configure
    ) as pool:
        await pool.open(wait=True)

        async def call() -> None:
            groups = samples[next(turn) % len(samples)]
            async with pool.connection() as conn, conn.transaction():
                for group in groups:
                    if len(group) == 1:
                        await (await conn.execute(*group[0])).fetchall()
                        continue
                    async with conn.pipeline():
                        cursors = [await conn.execute(sql, params) for sql, params in group]
                        for cursor in cursors:
                            await cursor.fetchall()

        return await closed_loop(call, concurrency=concurrency, seconds=SECONDS, min_calls=1)


SAMPLES = 8  # distinct filters the PostgreSQL baseline takes in turn (captured from the API)


def one_panel(name: str) -> dict[str, Any]:
    with scratch_database() as url:
        root = STATE / f"analytics-{uuid.uuid4().hex[:6]}"
        settings = Settings(
            environment="test", database_url=url, state_dir=root, data_root=root / "data"
        )
        panel, token, key, scenarios = _panel(settings, name)
        print(f"  {name}: publishing ...", file=sys.stderr, flush=True)
        published = _cost(settings, key, name)
        print(f"  {name}: {published}", file=sys.stderr, flush=True)
        conninfo = psycopg.conninfo.make_conninfo(url.replace("postgresql+psycopg", "postgresql"))
        base = f"/api/v1/panels/{panel}/aggregates?"
        paths = {
            scenario: [base + urlencode(query(k)) for k in range(DISTINCT)]
            for scenario, (_, query) in scenarios.items()
        }
        # What the API sends PostgreSQL for a sample of the same filters, when it answers.
        print(f"  {name}: capturing PostgreSQL's statements ...", file=sys.stderr, flush=True)
        wanted = {
            f"{scenario}/{i}": found[i * DISTINCT // SAMPLES]
            for scenario, found in paths.items()
            for i in range(SAMPLES)
        }
        captured = _capture(settings, token, wanted)
        results: dict[str, Any] = {
            scenario: {
                "title": title,
                "statements": sum(map(len, captured[f"{scenario}/0"])),
                "runs": {},
            }
            for scenario, (title, _) in scenarios.items()
        }
        with _serve(url, snapshots=settings.snapshots) as server:
            for scenario, found in results.items():
                samples = [captured[f"{scenario}/{i}"] for i in range(SAMPLES)]
                for clients in CLIENTS:
                    print(f"  {name} {scenario} x{clients} ...", file=sys.stderr, flush=True)
                    api = asyncio.run(_api(server.port, token, paths[scenario], clients, 1))
                    direct = asyncio.run(_direct(conninfo, samples, clients))
                    found["runs"][str(clients)] = {
                        "api": api,
                        "postgres": direct,
                        "rps_vs_postgres": round(api["rps"] / direct["rps"], 1),
                        "p95_vs_postgres": round(api["p95_ms"] / direct["p95_ms"], 3),
                    }
            rss = round(_rss_mb(server), 1)
        return {"panel": name, **published, "api_peak_rss_mb": rss, "scenarios": results}


def _report(panels: list[dict[str, Any]]) -> str:
    lines = [
        "# Analytic reads: DuckDB over the snapshot vs PostgreSQL",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}"
        f" ({os.cpu_count()} cores) by `make bench-analytics` (bench/analytics.py);"
        f" {SECONDS:g} s per measurement after a 1 s warm-up; every request a filter not seen"
        " before. API: `panels serve --workers 2`, DuckDB 2 threads and 1 GB per worker;"
        " PostgreSQL: the statements the API sends when PostgreSQL answers, over a psycopg pool"
        " at the same concurrency, each call its own filter.",
        "",
    ]
    for p in panels:
        lines += [
            f"## {p['panel']}: {p['rows']:,} rows",
            "",
            f"Publish {p['publish_seconds']} s (sync {p['sync_seconds']} s) writing the"
            f" snapshot, {p['publish_without_snapshot_seconds']} s without it on a fresh"
            f" database: the snapshot costs **{p['snapshot_share_of_publish']:.1%}** of the"
            f" publish; {p['snapshot_mb']} MB. API peak RSS (2 workers and the supervisor)"
            f" {p['api_peak_rss_mb']} MB.",
            "",
            "| query | clients | API p50 / p95 ms | API req/s | PostgreSQL p50 / p95 ms"
            " | PostgreSQL req/s | req/s ratio |",
            "|---|---|---|---|---|---|---|",
        ]
        for found in p["scenarios"].values():
            for clients, run in found["runs"].items():
                a, d = run["api"], run["postgres"]
                lines.append(
                    f"| {found['title']} | {clients} | {a['p50_ms']:.0f} / {a['p95_ms']:.0f}"
                    f" | {a['rps']:.1f} | {d['p50_ms']:.0f} / {d['p95_ms']:.0f}"
                    f" | {d['rps']:.2f} | **{run['rps_vs_postgres']}x** |"
                )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    panels = [one_panel(name) for name in PANELS]
    out = STATE / "analytics.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(panels, indent=2))
    (ROOT / "BENCHMARKS-analytics.md").write_text(_report(panels) + "\n")
    print(_report(panels))


if __name__ == "__main__":
    main()
