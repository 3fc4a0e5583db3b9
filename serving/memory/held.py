"""Whole answers a route held, sent again before routing while the tenant is unchanged.

The routes hold a 200 answer with ``Reading.hold``; ``HeldAnswers`` (ASGI middleware) answers
the same GET from it, as fresh as a query would be (``serving.memory.catalog``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.clock import today
from core.settings import Settings
from serving.auth import security
from serving.http.errors import ApiError
from serving.memory.catalog import Catalog


@dataclass(frozen=True, slots=True)
class Held:
    """A 200 answer as it was sent: its headers, its body, its ETag, and the route that made
    it (for the request's metrics and logs)."""

    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str | None
    route: Any


def http_key(scope: Scope) -> tuple[Any, ...]:
    """A GET as asked, and the day relative date filters resolve against."""
    return ("http", scope["path"], scope["query_string"], today())


@dataclass(frozen=True, slots=True)
class _Who:
    tenant_id: uuid.UUID
    actor_id: uuid.UUID


class HeldAnswers:
    """ASGI middleware: a GET whose whole answer this process holds is answered before routing.

    It needs a JWT whose account an earlier request checked (held, so unchanged since), and an
    answer the route held for that tenant and that exact path and query. Anything else (an API
    token, a first request, a miss) goes on to the application, carrying the ticket so that
    the request does not wait for a second barrier. Rate limits count it as they count any
    read; a refused one goes on to the application, which answers 429.
    """

    def __init__(self, app: ASGIApp, catalog: Catalog, settings: Settings, limits: Any) -> None:
        self.app = app
        self.catalog = catalog
        self.settings = settings
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.catalog.ready:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if token is None:
            await self.app(scope, receive, send)
            return
        try:
            claims = security.decode_jwt(self.settings, token)
        except security.InvalidToken:
            await self.app(scope, receive, send)
            return
        ticket = await self.catalog.sync()
        state = scope.setdefault("state", {})
        state["panels_ticket"] = ticket
        tenant = claims.tenant_id
        principal = self.catalog.get(ticket, tenant, ("principal", claims.subject))
        held: Held | None = (
            self.catalog.get(ticket, tenant, http_key(scope)) if principal is not None else None
        )
        if held is None:
            await self.app(scope, receive, send)
            return
        if self.limits is not None:
            try:
                await self.limits.ahit(_Who(tenant, principal.actor_id))
            except ApiError as exc:  # RateLimited: the application answers it, as ever
                state["panels_refused"] = exc
                await self.app(scope, receive, send)
                return
        state["tenant_id"], state["user_id"] = str(tenant), str(principal.user_id)
        scope["route"] = held.route
        if held.etag is not None and _header(scope, b"if-none-match") == held.etag.encode():
            start: Message = {
                "type": "http.response.start",
                "status": 304,
                "headers": [(b"etag", held.etag.encode())],
            }
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(held.headers)})
        await send({"type": "http.response.body", "body": held.body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None or value[:7].lower() != b"bearer ":
        return None
    token = value[7:].strip().decode("latin-1")
    return None if token.startswith(security.TOKEN_PREFIX) else token
