"""`make bench-webhooks`: webhooks from commit to receipt, next to the WebSocket path.

One `panels serve` process (relay, hub and webhook deliverer; Redis as the broker) on a scratch
database. The bench commits outbox events itself (a `panel.updated` row, as any definition
change writes), each marked with its number, and notes the wall clock after each commit.

* **Latency**: one endpoint and one WebSocket client on the same panel; ``ROUNDS`` events, one
  every 50 ms; commit → receipt p50/p99 for each path.
* **Throughput**: 100 endpoints (100 URLs on one receiver), then 100 WebSocket clients, each
  alone; ``EVENTS`` events committed at once; deliveries (messages) per second from the first
  commit to the last receipt.
* **Floor**: signed bodies POSTed straight to the receiver by the deliverer's HTTP client
  (aiohttp) in one asyncio process, 64 at a time over keep-alive connections (the deliverer's
  concurrency), with no database and no queue.

The receiver (a minimal asyncio HTTP/1.1 server answering 204) and the WebSocket clients run in
processes of their own and note arrival times there. Peak RSS is the API process's (VmHWM).
Results: bench/results/webhooks.json and BENCHMARKS-webhooks.md.
"""

from __future__ import annotations

import asyncio
import faulthandler
import json
import multiprocessing
import os
import signal
import statistics
import time
import uuid
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg
from psycopg.types.json import Jsonb

from bench.common import STATE, scratch_database
from core.enums import Role
from core.events import OUTBOX_INSERT, EventType
from core.settings import Settings
from models.db import libpq_url
from serving.admin import tenants as admin
from serving.auth import security
from serving.webhooks.signing import new_secret, signed_headers
from tests.live import ApiServer, api_server

ROUNDS = int(os.environ.get("PANELS_BENCH_WEBHOOK_ROUNDS", "200"))
EVENTS = int(os.environ.get("PANELS_BENCH_WEBHOOK_EVENTS", "100"))
ENDPOINTS = int(os.environ.get("PANELS_BENCH_WEBHOOK_ENDPOINTS", "100"))
REDIS = os.environ.get("PANELS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent
COMMAND = "make bench-webhooks (python -m bench.webhooks)"


# --- the receiver: its own process ----------------------------------------------------------


class _Http(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, enough for POSTs with a content-length: notes each body."""

    def __init__(self, seen: list[tuple[float, str, bytes]]) -> None:
        self.seen, self.buffer = seen, b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            body, self.buffer = self.buffer[head_end + 4 : end], self.buffer[end:]
            self.seen.append((time.time(), head[0].split(" ")[1], body))
            self.transport.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")


def _receive(pipe: Connection) -> None:
    async def main() -> None:
        seen: list[tuple[float, str, bytes]] = []
        server = await asyncio.get_running_loop().create_server(lambda: _Http(seen), "127.0.0.1", 0)
        pipe.send(server.sockets[0].getsockname()[1])
        while True:
            while not pipe.poll():
                await asyncio.sleep(0.05)
            command = pipe.recv()
            if command == "stop":
                return
            pipe.send([(at, path, _marker(body)) for at, path, body in seen])
            seen.clear()

    asyncio.run(main())


def _marker(body: bytes) -> int:
    return int(json.loads(body)["data"]["object_id"])


# --- WebSocket clients: their own process ---------------------------------------------------


def _listen(pipe: Connection, url: str, token: str, panel: str, clients: int) -> None:
    faulthandler.register(signal.SIGUSR1)
    from websockets.asyncio.client import connect  # noqa: PLC0415

    async def main() -> None:
        seen: list[tuple[float, int]] = []
        sockets = [
            await connect(url, additional_headers={"Authorization": f"Bearer {token}"})
            for _ in range(clients)
        ]

        async def read(ws: Any) -> None:
            async for frame in ws:
                message = json.loads(frame)
                if message["type"] == "event":
                    seen.append((time.time(), int(message["data"]["object_id"])))

        for ws in sockets:
            await ws.recv()  # welcome
            await ws.send(json.dumps({"type": "subscribe", "panel_id": panel}))
            await ws.recv()  # subscribed
        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        pipe.send("ready")
        while True:
            while not pipe.poll():
                await asyncio.sleep(0.05)
            if pipe.recv() == "stop":
                for task in readers:
                    task.cancel()
                for ws in sockets:
                    await ws.close()
                return
            pipe.send(list(seen))
            seen.clear()

    asyncio.run(main())


# --- the run --------------------------------------------------------------------------------


def _seed(url: str) -> tuple[str, uuid.UUID, str, str]:
    settings = Settings(environment="test", database_url=url, log_level="WARNING")
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="hooks", name="Hooks")
        user, _ = admin.create_user(
            session, tenant=tenant, email="a@hooks.dev", role=Role.admin, password="bench-pw-123"
        )
        token, _ = security.issue_jwt(
            settings, user_id=user.id, tenant_id=tenant.id, role=Role.admin, ttl_seconds=7200
        )
    return token, tenant.id, "", ""


def _commit(conn: psycopg.Connection[Any], tenant: uuid.UUID, panel: str, marker: int) -> float:
    conn.execute(
        OUTBOX_INSERT,
        {
            "tenant_id": tenant,
            "panel_id": uuid.UUID(panel),
            "type": EventType.panel_updated.value,
            "payload": Jsonb(
                {
                    "panel_id": panel,
                    "object_type": "bench",
                    "object_id": str(marker),
                    "action": "update",
                }
            ),
        },
    )
    conn.commit()
    return time.time()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {
        "count": len(ordered),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _floor(port: int, count: int) -> dict[str, float]:
    """The same kind of signed bodies POSTed straight at the receiver by the deliverer's HTTP
    client (aiohttp), 64 at a time over keep-alive connections: no database, no queue."""

    async def main() -> float:
        secret = new_secret()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(count):
            queue.put_nowait(n)
        connector = aiohttp.TCPConnector(limit=128)
        async with aiohttp.ClientSession(connector=connector) as client:

            async def worker() -> None:
                while not queue.empty():
                    n = queue.get_nowait()
                    body = json.dumps({"data": {"object_id": str(n)}}).encode()
                    headers = signed_headers(str(n), body, [secret], datetime.now(UTC))
                    target = f"http://127.0.0.1:{port}/floor"
                    async with client.post(target, data=body, headers=headers) as answer:
                        await answer.read()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(64)))
            return time.perf_counter() - started

    seconds = asyncio.run(main())
    return {"deliveries": count, "seconds": round(seconds, 3), "per_second": round(count / seconds)}


def _add_endpoint(http: httpx.Client, token: str, url: str, panel: str) -> str:
    made = http.post(
        "/api/v1/webhooks",
        json={"url": url, "event_types": ["panel.updated"], "panels": [panel]},
        headers={"Authorization": f"Bearer {token}"},
    )
    made.raise_for_status()
    return str(made.json()["id"])


def _set_enabled(http: httpx.Client, token: str, ids: list[str], enabled: bool) -> None:
    for webhook in ids:
        http.patch(
            f"/api/v1/webhooks/{webhook}",
            json={"enabled": enabled},
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()


def _collect(pipe: Connection, expected: int, quiet: float = 10.0) -> list[Any]:
    """What arrived: all ``expected``, or as many as came before ``quiet`` seconds of nothing
    (the result then says how many are missing)."""
    got: list[Any] = []
    last_progress = time.monotonic()
    while True:
        pipe.send("report")
        new = pipe.recv()
        got += new
        if new:
            last_progress = time.monotonic()
        if len(got) >= expected or time.monotonic() - last_progress > quiet:
            return got
        time.sleep(0.2)


def measure(url: str) -> dict[str, Any]:
    token, tenant, _, _ = _seed(url)
    ctx = multiprocessing.get_context("spawn")
    hooks, hooks_child = ctx.Pipe()
    receiver = ctx.Process(target=_receive, args=(hooks_child,), daemon=True)
    receiver.start()
    port = hooks.recv()
    env = {
        "PANELS_REDIS_URL": REDIS,
        "PANELS_REDIS_PREFIX": f"bench-hooks-{uuid.uuid4().hex[:6]}",
        "PANELS_WEBHOOK_ALLOWLIST": "127.0.0.1",
        "PANELS_LOG_LEVEL": "WARNING",
        "PANELS_RATE_LIMIT_TENANT": "",
        "PANELS_RATE_LIMIT_CREDENTIAL": "",
    }
    server: ApiServer
    with (
        api_server(url, **env) as server,
        httpx.Client(base_url=server.http, timeout=30) as http,
        psycopg.connect(libpq_url(url)) as conn,
    ):
        headers = {"Authorization": f"Bearer {token}"}
        panel = http.post(
            "/api/v1/panels", json={"slug": "hooked", "name": "Hooked"}, headers=headers
        ).json()["id"]

        # Latency: one endpoint, one WebSocket client.
        first = _add_endpoint(http, token, f"http://127.0.0.1:{port}/one", panel)
        ws, ws_child = ctx.Pipe()
        listener = ctx.Process(
            target=_listen, args=(ws_child, server.ws, token, panel, 1), daemon=True
        )
        listener.start()
        assert ws.recv() == "ready"
        committed: dict[int, float] = {}
        for n in range(ROUNDS):
            committed[n] = _commit(conn, tenant, panel, n)
            time.sleep(0.05)
        hook_seen = _collect(hooks, ROUNDS)
        ws_seen = _collect(ws, ROUNDS)
        ws.send("stop")
        listener.join(10)
        latency = {
            "webhook": _percentiles([at - committed[m] for at, _p, m in hook_seen]),
            "websocket": _percentiles([at - committed[m] for at, m in ws_seen]),
        }

        # Throughput, webhooks: 100 endpoints (the latency one among them), each event to all.
        ids = [first] + [
            _add_endpoint(http, token, f"http://127.0.0.1:{port}/e{i}", panel)
            for i in range(ENDPOINTS - 1)
        ]
        base = ROUNDS
        starts = [_commit(conn, tenant, panel, base + n) for n in range(EVENTS)]
        hook_burst = _collect(hooks, EVENTS * ENDPOINTS)
        webhook_rate = _rate(starts[0], [at for at, _p, _m in hook_burst])
        per_endpoint_in_order = _in_order([(p, m) for _at, p, m in hook_burst])

        # Throughput, WebSocket: the endpoints off, 100 clients on.
        _set_enabled(http, token, ids, False)
        ws, ws_child = ctx.Pipe()
        listener = ctx.Process(
            target=_listen, args=(ws_child, server.ws, token, panel, ENDPOINTS), daemon=True
        )
        listener.start()
        assert ws.recv() == "ready"
        base += EVENTS
        starts = [_commit(conn, tenant, panel, base + n) for n in range(EVENTS)]
        ws_burst = _collect(ws, EVENTS * ENDPOINTS)
        ws_rate = _rate(starts[0], [at for at, _m in ws_burst])
        ws.send("stop")
        listener.join(10)
        peak = _vm_hwm_mb(server.process.pid)

    floor = _floor(port, EVENTS * ENDPOINTS)
    hooks.send("stop")
    receiver.join(10)
    return {
        "rounds": ROUNDS,
        "events": EVENTS,
        "endpoints": ENDPOINTS,
        "latency": latency,
        "throughput": {
            "webhook": webhook_rate,
            "websocket": ws_rate,
            "floor_bare_post": floor,
            "webhook_in_order_per_endpoint": per_endpoint_in_order,
        },
        "api_peak_rss_mb": peak,
    }


def _rate(start: float, arrivals: list[float]) -> dict[str, float]:
    seconds = max(arrivals) - start
    return {
        "deliveries": len(arrivals),
        "missing": EVENTS * ENDPOINTS - len(arrivals),
        "seconds": round(seconds, 3),
        "per_second": round(len(arrivals) / seconds),
    }


def _in_order(received: list[tuple[str, int]]) -> bool:
    last: dict[str, int] = {}
    for path, marker in received:
        if marker < last.get(path, -1):
            return False
        last[path] = marker
    return True


def _render(result: dict[str, Any], meta: dict[str, Any]) -> str:
    lat, thr = result["latency"], result["throughput"]
    return "\n".join(
        [
            "# Benchmarks: webhooks",
            "",
            f"Generated by `{COMMAND}` on {meta['when']} ({meta['machine']}, {meta['cores']}"
            " cores), one `panels serve` process with Redis, its deliverer and relay.",
            "",
            f"## Commit → receipt, one endpoint beside one WebSocket client ({result['rounds']}"
            " events, one every 50 ms)",
            "",
            "| path | p50 | p99 | mean |",
            "|---|---|---|---|",
            *(
                f"| {name} | {v['p50_ms']} ms | {v['p99_ms']} ms | {v['mean_ms']} ms |"
                for name, v in lat.items()
            ),
            "",
            f"## Throughput: {result['events']} events committed at once to"
            f" {result['endpoints']} endpoints / {result['endpoints']} WebSocket clients",
            "",
            "| path | deliveries | missing | seconds | per second |",
            "|---|---|---|---|---|",
            *(
                f"| {name} | {v['deliveries']:,} | {v.get('missing', 0)} | {v['seconds']}"
                f" | {v['per_second']:,} |"
                for name, v in thr.items()
                if isinstance(v, dict)
            ),
            "",
            f"Every endpoint received its events in order: {thr['webhook_in_order_per_endpoint']}."
            f" Peak RSS of the API process: {result['api_peak_rss_mb']} MB.",
            "",
        ]
    )


def main() -> None:
    import platform  # noqa: PLC0415

    faulthandler.register(signal.SIGUSR1)  # kill -USR1: where a stuck run is

    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "cores": os.cpu_count(),
    }
    with scratch_database() as url:
        result = measure(url)
    print(json.dumps(result, indent=2))
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "webhooks.json").write_text(json.dumps({"meta": meta, **result}, indent=2))
    (ROOT / "BENCHMARKS-webhooks.md").write_text(_render(result, meta))


if __name__ == "__main__":
    main()
