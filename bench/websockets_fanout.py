"""WebSocket fan-out: 5,000 clients on one API process, latency from commit to receipt.

Each round commits one outbox event (a `panel.updated` row, as any definition change writes)
and every subscribed client notes when it arrives: the latency is commit → relay (woken by the
insert trigger's NOTIFY) → Redis → the hub → each socket. The baseline, measured in the same
run, is a raw Redis pub/sub round trip (publish → a subscriber receives) in this process.
Memory per connection is the API process's RSS growth over the connections.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
import uuid
from typing import Any

import psutil
import psycopg
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

from bench.common import latency_summary, scratch_database
from models import Panel
from models.db import libpq_url
from models.enums import Role
from serving import admin, security
from serving.settings import Settings
from tests.live import api_server

CLIENTS = int(os.environ.get("PANELS_BENCH_WS_CLIENTS", "5000"))
ROUNDS = int(os.environ.get("PANELS_BENCH_WS_ROUNDS", "10"))
REDIS = os.environ.get("PANELS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _seed(settings: Settings) -> tuple[str, uuid.UUID, uuid.UUID]:
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="ws", name="WS")
        user, _ = admin.create_user(
            session, tenant=tenant, email="w@ws.dev", role=Role.viewer, password="bench-pw-123"
        )
        panel = Panel(id=uuid.uuid4(), tenant_id=tenant.id, slug="p", name="P")
        session.add(panel)
        session.commit()
        token, _ = security.issue_jwt(
            settings, user_id=user.id, tenant_id=tenant.id, role=Role.viewer, ttl_seconds=3600
        )
        return token, tenant.id, panel.id


async def _client(
    url: str, token: str, panel: uuid.UUID, gate: asyncio.Semaphore
) -> ClientConnection:
    async with gate:
        ws = await connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=120
        )
        await ws.recv()  # welcome
        await ws.send(json.dumps({"type": "subscribe", "panel_id": str(panel)}))
        await ws.recv()  # subscribed
        return ws


async def _note(task: asyncio.Future[Any], committed: float, arrived: list[float]) -> None:
    try:
        await asyncio.wait_for(task, 30)
        arrived.append(time.perf_counter() - committed)
    except TimeoutError:
        pass


async def _fanout(
    url: str, conninfo: str, token: str, tenant: uuid.UUID, panel: uuid.UUID, pid: int
) -> dict[str, Any]:
    server = psutil.Process(pid)
    before = server.memory_info().rss
    gate = asyncio.Semaphore(64)
    started = time.perf_counter()
    clients = await asyncio.gather(*(_client(url, token, panel, gate) for _ in range(CLIENTS)))
    connect_s = time.perf_counter() - started
    await asyncio.sleep(1.0)
    per_connection_kb = (server.memory_info().rss - before) / CLIENTS / 1024
    print(f"  {CLIENTS} clients connected in {connect_s:.1f} s", file=sys.stderr, flush=True)
    samples: list[float] = []
    missing = 0
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as db:
        for round_ in range(ROUNDS):
            waiting = [asyncio.ensure_future(c.recv()) for c in clients]
            async with db.transaction():
                await db.execute("SELECT set_config('app.all_tenants', 'on', true)")
                await db.execute(
                    "INSERT INTO panel_events (tenant_id, panel_id, type, payload)"
                    " VALUES (%s, %s, 'panel.updated', %s)",
                    (tenant, panel, json.dumps({"round": round_})),
                )
            committed = time.perf_counter()
            arrived: list[float] = []

            await asyncio.gather(*(_note(t, committed, arrived) for t in waiting))
            missing += CLIENTS - len(arrived)
            samples += arrived
            await asyncio.sleep(0.5)
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    wall = sum(samples) or 1.0
    summary = latency_summary(samples, wall)
    summary.pop("rps", None)
    return {
        **summary,
        "missing": missing,
        "connect_seconds": round(connect_s, 1),
        "memory_per_connection_kb": round(per_connection_kb, 1),
    }


async def _redis_round_trip(url: str, rounds: int = 1000) -> dict[str, float]:
    channel = f"bench:{uuid.uuid4().hex}"
    sub_client = aioredis.Redis.from_url(url)
    pub_client = aioredis.Redis.from_url(url)
    pubsub = sub_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await pub_client.publish(channel, b"x")
        while (await pubsub.get_message(timeout=5)) is None:
            pass
        samples.append(time.perf_counter() - started)
    await pubsub.aclose()
    await sub_client.aclose()
    await pub_client.aclose()
    summary = latency_summary(samples, sum(samples))
    summary.pop("rps", None)
    return summary


def run() -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, CLIENTS * 2 + 1024)), hard))
    with scratch_database() as url:
        settings = Settings(environment="test", database_url=url)
        token, tenant, panel = _seed(settings)
        with api_server(
            url,
            PANELS_REDIS_URL=REDIS,
            PANELS_REDIS_PREFIX=f"bench-{uuid.uuid4().hex[:6]}",
            PANELS_LOG_LEVEL="WARNING",
            PANELS_RELAY_POLL_SECONDS="1.0",
            PANELS_RATE_LIMIT_TENANT="",  # 5,000 connections of one user in a few seconds
            PANELS_RATE_LIMIT_CREDENTIAL="",
        ) as server:
            result = asyncio.run(
                _fanout(server.ws, libpq_url(url), token, tenant, panel, server.process.pid)
            )
            rss_mb = psutil.Process(server.process.pid).memory_info().rss / 2**20
    baseline = asyncio.run(_redis_round_trip(REDIS))
    return {
        "name": "websocket_fanout",
        "title": f"event commit → {CLIENTS:,} WebSocket clients on one API process"
        f" ({ROUNDS} events)",
        "result": result,
        "baseline": {"name": "raw Redis pub/sub round trip", **baseline},
        "ratio": {"p99_vs_baseline": round(result["p99_ms"] / baseline["p99_ms"], 1)},
        "peak_rss_mb": round(rss_mb, 1),
    }
