"""Structured JSON logs carrying the request, tenant and user ids of the current request."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.http.metrics import observe_request

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := request_id_var.get()) is not None:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_logs else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the middleware logs each request
    logging.getLogger("alembic").setLevel(logging.WARNING)


SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def route_template(scope: Scope) -> str:
    """The matched route as a template, with the prefixes of the routers that include it."""
    route: str | None = getattr(scope.get("route"), "path", None)
    if not route:
        return "unmatched"
    segments = scope["path"].rstrip("/").split("/")
    inner = route.rstrip("/").count("/")
    # Path parameters never contain "/": what the route does not cover is its static prefix.
    return "/".join(segments[: len(segments) - inner]) + route


def _valid_request_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value)


class RequestContextMiddleware:
    """Assigns a request id (or keeps a sane incoming X-Request-ID), echoes it, logs the request."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False, max_body: int | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.logger = logging.getLogger("panels.http")
        # Security headers for every answer (JSON: nothing to frame, sniff or run).
        self.headers = list(SECURITY_HEADERS)
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def _within_limit(self, headers: dict[bytes, bytes], receive: Receive) -> Receive | None:
        """``receive`` when the body fits the limit, else None.

        A declared Content-Length is judged before reading a byte; a chunked body (at most
        the limit, so little) is read here and handed on from memory.
        """
        limit = self.max_body
        assert limit is not None
        declared = headers.get(b"content-length", b"")
        if declared.isdigit():
            return receive if int(declared) <= limit else None
        if b"transfer-encoding" not in headers:
            return receive
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive
            body += message.get("body", b"")
            if len(body) > limit:
                return None
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return replay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _valid_request_id(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                present = {name.lower() for name, _ in message["headers"]}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    *extra,
                ]
            await send(message)

        try:
            if self.max_body is not None and scope["type"] == "http":
                checked = await self._within_limit(headers, receive)
                if checked is None:
                    await JSONResponse(
                        {
                            "type": "payload_too_large",
                            "title": "Payload too large",
                            "status": 413,
                            "detail": f"the request body is over {self.max_body} bytes",
                            "errors": [],
                            "request_id": request_id,
                        },
                        status_code=413,
                    )(scope, _nothing, send_with_id)
                    return
                receive = checked
            await self.app(scope, receive, send_with_id)
        finally:
            route = route_template(scope)
            if scope["type"] == "http":
                observe_request(
                    scope.get("method", ""), route, status, time.perf_counter() - started
                )
            self.logger.info(
                "request",
                extra={
                    "method": scope.get("method", "WS"),
                    "path": scope["path"],
                    "operation": route,
                    "request_id": request_id,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "tenant_id": state.get("tenant_id"),
                    "user_id": state.get("user_id"),
                },
            )
            request_id_var.reset(token)
