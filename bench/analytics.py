"""`make bench-analytics`: analytic reads through the API (DuckDB over the snapshot) next to
the same queries on PostgreSQL directly, on TPC-H lineitem SF1 (6,001,215 rows) and on the
1,000,000-row flights panel, with 1, 4 and 16 clients.

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
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
import polars as pl
import psycopg

from bench.api_rows import _api, _big_parquet, _capture, _rss_mb, _serve
from bench.common import STATE, add_file_panel, closed_loop, replay, scratch_database
from bench.scale import lineitem
from core.enums import Role
from core.settings import Settings
from core.snapshots import SnapshotRoot
from core.storage import DATA_SCHEMA, tenant_files
from pipelines.resources import PanelsDatabase
from pipelines.sync import SyncEnv, build_and_publish, extract_panel
from serving.admin import tenants as admin
from serving.auth import security
from serving.reads.aggregates import aggregate_selects, parse_aggregates
from serving.reads.analytics import duckdb_sql
from serving.reads.rows import RowQuery

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("PANELS_BENCH_SECONDS", "10"))
PANELS = os.environ.get("PANELS_BENCH_ANALYTICS_PANELS", "lineitem,flights").split(",")
CLIENTS = (1, 4, 16)
DISTINCT = 20_000  # distinct filters per client count (k ranges do not overlap)


def _when(k: int, start: date) -> str:
    return (start + timedelta(days=k)).isoformat()


Query = Callable[[int], dict[str, Any]]


def _f(*conditions: dict[str, Any]) -> str:
    return json.dumps({"and": list(conditions)})


def _day(k: int, start: date) -> str:
    return _when(k % 2_400, start)


# Two moving values per filter: tens of thousands of distinct filters, none repeated within a
# run (the 1, 4 and 16 client runs take disjoint ranges of k), so no held answer is reused.
LINEITEM: dict[str, tuple[str, Query]] = {
    "grouped_aggregate": (
        "group by 2 keys (return flag, line status): count, sum, avg, max;"
        " shipped by a date, quantity from q",
        lambda k: {
            "group_by": "l_returnflag,l_linestatus",
            "aggregates": "count,sum:l_quantity,avg:l_extendedprice,max:l_discount",
            "filter": _f(
                {"column": "l_shipdate", "op": "lte", "value": _day(k, date(1993, 1, 1))},
                {"column": "l_quantity", "op": "gte", "value": 1 + (k // 2_400) % 25},
            ),
        },
    ),
    "filtered_total": (
        "count under 2 conditions (quantity above q, shipped from a date)",
        lambda k: {
            "aggregates": "count",
            "filter": _f(
                {"column": "l_quantity", "op": "gt", "value": k % 50},
                {"column": "l_shipdate", "op": "gte", "value": _day(k // 50, date(1992, 6, 1))},
            ),
        },
    ),
    "count_distinct": (
        "count distinct part keys, shipped from a date, quantity up to q",
        lambda k: {
            "aggregates": "count_distinct:l_partkey",
            "filter": _f(
                {"column": "l_shipdate", "op": "gte", "value": _day(k, date(1992, 6, 1))},
                {"column": "l_quantity", "op": "lte", "value": 50 - (k // 2_400) % 25},
            ),
        },
    ),
    "median_by_group": (
        "median extended price by ship mode, received before a date, quantity from q",
        lambda k: {
            "group_by": "l_shipmode",
            "aggregates": "median:l_extendedprice",
            "filter": _f(
                {"column": "l_receiptdate", "op": "lt", "value": _day(k, date(1993, 1, 1))},
                {"column": "l_quantity", "op": "gte", "value": 1 + (k // 2_400) % 25},
            ),
        },
    ),
}


def _far(k: int) -> dict[str, Any]:
    return {"column": "distance", "op": "gt", "value": 100 + k % 1_400}


def _late(k: int) -> dict[str, Any]:
    return {"column": "dep_delay", "op": "gt", "value": -10 + (k // 1_400) % 60}


FLIGHTS: dict[str, tuple[str, Query]] = {
    "grouped_aggregate": (
        "group by 2 keys (carrier, origin): count, sum, avg, max;"
        " distance above k, departure delay above j",
        lambda k: {
            "group_by": "carrier,origin",
            "aggregates": "count,sum:distance,avg:dep_delay,max:arr_delay",
            "filter": _f(_far(k), _late(k)),
        },
    ),
    "filtered_total": (
        "count under 2 conditions (distance above k, departure delay above j)",
        lambda k: {"aggregates": "count", "filter": _f(_far(k), _late(k))},
    ),
    "count_distinct": (
        "count distinct destinations, distance above k, departure delay above j",
        lambda k: {"aggregates": "count_distinct:dest", "filter": _f(_far(k), _late(k))},
    ),
    "median_by_group": (
        "median arrival delay by carrier, distance above k, departure delay above j",
        lambda k: {
            "group_by": "carrier",
            "aggregates": "median:arr_delay",
            "filter": _f(_far(k), _late(k)),
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
        ranges = {c: range(i * DISTINCT, (i + 1) * DISTINCT) for i, c in enumerate(CLIENTS)}
        # What the API sends PostgreSQL for a sample of the same filters, when it answers.
        print(f"  {name}: capturing PostgreSQL's statements ...", file=sys.stderr, flush=True)
        wanted = {
            f"{scenario}/{i}": base + urlencode(query(i * DISTINCT // SAMPLES))
            for scenario, (_, query) in scenarios.items()
            for i in range(SAMPLES)
        }
        captured = _capture(settings, token, wanted)
        floor = _DuckDB(settings, panel)
        results: dict[str, Any] = {
            scenario: {
                "title": title,
                "statements": sum(map(len, captured[f"{scenario}/0"])),
                "runs": {},
            }
            for scenario, (title, _) in scenarios.items()
        }
        try:
            with _serve(url, snapshots=settings.snapshots) as server:
                for scenario, found in results.items():
                    query = scenarios[scenario][1]
                    samples = [captured[f"{scenario}/{i}"] for i in range(SAMPLES)]
                    for clients in CLIENTS:
                        print(f"  {name} {scenario} x{clients} ...", file=sys.stderr, flush=True)
                        paths = [base + urlencode(query(k)) for k in ranges[clients]]
                        api = asyncio.run(_api(server.port, token, paths, clients, 1))
                        # DuckDB holds no answers: 500 filters in turn are as good as new.
                        duck = floor.run([query(k) for k in ranges[clients][:500]], clients)
                        direct = asyncio.run(
                            replay(
                                conninfo, samples, clients, SECONDS, pool_size=clients, min_calls=1
                            )
                        )
                        found["runs"][str(clients)] = {
                            "api": api,
                            "duckdb_direct": duck,
                            "postgres": direct,
                            "rps_vs_postgres": round(api["rps"] / direct["rps"], 1),
                            "p95_vs_postgres": round(api["p95_ms"] / direct["p95_ms"], 3),
                            "p95_vs_duckdb_direct": round(api["p95_ms"] / duck["p95_ms"], 2),
                        }
                        # Kept as it comes: a run that fails later loses nothing measured.
                        partial = STATE / f"analytics-{name}.partial.json"
                        partial.write_text(json.dumps({**published, "scenarios": results}))
                rss = round(_rss_mb(server), 1)
        finally:
            floor.close()
        return {"panel": name, **published, "api_peak_rss_mb": rss, "scenarios": results}


class _DuckDB:
    """The floor: the DuckDB SQL the API runs for a request (the same statements, compiled
    by the same code), on the version's snapshot in this process, with no HTTP, JSON or
    PostgreSQL lookups: DuckDB with the API's admission (at most 4 queries at once, as two
    workers of 2 threads run) and its threads and memory."""

    def __init__(self, settings: Settings, panel: str) -> None:
        conninfo = settings.require_database_url().replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(conninfo) as conn:
            row = conn.execute(
                "SELECT v.table_name, v.stats->>'store', v.schema FROM panels p"
                " JOIN panel_versions v ON v.id = p.current_version_id WHERE p.id = %s",
                (panel,),
            ).fetchone()
        assert row is not None
        self.table, store, self.schema = row
        chain = SnapshotRoot(settings.snapshots).chain(uuid.UUID(panel), store, [(1, True)])
        assert chain is not None
        # Two API workers' DuckDB (2 threads, 1 GB each), as one database: 2 threads and 2 GB,
        # at most 4 queries at once (each worker runs at most its thread count).
        self.db = duckdb.connect(config={"threads": 2, "memory_limit": "2048MB"})
        files = ", ".join(f"'{f}'" for f in chain.opened)
        self.db.execute(f'CREATE SCHEMA "{DATA_SCHEMA}"')
        self.db.execute(
            f'CREATE VIEW "{DATA_SCHEMA}"."{self.table}" AS SELECT * FROM read_parquet([{files}])'
        )

    def statements(self, q: dict[str, Any]) -> list[tuple[str, list[Any]]]:
        filters = [json.loads(q["filter"])] if "filter" in q else []
        columns = [c["key"] for c in self.schema]
        query = RowQuery(self.table, self.schema, columns, [], filters, [])
        group = q["group_by"].split(",") if q.get("group_by") else []
        grouped, footer, _ = aggregate_selects(query, group, parse_aggregates(q["aggregates"]))
        return [duckdb_sql(grouped if group else footer)]  # as the API: one scan

    def run(self, queries: list[dict[str, Any]], clients: int) -> dict[str, float]:
        prepared = [self.statements(q) for q in queries]
        turn = iter(range(1 << 62))
        pool = ThreadPoolExecutor(max_workers=min(clients, 4))  # the rest wait, as in the API

        def one(statements: list[tuple[str, list[Any]]]) -> None:
            with self.db.cursor() as cursor:
                for text, params in statements:
                    cursor.execute(text, params).fetchall()

        async def call() -> None:
            statements = prepared[next(turn) % len(prepared)]
            await asyncio.get_running_loop().run_in_executor(pool, one, statements)

        try:
            return asyncio.run(closed_loop(call, concurrency=clients, seconds=SECONDS, min_calls=1))
        finally:
            pool.shutdown()

    def close(self) -> None:
        self.db.close()


def _report(panels: list[dict[str, Any]]) -> str:
    lines = [
        "# Analytic reads: DuckDB over the snapshot vs PostgreSQL",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}"
        f" ({os.cpu_count()} cores) by `make bench-analytics` (bench/analytics.py);"
        f" {SECONDS:g} s per measurement after a 1 s warm-up; every request a filter not seen"
        " before. API: `panels serve --workers 2`, DuckDB 2 threads and 1 GB per worker;"
        " DuckDB direct (the floor): the DuckDB statements the API runs for the same requests,"
        " in one process with 2 threads and at most 4 queries at once (the API's admission),"
        " no HTTP; PostgreSQL: the statements the API"
        " sends when PostgreSQL answers, over a psycopg pool at the same concurrency, 8 of the"
        " filters in turn. Every worker's call is measured at least once (a slow one outlasts"
        " the window).",
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
            "| query | clients | API p50 / p95 ms | API req/s | DuckDB direct p50 / p95 ms"
            " | DuckDB direct req/s | PostgreSQL p50 / p95 ms | PostgreSQL req/s"
            " | API req/s vs PostgreSQL |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for found in p["scenarios"].values():
            for clients, run in found["runs"].items():
                a, f, d = run["api"], run["duckdb_direct"], run["postgres"]
                lines.append(
                    f"| {found['title']} | {clients} | {a['p50_ms']:.0f} / {a['p95_ms']:.0f}"
                    f" | {a['rps']:.1f} | {f['p50_ms']:.0f} / {f['p95_ms']:.0f} | {f['rps']:.1f}"
                    f" | {d['p50_ms']:.0f} / {d['p95_ms']:.0f}"
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
