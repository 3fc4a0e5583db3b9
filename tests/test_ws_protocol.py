"""The uvicorn WebSocket protocol's prebuilt-frame extension, and how subscribers use it.

A real uvicorn server (in a thread) runs a small ASGI app on ``PanelsWebSocketProtocol``;
a real WebSocket client reads what it wrote.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from websockets.sync.client import connect

from serving.realtime.hub import Subscriber
from serving.realtime.protocol import WRITE_FRAME, PanelsWebSocketProtocol, text_frame
from tests.live import free_port

OUTCOMES: dict[str, Any] = {}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Mixes direct frames with ordinary sends, then reports what the extension did."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    write = scope["extensions"].get(WRITE_FRAME)
    OUTCOMES["offered"] = write is not None
    OUTCOMES["before_accept"] = write(text_frame("too early"))
    await send({"type": "websocket.accept"})
    OUTCOMES["direct"] = write(text_frame("one"))
    await send({"type": "websocket.send", "text": "two"})
    write(text_frame("three é" + "x" * 70_000))  # a long frame: 8-byte length
    await receive()  # the client's "bye"
    await send({"type": "websocket.close", "code": 1000})
    OUTCOMES["after_close"] = write(text_frame("too late"))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, port=port, ws=PanelsWebSocketProtocol, log_config=None, lifespan="off"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        threading.Event().wait(0.02)
    yield f"ws://127.0.0.1:{port}/"
    instance.should_exit = True
    thread.join(10)


def test_prebuilt_frames_arrive_in_order_with_ordinary_sends(server: str) -> None:
    with connect(server, open_timeout=10) as ws:
        assert [ws.recv(timeout=10) for _ in range(3)] == ["one", "two", "three é" + "x" * 70_000]
        ws.send("bye")
        with pytest.raises(Exception, match="1000"):
            ws.recv(timeout=10)
    assert OUTCOMES == {
        "offered": True,
        "before_accept": False,  # no frame before the handshake
        "direct": True,
        "after_close": False,  # nor after a close
    }


def _subscriber(write: Any) -> Subscriber:
    return Subscriber(uuid.uuid4(), queue_size=2, write_frame=write)


def test_a_subscriber_writes_directly_only_while_nothing_waits_in_its_queue() -> None:
    written: list[bytes] = []
    accepting = True

    def write(frame: bytes) -> bool:
        if accepting:
            written.append(frame)
        return accepting

    async def scenario() -> None:
        nonlocal accepting
        subscriber = _subscriber(write)
        subscriber.send("a")
        accepting = False  # backpressure: the socket refuses
        subscriber.send("b")
        accepting = True
        subscriber.send("c")  # "b" waits: "c" queues behind it, never overtakes
        assert written == [text_frame("a")]
        assert [subscriber.queue.get_nowait(), subscriber.queue.get_nowait()] == ["b", "c"]
        subscriber.send("d")  # the queue is drained: direct again
        assert written == [text_frame("a"), text_frame("d")]

    asyncio.run(scenario())


def test_a_refused_subscriber_overflows_its_bounded_queue() -> None:
    async def scenario() -> None:
        subscriber = _subscriber(lambda frame: False)
        for text in ("a", "b", "c"):
            subscriber.send(text)
        assert subscriber.queue.qsize() == 2
        assert subscriber.overflowed.is_set()

    asyncio.run(scenario())


def test_one_frame_per_event_is_shared_by_plain_subscribers() -> None:
    frames: list[bytes] = []

    async def scenario() -> None:
        subscribers = [_subscriber(lambda f: frames.append(f) or True) for _ in range(3)]
        for s in subscribers:
            s.last["p"] = 0
        event = {"seq": 1, "type": "panel.updated", "panel_id": "p", "payload": {}, "at": "x"}
        event["created_at"] = "2026-12-01T00:00:00+00:00"
        assert all(s.offer(event) for s in subscribers)
        assert not subscribers[0].offer(event)  # a duplicate is not sent twice

    asyncio.run(scenario())
    assert len(frames) == 3 and frames[0] is frames[1] is frames[2]
