"""A webhook receiver for tests: a real HTTP server on loopback that records what arrives.

``answer`` decides each response from the request (and how many came before it): a status,
headers, a body, and an optional delay before answering.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0
    endless: bool = False  # announce a huge body, send some of it, then stall


Answer = Callable[[Received, int], Reply]


class Receiver:
    def __init__(self, answer: Answer | None = None) -> None:
        self.answer: Answer = answer or (lambda _r, _n: Reply())
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                got = Received(
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                    time.monotonic(),
                )
                with receiver.arrived:
                    count = len(receiver.received)
                    receiver.received.append(got)
                    receiver.arrived.notify_all()
                reply = receiver.answer(got, count)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    size = 1 << 40 if reply.endless else len(reply.body)
                    self.send_header("content-length", str(size))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    if reply.endless:
                        self.wfile.flush()
                        time.sleep(5)
                except OSError:
                    pass  # the sender gave up (a timeout, a killed deliverer)

            def log_message(self, *_args: Any) -> None:
                pass

        self.connections: list[Any] = []

        class Server(ThreadingHTTPServer):
            def process_request(self, request: Any, client_address: Any) -> None:
                receiver.connections.append(request)
                super().process_request(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """At least ``count`` requests (all of them so far), or AssertionError."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received)} of {count} webhooks arrived")
                self.arrived.wait(left)
            return list(self.received)


@contextmanager
def receiver(answer: Answer | None = None) -> Iterator[Receiver]:
    r = Receiver(answer)
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()
        for connection in r.connections:  # kept alive by the sender: closed here
            with contextlib.suppress(OSError):
                connection.close()
