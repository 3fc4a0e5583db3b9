"""GET /api/v1/panels through the whole stack (auth, RLS, paging) vs the same SQL direct.

One uvicorn worker serves 200 panels of one tenant; 32 concurrent clients on loopback. The
baseline runs the statements the endpoint runs (tenant context, user lookup, count, page) over
psycopg with the same concurrency, so the ratio is the cost of the API layers.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from psycopg_pool import AsyncConnectionPool

from bench.common import closed_loop, scratch_database
from models import Panel
from models.enums import Role
from serving import admin, security
from serving.settings import Settings

PANELS = 200
CONCURRENCY = 32
SECONDS = float(os.environ.get("PANELS_BENCH_SECONDS", "10"))


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _seed(settings: Settings) -> tuple[str, str, str]:
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="bench", name="Bench")
        user, _ = admin.create_user(
            session,
            tenant=tenant,
            email="b@bench.dev",
            role=Role.admin,
            password="bench-password-123",
        )
        session.add_all(
            Panel(tenant_id=tenant.id, slug=f"p{i:04d}", name=f"Panel {i}") for i in range(PANELS)
        )
        session.commit()
        token, _ = security.issue_jwt(
            settings, user_id=user.id, tenant_id=tenant.id, role=Role.admin
        )
        return token, str(tenant.id), str(user.id)


async def _direct(url: str, tenant_id: str, user_id: str) -> dict[str, float]:
    async with AsyncConnectionPool(url, min_size=10, max_size=10, open=False) as pool:
        await pool.open(wait=True)

        async def call() -> None:
            async with pool.connection() as conn, conn.transaction():
                await conn.execute("SET LOCAL ROLE panels_app")
                await conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant_id,))
                await (
                    await conn.execute(
                        "SELECT u.*, t.slug FROM users u JOIN tenants t ON t.id = u.tenant_id"
                        " WHERE u.id = %s AND u.tenant_id = %s",
                        (user_id, tenant_id),
                    )
                ).fetchall()
                await (
                    await conn.execute(
                        "SELECT count(*) FROM panels WHERE tenant_id = %s", (tenant_id,)
                    )
                ).fetchall()
                await (
                    await conn.execute(
                        "SELECT * FROM panels WHERE tenant_id = %s ORDER BY slug LIMIT 50",
                        (tenant_id,),
                    )
                ).fetchall()

        return await closed_loop(call, concurrency=CONCURRENCY, seconds=SECONDS)


async def _api(base: str, token: str) -> dict[str, float]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}

        async def call() -> None:
            response = await client.get("/api/v1/panels", headers=headers)
            response.raise_for_status()

        return await closed_loop(call, concurrency=CONCURRENCY, seconds=SECONDS)


def run() -> dict[str, Any]:
    with scratch_database() as url:
        settings = Settings(environment="test", database_url=url)
        token, tenant_id, user_id = _seed(settings)
        port = _port()
        env = {**os.environ, "PANELS_DATABASE_URL": url, "PANELS_LOG_LEVEL": "WARNING"}
        panels = str(Path(sys.executable).parent / "panels")
        server = subprocess.Popen(
            [panels, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.3)
            direct = asyncio.run(
                _direct(
                    psycopg.conninfo.make_conninfo(url.replace("postgresql+psycopg", "postgresql")),
                    tenant_id,
                    user_id,
                )
            )
            api = asyncio.run(_api(base, token))
            rss_mb = psutil.Process(server.pid).memory_info().rss / 2**20
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
    return {
        "name": "api_panel_list",
        "title": f"GET /api/v1/panels (page of 50 of {PANELS}), {CONCURRENCY} clients, 1 worker",
        "result": api,
        "baseline": {"name": "same SQL via psycopg pool", **direct},
        "ratio": {
            "rps_vs_baseline": round(api["rps"] / direct["rps"], 3),
            "p95_vs_baseline": round(api["p95_ms"] / direct["p95_ms"], 2),
        },
        "peak_rss_mb": round(rss_mb, 1),
    }
