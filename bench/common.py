"""Shared plumbing: a scratch database, latency statistics, a closed-loop load generator."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models.migrate import upgrade
from serving.admin.embedded import postgres_server
from serving.admin.tenants import ensure_database

STATE = Path(__file__).resolve().parent / "results"


@contextmanager
def scratch_database(*, migrate: bool = True) -> Iterator[str]:
    """A (migrated) database for one benchmark, dropped afterwards."""
    STATE.mkdir(parents=True, exist_ok=True)
    with postgres_server(os.environ.get("PANELS_BENCH_DATABASE_URL"), STATE) as server:
        name = f"panels_bench_{uuid.uuid4().hex[:8]}"
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        ensure_database(url)
        if migrate:
            upgrade(url)
        try:
            yield url
        finally:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def plain_copy(conninfo: str, csv: Path, columns: dict[str, str]) -> float:
    """Seconds a plain ``COPY FROM STDIN`` of the CSV takes into a table of ``columns``
    (name: SQL type): the floor a sync is measured against."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        body = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
        conn.execute(f"CREATE TABLE copy_floor ({body})")
        started = time.perf_counter()
        copy_csv(conn, "copy_floor", csv)
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE copy_floor")
    return seconds


def copy_csv(conn: psycopg.Connection[Any], table: str, csv: Path) -> None:
    """``COPY table FROM STDIN`` of a CSV file with a header, 1 MB at a time."""
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy,
        csv.open("rb") as handle,
    ):
        while chunk := handle.read(1 << 20):
            copy.write(chunk)


def latency_summary(samples_s: list[float], wall_s: float) -> dict[str, float]:
    ordered = sorted(samples_s)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / wall_s, 1),
        "p50_ms": round(pct(0.50), 2),
        "p95_ms": round(pct(0.95), 2),
        "p99_ms": round(pct(0.99), 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


async def closed_loop(
    call: Callable[[], Awaitable[Any]],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
    min_calls: int = 0,
) -> dict[str, float]:
    """``concurrency`` workers call back to back; latencies after the warm-up are kept. With
    ``min_calls``, each worker goes on past ``seconds`` until it has that many measured calls
    (a call slower than the whole window is still measured, not left out)."""
    samples: list[float] = []
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds

    async def worker() -> None:
        measured = 0
        while (now := time.perf_counter()) < stop_at or measured < min_calls:
            await call()
            done = time.perf_counter()
            if now >= measure_from:
                samples.append(done - now)
                measured += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latency_summary(samples, time.perf_counter() - measure_from)


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive GET client on asyncio streams, for load generation.

    httpx spends more CPU per request than a small API does to answer it; on a 2-core machine
    that shares its cores with the server, the generator must be cheap (as wrk is).
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await reader.readexactly(length)
        return status, body

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


def add_file_panel(
    session: Session, tenant_id: uuid.UUID, slug: str, path: str, fmt: str, schema: pl.Schema
) -> tuple[Any, list[Any]]:
    """A panel of one file source whose columns map every field of ``schema`` as it is."""
    from core.enums import SourceKind  # noqa: PLC0415
    from formulas.types import column_type_of  # noqa: PLC0415

    fields = {name: column_type_of(dtype) for name, dtype in schema.items()}
    return add_panel(
        session, tenant_id, slug, SourceKind.file, {"path": path, "format": fmt}, fields
    )


def add_panel(
    session: Session,
    tenant_id: uuid.UUID,
    slug: str,
    kind: Any,
    config: dict[str, Any],
    fields: dict[str, Any],
    secret_config: str | None = None,
) -> tuple[Any, list[Any]]:
    """A panel of one source whose columns map every field (name: column type) as it is."""
    from models import DataSource, Panel, PanelColumn  # noqa: PLC0415

    panel = Panel(id=uuid.uuid4(), tenant_id=tenant_id, slug=slug, name=slug)
    session.add(panel)
    session.flush()
    session.add(
        DataSource(
            tenant_id=tenant_id,
            panel_id=panel.id,
            name=slug,
            kind=kind,
            config=config,
            secret_config=secret_config,
        )
    )
    columns = [
        PanelColumn(
            tenant_id=tenant_id,
            panel_id=panel.id,
            key=name,
            name=name,
            type=column_type,
            position=i,
            mapping={"source": None, "field": name, "cast": None},
        )
        for i, (name, column_type) in enumerate(fields.items())
    ]
    session.add_all(columns)
    session.flush()
    return panel, columns


async def replay(
    conninfo: str,
    samples: list[Any],
    concurrency: int,
    seconds: float,
    *,
    pool_size: int,
    min_calls: int = 0,
) -> dict[str, float]:
    """Statements captured from the API (bench.api_rows._capture), replayed by
    ``concurrency`` clients over a psycopg pool of ``pool_size`` as the API sent them: a group
    in one pipeline, in one transaction, as the app role; each call the next sample's
    (another filter, say)."""
    from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415

    from core.storage import APP_ROLE  # noqa: PLC0415

    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.execute(f"SET ROLE {APP_ROLE}")
        await conn.commit()

    turn = iter(range(1 << 62))
    async with AsyncConnectionPool(
        conninfo, min_size=pool_size, max_size=pool_size, open=False, configure=configure
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

        return await closed_loop(
            call, concurrency=concurrency, seconds=seconds, min_calls=min_calls
        )
