"""Real-time notifications through real servers: a WebSocket client, `panels serve`, Redis.

The in-process test app does not relay (conftest); each test here starts API processes that
do, on the shared test database, with a Redis key prefix of their own.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from models.db import libpq_url
from tests.live import ApiServer, RedisServer, api_server
from tests.pipeline_fixtures import write

API = "/api/v1"


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


class Client:
    def __init__(self, server: ApiServer, headers: dict[str, str] | None = None, **kw: Any):
        opened = connect(server.ws, additional_headers=headers or {}, open_timeout=10, **kw)
        self.ws: ClientConnection = opened.__enter__()  # closed by close()
        self.welcome = self.next("welcome")

    def send(self, **message: Any) -> None:
        self.ws.send(json.dumps(message))

    def next(self, kind: str | None = None, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message["type"] == "ping":
                continue
            if kind is None or message["type"] == kind:
                return message
            if message["type"] == "error":
                raise AssertionError(f"error instead of {kind}: {message}")

    def subscribe(self, panel_id: str, **extra: Any) -> dict[str, Any]:
        self.send(type="subscribe", panel_id=panel_id, **extra)
        return self.next()

    def events(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        return [self.next("event", timeout) for _ in range(count)]

    def quiet(self, seconds: float = 1.5) -> list[dict[str, Any]]:
        """Events that arrive within ``seconds`` (expected: none)."""
        got = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                break
            if message["type"] == "event":
                got.append(message)
        return got

    def close(self) -> None:
        self.ws.close()


def _read_until_closed(ws: ClientConnection) -> tuple[int | None, str]:
    """Read whatever is buffered, then the close frame: its code and reason."""
    while True:
        try:
            ws.recv(timeout=30)
        except ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")


@pytest.fixture
def prefix() -> str:
    return f"panels-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def server(database_url, redis_url, prefix) -> Iterator[ApiServer]:
    with api_server(database_url, PANELS_REDIS_URL=redis_url, PANELS_REDIS_PREFIX=prefix) as s:
        yield s


def _touch(k, n: int = 1) -> None:
    """Definition changes through the API: each writes one panel.updated event."""
    for i in range(n):
        response = k.client.patch(
            k.url,
            json={"description": f"change {uuid.uuid4().hex[:6]} {i}"},
            headers=k.tenant.editor,
        )
        assert response.status_code == 200, response.text


def test_a_subscriber_receives_a_sync_as_it_happens(server, kit, sync_settings, files) -> None:
    write(files / "live.csv", "id,name\n1,a\n2,b\n")
    k = kit()
    k.source(name="s", kind="file", config={"path": "live.csv"})
    k.column("id", "integer")
    client = Client(server, k.tenant.viewer)
    assert client.welcome["tenant"] == k.tenant.slug
    ack = client.subscribe(k.panel["id"])
    assert ack == {"type": "subscribed", "panel_id": k.panel["id"], "view_id": None}
    result = k.sync()
    started, materialized = client.events(2)
    assert (started["event"], materialized["event"]) == ("sync.started", "panel.materialized")
    assert materialized["panel_id"] == k.panel["id"]
    assert materialized["data"]["version"] == 1
    assert materialized["data"]["row_count"] == 2
    assert materialized["data"]["dagster_run_id"] == result.run_id
    assert started["id"] < materialized["id"]
    client.send(type="ping")
    assert client.next("pong") == {"type": "pong"}
    client.send(type="unsubscribe", panel_id=k.panel["id"])
    assert client.next("unsubscribed")["panel_id"] == k.panel["id"]
    _touch(k)
    assert client.quiet() == [], "nothing after unsubscribing"
    client.close()


def test_tenants_never_see_each_others_events(server, kit, other_tenant) -> None:
    k = kit()
    mine = Client(server, k.tenant.viewer)
    theirs = Client(server, other_tenant.viewer)
    mine.subscribe(k.panel["id"])
    refused = theirs.subscribe(k.panel["id"])
    assert refused["type"] == "error" and refused["code"] == "not_found"
    assert refused["detail"] == f"panel {k.panel['id']} does not exist"
    own = k.client.post(
        f"{API}/panels", json={"slug": "theirs", "name": "Theirs"}, headers=other_tenant.editor
    ).json()
    assert theirs.subscribe(own["id"])["type"] == "subscribed"
    _touch(k, 2)
    assert [e["event"] for e in mine.events(2)] == ["panel.updated", "panel.updated"]
    assert theirs.quiet() == []
    mine.close()
    theirs.close()


def test_authentication_by_subprotocol_first_message_and_refusals(server, kit) -> None:
    k = kit()
    token = _token(k.tenant.viewer)
    by_protocol = Client(server, subprotocols=["panels.v1", f"bearer.{token}"])
    assert by_protocol.ws.subprotocol == "panels.v1"
    by_protocol.close()
    with connect(server.ws, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
    # Refused after the handshake, with a code a browser can read (tests/test_ws_auth.py).
    with connect(server.ws, additional_headers={"Authorization": "Bearer nope"}) as ws:
        assert json.loads(ws.recv(timeout=10))["code"] == "unauthorized"
        assert _read_until_closed(ws)[0] == 4401
    with connect(server.ws, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": "not-a-token"}))
        error = json.loads(ws.recv(timeout=10))
        assert error["code"] == "unauthorized"
        code, _ = _read_until_closed(ws)
    assert code == 4401
    assert token not in server.output(), "a token never reaches the logs"


def test_resume_replays_missed_events_then_goes_live_without_gap_or_duplicate(server, kit) -> None:
    k = kit()
    client = Client(server, k.tenant.viewer)
    client.subscribe(k.panel["id"])
    _touch(k)
    (first,) = client.events(1)
    client.close()
    _touch(k, 3)  # while disconnected
    again = Client(server, k.tenant.viewer)
    again.send(type="subscribe", panel_id=k.panel["id"], last_event_id=first["id"])
    assert again.next("subscribed")["panel_id"] == k.panel["id"]
    missed = again.events(3)
    assert again.next("replayed")["count"] == 3
    _touch(k)
    live = again.events(1)
    ids = [e["id"] for e in [first, *missed, *live]]
    assert ids == sorted(set(ids)), "in order, no duplicate"
    assert again.quiet(1.0) == []
    # A view subscription validates the view and tags its panel's events.
    view = k.client.post(f"{k.url}/views", json={"name": "v"}, headers=k.tenant.editor).json()
    (created,) = again.events(1)
    assert created["event"] == "panel.updated" and created["data"]["object_type"] == "view"
    assert again.subscribe(k.panel["id"], view_id=view["id"])["view_id"] == view["id"]
    _touch(k)
    assert again.events(1)[0]["view_ids"] == [view["id"]]
    assert again.subscribe(k.panel["id"], view_id=str(uuid.uuid4()))["code"] == "not_found"
    again.close()


def test_two_api_processes_each_deliver_every_event_once(
    server, database_url, redis_url, prefix, kit
) -> None:
    k = kit()
    with api_server(database_url, PANELS_REDIS_URL=redis_url, PANELS_REDIS_PREFIX=prefix) as two:
        one_client = Client(server, k.tenant.viewer)
        two_client = Client(two, k.tenant.viewer)
        one_client.subscribe(k.panel["id"])
        two_client.subscribe(k.panel["id"])
        _touch(k, 4)
        got_one = [e["id"] for e in one_client.events(4)]
        got_two = [e["id"] for e in two_client.events(4)]
        assert got_one == got_two == sorted(set(got_one))
        assert one_client.quiet(1.0) == [] and two_client.quiet(0.1) == []
        events = [
            httpx.get(f"{s.http}/health/detailed").json()["checks"]["events"] for s in (server, two)
        ]
        assert sorted(e["relay"] for e in events) == ["leading", "standby"], "one relay leads"
        assert [e["websocket_connections"] for e in events] == [1, 1]
        assert {e["broker"] for e in events} == {"redis"}
        # The leading relay dies: the other process takes over and nothing is lost.
        leader = server if events[0]["relay"] == "leading" else two
        scraped = httpx.get(f"{leader.http}/metrics").text
        assert 'events_published_total{type="panel.updated"}' in scraped
        assert "active_websocket_connections 1.0" in scraped
        assert "events_delivered_total 4.0" in scraped
        survivor, survivor_client = (two, two_client) if leader is server else (server, one_client)
        leader.kill()
        _touch(k, 2)
        assert len(survivor_client.events(2, timeout=30)) == 2
        assert "relay leading" in survivor.output()


def test_events_survive_a_redis_restart(database_url, prefix, kit) -> None:
    private = RedisServer()
    private.start()
    try:
        with api_server(
            database_url, PANELS_REDIS_URL=private.url, PANELS_REDIS_PREFIX=prefix
        ) as server:
            k = kit()
            client = Client(server, k.tenant.viewer)
            client.subscribe(k.panel["id"])
            _touch(k)
            (before,) = client.events(1)
            private.stop()
            _touch(k, 2)  # committed to the outbox while Redis is down
            time.sleep(1.0)
            private.start()
            after = client.events(2, timeout=30)
            ids = [before["id"], *(e["id"] for e in after)]
            assert ids == sorted(set(ids))
            assert client.quiet(1.0) == [], "no duplicates after the resync"
            assert server.process.poll() is None
    finally:
        private.stop()


def test_the_redis_listener_resyncs_after_every_reconnection() -> None:
    """Each reconnection comes back as RESYNC, which makes the hub replay from the outbox.

    redis-py has retries of its own that re-subscribe a pub/sub connection; one that did so
    without the listener seeing it would skip the replay of what was published meanwhile.
    """
    import asyncio

    from serving.realtime.broker import RESYNC, RedisBroker

    private = RedisServer()
    private.start()

    async def scenario() -> list[object]:
        broker = RedisBroker(private.url, "resync-test")
        items = broker.listen()
        seen = [await asyncio.wait_for(anext(items), 10)]
        private.stop()
        private.start()  # back within redis-py's own retry window (about 5 s)
        try:
            seen.append(await asyncio.wait_for(anext(items), 10))
        finally:
            await items.aclose()
            await broker.close()
        return seen

    try:
        assert asyncio.run(scenario()) == [RESYNC, RESYNC]
    finally:
        private.stop()


def test_a_resync_replays_before_a_live_event_that_follows_it(kit, database_url) -> None:
    """The broker hands the hub RESYNC and, already buffered behind it, a live event.

    Events the relay published while this process was reconnecting reach it only through the
    resync's replay from the outbox. A live event read right after RESYNC must wait for that
    replay: delivered first, it moved the subscriber past the events being replayed, which
    were then lost (a flaky ``test_events_survive_a_redis_restart``).
    """
    import asyncio

    from models.db import make_async_engine
    from serving.realtime.broker import RESYNC
    from serving.realtime.hub import Hub, Subscriber

    k = kit()
    items: asyncio.Queue[object] = asyncio.Queue()

    class QueueBroker:  # the Broker protocol: what a socket buffer hands over, in order
        name = "queue"

        async def publish(self, event: dict[str, Any]) -> None:
            await items.put(event)

        async def listen(self):  # type: ignore[no-untyped-def]
            while True:
                yield await items.get()

        async def close(self) -> None:
            pass

    def claimed_event(n: int) -> dict[str, Any]:
        with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
            conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
            seq, at = conn.execute(
                "INSERT INTO panel_events (tenant_id, panel_id, type, payload, seq, published_at)"
                " VALUES (%s, %s, 'panel.updated', %s, nextval('panel_events_seq'), now())"
                " RETURNING seq, created_at",
                (k.tenant.id, k.panel["id"], json.dumps({"n": n})),
            ).fetchone()
        return {
            "seq": seq,
            "tenant_id": str(k.tenant.id),
            "panel_id": k.panel["id"],
            "type": "panel.updated",
            "payload": {"n": n},
            "created_at": at.isoformat(),
        }

    async def scenario() -> list[int]:
        engine = make_async_engine(database_url, as_app_role=True)
        hub = Hub(engine, QueueBroker())
        runner = asyncio.create_task(hub.run())
        subscriber = Subscriber(k.tenant.id, 10)
        hub.add(subscriber)
        try:
            await hub.subscribe(subscriber, k.panel["id"], None, None)
            missed = claimed_event(1)  # published while this process was not listening
            live = claimed_event(2)
            items.put_nowait(RESYNC)
            items.put_nowait(live)
            got = []
            while len(got) < 2:
                got.append(json.loads(await asyncio.wait_for(subscriber.queue.get(), 10))["id"])
            assert missed["seq"] < live["seq"]
            return got
        finally:
            runner.cancel()
            await engine.dispose()

    got = asyncio.run(scenario())
    assert got == sorted(got) and len(set(got)) == 2


def test_an_event_claimed_but_never_published_is_republished(server, kit, database_url) -> None:
    """What a relay killed between its claim (committed) and the broker leaves behind."""
    k = kit()
    client = Client(server, k.tenant.viewer)
    client.subscribe(k.panel["id"])
    with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        conn.execute(
            "INSERT INTO panel_events (tenant_id, panel_id, type, payload)"
            " VALUES (%s, %s, 'panel.updated', '{\"orphan\": true}')",
            (k.tenant.id, k.panel["id"]),
        )
        conn.execute("SELECT * FROM panels_outbox_claim(100000)")
    (event,) = client.events(1)
    assert event["data"] == {"orphan": True}
    with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        published = conn.execute(
            "SELECT published_at IS NOT NULL FROM panel_events WHERE seq = %s", (event["id"],)
        ).fetchone()
    assert published == (True,)


class RawClient:
    """A WebSocket client on a socket this test controls (websockets' sans-I/O protocol).

    It reads only when told to, and its receive buffer is small: the server feels a client
    that does not read within a few hundred kilobytes. (The threaded client keeps reading
    in the background, so it cannot play a slow client.)
    """

    def __init__(self, server: ApiServer, token: str) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        self.sock.connect(("127.0.0.1", server.port))
        self.protocol = ClientProtocol(parse_uri(server.ws))
        request = self.protocol.connect()
        request.headers["Authorization"] = f"Bearer {token}"
        self.protocol.send_request(request)
        self._flush()
        while self.protocol.handshake_exc is None and not self.protocol.events_received():
            self.protocol.receive_data(self.sock.recv(65536))
        assert self.protocol.handshake_exc is None

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def send(self, **message: Any) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def read_to_the_end(self, timeout: float = 60) -> tuple[int, str]:
        """Read everything the server sent, until it closes: the close code and reason."""
        self.sock.settimeout(timeout)
        while self.protocol.close_rcvd is None:
            data = self.sock.recv(1 << 20)
            if not data:
                self.protocol.receive_eof()
                break
            self.protocol.receive_data(data)
            self.protocol.events_received()
        self.sock.close()
        close = self.protocol.close_rcvd
        return (close.code, close.reason) if close else (1006, "")


def test_a_slow_client_is_disconnected_and_never_slows_the_others(
    database_url, redis_url, prefix, kit
) -> None:
    count = 2000
    with api_server(
        database_url,
        PANELS_REDIS_URL=redis_url,
        PANELS_REDIS_PREFIX=prefix,
        PANELS_WS_QUEUE_SIZE="50",
    ) as server:
        k = kit()
        slow = RawClient(server, _token(k.tenant.viewer))
        slow.send(type="subscribe", panel_id=k.panel["id"])
        fast = Client(server, k.tenant.viewer)
        fast.subscribe(k.panel["id"])
        padding = "x" * 8000  # 2,000 events of 8 kB: far more than socket buffers hold
        with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
            conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO panel_events (tenant_id, panel_id, type, payload)"
                    " VALUES (%s, %s, 'panel.updated', %s)",
                    [
                        (k.tenant.id, k.panel["id"], json.dumps({"i": i, "pad": padding}))
                        for i in range(count)
                    ],
                )
        got = fast.events(count, timeout=60)
        assert [e["data"]["i"] for e in got] == list(range(count)), "the fast client got all"
        assert "slow websocket client disconnected" in server.output()
        code, reason = slow.read_to_the_end()
        assert code == 4008
        assert "too slow" in reason
        fast.close()
