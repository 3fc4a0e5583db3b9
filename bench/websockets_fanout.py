"""WebSocket fan-out: 5,000 clients on one API process, latency from commit to receipt.

Each round commits one outbox event (a `panel.updated` row, as any definition change writes)
and every subscribed client notes when it arrives: the latency is commit → relay (woken by the
insert trigger's NOTIFY) → Redis → the hub → each socket. The clients share the machine's two
cores with the server, so each is as light as a client can be: an asyncio protocol around
websockets' sans-I/O state machine that timestamps a message in `data_received` (no task per
client per message); an earlier version used a `websockets` client and a task per receipt, and
its own scheduling added hundreds of milliseconds to the measured tail. The baseline, measured
in the same run, is a raw Redis pub/sub round trip (publish → a subscriber receives) in this
process. Memory per connection is the API process's RSS growth over the connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import resource
import sys
import time
import uuid
from typing import Any

import httpx
import psutil
import psycopg
import redis.asyncio as aioredis
import uvloop
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from bench.common import latency_summary, scratch_database
from core.enums import Role
from core.settings import Settings
from models import Panel
from models.db import libpq_url
from serving.admin import tenants as admin
from serving.auth import security
from serving.realtime.protocol import text_frame
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


class LeanClient(asyncio.Protocol):
    """One WebSocket client: websockets' protocol state machine over an asyncio transport.

    During a round it only notes when bytes arrive and parses them after the round: 5,000
    clients in one process on a shared core would otherwise add their own parsing, one after
    the other, to the arrival times of the last ones.
    """

    def __init__(self, url: str, token: str) -> None:
        self.ws = ClientProtocol(parse_uri(url))
        self.request = self.ws.connect()
        self.request.headers["Authorization"] = f"Bearer {token}"
        self.transport: asyncio.Transport | None = None
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.arrivals: Arrivals | None = None  # set during a round

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport
        self.ws.send_request(self.request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        if self.arrivals is not None:
            self.arrivals.note(time.perf_counter(), self, data)
        else:
            for payload in self.parse(data):
                self.inbox.put_nowait(payload)

    def parse(self, data: bytes) -> list[bytes]:
        self.ws.receive_data(data)
        texts = [
            bytes(event.data)
            for event in self.ws.events_received()
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT
        ]
        self._flush()
        return texts

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send_text(json.dumps(message).encode())
        self._flush()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Arrivals:
    """One round's receipts: when bytes reached each client, parsed once the round is over."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.chunks: list[tuple[float, LeanClient, bytes]] = []
        self.reached: set[int] = set()
        self.everyone = asyncio.Event()

    def note(self, now: float, client: LeanClient, data: bytes) -> None:
        self.chunks.append((now, client, data))
        self.reached.add(id(client))
        if len(self.reached) == self.expected:
            self.everyone.set()

    def messages(self) -> list[tuple[float, bytes]]:
        """(arrival time, payload) of every text message, the server's heartbeat left out."""
        out = []
        for now, client, data in self.chunks:
            out += [(now, p) for p in client.parse(data) if p != b'{"type":"ping"}']
        return out


async def _client(port: int, url: str, token: str, panel: uuid.UUID, gate: asyncio.Semaphore):
    async with gate:
        loop = asyncio.get_running_loop()
        _, client = await loop.create_connection(lambda: LeanClient(url, token), "127.0.0.1", port)
        welcome = json.loads(await asyncio.wait_for(client.inbox.get(), 120))
        assert welcome["type"] == "welcome", welcome
        client.send({"type": "subscribe", "panel_id": str(panel)})
        subscribed = json.loads(await asyncio.wait_for(client.inbox.get(), 120))
        assert subscribed["type"] == "subscribed", subscribed
        return client


async def _fanout(
    url: str, conninfo: str, token: str, tenant: uuid.UUID, panel: uuid.UUID, pid: int
) -> dict[str, Any]:
    server = psutil.Process(pid)
    before = server.memory_info().rss
    gate = asyncio.Semaphore(64)
    port = int(url.split(":")[2].split("/", maxsplit=1)[0])
    started = time.perf_counter()
    clients = await asyncio.gather(
        *(_client(port, url, token, panel, gate) for _ in range(CLIENTS))
    )
    connect_s = time.perf_counter() - started
    await asyncio.sleep(1.0)
    per_connection_kb = (server.memory_info().rss - before) / CLIENTS / 1024
    print(f"  {CLIENTS} clients connected in {connect_s:.1f} s", file=sys.stderr, flush=True)
    samples: list[float] = []
    missing = 0
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as db:
        for round_ in range(ROUNDS):
            arrivals = Arrivals(CLIENTS)
            for c in clients:
                c.arrivals = arrivals
            # A full collection over 5,000 clients' objects stalls this process for hundreds
            # of milliseconds: none inside a round (the clients would note late arrivals).
            gc.collect()
            gc.disable()
            async with db.transaction():
                await db.execute("SELECT set_config('app.all_tenants', 'on', true)")
                await db.execute(
                    "INSERT INTO panel_events (tenant_id, panel_id, type, payload)"
                    " VALUES (%s, %s, 'panel.updated', %s)",
                    (tenant, panel, json.dumps({"round": round_})),
                )
            committed = time.perf_counter()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrivals.everyone.wait(), 30)
            gc.enable()
            for c in clients:
                c.arrivals = None
            seen = arrivals.messages()
            # Timestamps first, checks after: every message is this round's event.
            for now, payload in seen:
                message = json.loads(payload)
                if message.get("type") == "event" and message["data"] == {"round": round_}:
                    samples.append(now - committed)
                else:
                    missing += 1
            missing += max(0, CLIENTS - len(seen))
            first = min((now for now, _ in seen), default=committed) - committed
            print(
                f"  round {round_}: first client {first * 1000:.1f} ms,"
                f" last {(max((t for t, _ in seen), default=committed) - committed) * 1000:.1f} ms",
                file=sys.stderr,
                flush=True,
            )
            await asyncio.sleep(0.5)
    for c in clients:
        c.close()
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


def _floor_server(port_out: Any, rounds: int) -> None:
    """A process that only writes: one prebuilt frame to every connected socket a round.

    The frame carries the monotonic clock (shared by every process on the machine) at which
    the writes began; nothing else runs, so the spread is what the kernel's loopback sends
    alone cost from one process.
    """

    async def main() -> None:
        transports: list[asyncio.Transport] = []
        go = asyncio.Event()

        class Writer(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                transports.append(transport)  # type: ignore[arg-type]

            def data_received(self, data: bytes) -> None:
                go.set()  # the control connection asks for a round

        loop = asyncio.get_running_loop()
        server = await loop.create_server(Writer, "127.0.0.1", 0, backlog=4096)
        port_out.put(server.sockets[0].getsockname()[1])
        for _ in range(rounds):
            await go.wait()
            go.clear()
            frame = text_frame(json.dumps({"t": time.perf_counter()}))
            for transport in transports:
                transport.write(frame)
        server.close()

    uvloop.run(main())


async def _floor(rounds: int) -> dict[str, float]:
    """The clients of ``_floor_server``: arrival time minus the time its writes began."""
    spawn = multiprocessing.get_context("spawn")
    port_out = spawn.Queue()
    writer = spawn.Process(target=_floor_server, args=(port_out, rounds))
    writer.start()
    port = port_out.get(timeout=60)
    loop = asyncio.get_running_loop()
    arrivals: list[tuple[float, bytes]] = []

    class Reader(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            arrivals.append((time.perf_counter(), data))

    readers = [(await loop.create_connection(Reader, "127.0.0.1", port))[0] for _ in range(CLIENTS)]
    control = (await loop.create_connection(asyncio.Protocol, "127.0.0.1", port))[0]
    await asyncio.sleep(1.0)
    samples = []
    for _ in range(rounds):
        arrivals.clear()
        gc.collect()
        gc.disable()
        control.write(b"go")
        deadline = time.perf_counter() + 30
        while len(arrivals) < CLIENTS and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        gc.enable()
        for now, data in arrivals:
            samples.append(now - json.loads(data[2:])["t"])  # a 2-byte header: short frames
        await asyncio.sleep(0.3)
    for transport in [*readers, control]:
        transport.close()
    writer.join(30)
    summary = latency_summary(samples, sum(samples) or 1.0)
    summary.pop("rps", None)
    return summary


def _histogram(text: str, name: str) -> dict[str, int]:
    """Cumulative bucket counts of one Prometheus histogram: {"le=0.05": n, ...}."""
    out = {}
    for line in text.splitlines():
        if line.startswith(f"{name}_bucket{{"):
            bound = line.split('le="')[1].split('"')[0]
            out[f"le={bound}"] = int(float(line.rsplit(" ", 1)[1]))
    return out


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
            PANELS_WS_HEARTBEAT_SECONDS="3600",  # no heartbeat lands inside a round
        ) as server:
            # The clients' process runs uvloop too: its callbacks cost less than asyncio's.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                result = runner.run(
                    _fanout(server.ws, libpq_url(url), token, tenant, panel, server.process.pid)
                )
            metrics = httpx.get(f"{server.http}/metrics", timeout=10).text
            result["relay_lag"] = _histogram(metrics, "events_relay_lag_seconds")
            rss_mb = psutil.Process(server.process.pid).memory_info().rss / 2**20
    baseline = asyncio.run(_redis_round_trip(REDIS))
    floor = uvloop.run(_floor(ROUNDS))
    return {
        "name": "websocket_fanout",
        "title": f"event commit → {CLIENTS:,} WebSocket clients on one API process"
        f" ({ROUNDS} events)",
        "result": result,
        "baseline": {"name": "raw Redis pub/sub round trip", **baseline},
        "ratio": {
            "p99_vs_baseline": round(result["p99_ms"] / baseline["p99_ms"], 1),
            "p99_vs_write_floor": round(result["p99_ms"] / floor["p99_ms"], 2),
        },
        "extra": {"write_floor": floor},
        "peak_rss_mb": round(rss_mb, 1),
    }
