"""``/api/v1/ws``: live panel events over a WebSocket.

Authenticate with the JWT or API token in the ``Authorization`` header, as a subprotocol
``bearer.<token>`` (next to ``panels.v1``, for browsers), or as the first message
``{"type": "auth", "token": ...}`` within 10 seconds; never in the URL. Then:

- ``{"type": "subscribe", "panel_id": ..., "view_id"?: ..., "last_event_id"?: N}`` →
  ``{"type": "subscribed", ...}`` after replaying every event of the panel with id > N
- ``{"type": "unsubscribe", "panel_id": ...}`` → ``{"type": "unsubscribed", ...}``
- ``{"type": "ping"}`` → ``{"type": "pong"}``; the server sends ``{"type": "ping"}`` every
  ``PANELS_WS_HEARTBEAT_SECONDS``
- events: ``{"type": "event", "id": N, "event": "panel.materialized", "panel_id": ...,
  "data": {...}, "at": ...}``; keep the last ``id`` to resume after a reconnect.

A refused credential is never an HTTP error at the handshake (a browser sees none of it): the
socket opens, gets ``{"type": "error", "code": "unauthorized", "detail": ...}`` and closes.
Close codes: 4401 unauthorised (bad, expired or revoked credential: sign in again, do not
retry), 4429 rate limited, 4400 bad message, 4008 too slow (the per-connection queue filled
up: reconnect and resume with ``last_event_id``), 1001 server going away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.security import HTTPAuthorizationCredentials

from models.db import tenant_context
from schemas.common import did_you_mean, unknown_name
from serving.api.state import app_state
from serving.auth.principal import Principal
from serving.http.errors import ApiError
from serving.reads.names import REFS, Ref, candidates, lookup
from serving.reads.session import authenticate_async
from serving.realtime.hub import Hub, Subscriber
from serving.realtime.protocol import (
    WRITE_FRAME,
    Error,
    Ping,
    Pong,
    Refusal,
    Replayed,
    Subscribed,
    Unsubscribed,
    Welcome,
    encode,
)

router = APIRouter(tags=["events"])
logger = logging.getLogger("panels.ws")
PROTOCOL = "panels.v1"
AUTH_TIMEOUT = 10.0
CLOSE_TIMEOUT = 60.0
UNAUTHORIZED, BAD_MESSAGE, TOO_SLOW, RATE_LIMITED = 4401, 4400, 4008, 4429
PING, PONG = encode(Ping()), encode(Pong())


def _offered_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to accept) from the header or the subprotocol list."""
    offered = list(websocket.scope.get("subprotocols") or [])
    accept = PROTOCOL if PROTOCOL in offered else None
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), accept
    for item in offered:
        if item.startswith("bearer."):
            return item[len("bearer.") :], accept or item
    return None, accept


async def _principal(websocket: WebSocket, token: str) -> Principal:
    app = websocket.app
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    async with app_state(app).reader.connect() as conn:
        principal = await authenticate_async(
            conn,
            app_state(app).settings,
            credentials,
            websocket.scope.get("state", {}).get("request_id"),
        )
        await conn.commit()
    limits = app_state(app).rate_limits
    if limits is not None:
        await limits.ahit(principal)
    return principal


async def _resolve(
    websocket: WebSocket, principal: Principal, panel_ref: str, view_ref: str | None
) -> tuple[uuid.UUID, uuid.UUID | None] | str:
    """The panel (id or slug) and view (id or name) subscribed to, or why there is none."""
    tenant = principal.tenant_id
    async with app_state(websocket.app).reader.connect() as conn:
        await conn.execute(*tenant_context(tenant))
        panel = await _find(conn, REFS["panel_id"], tenant, panel_ref, None)
        if isinstance(panel, str):
            return f"panel {panel_ref} does not exist{panel}"
        if view_ref is None:
            return panel, None
        view = await _find(conn, REFS["view_id"], tenant, view_ref, panel)
        if isinstance(view, str):
            return f"view {view_ref} does not exist{view}"
    return panel, view


async def _find(
    conn: Any, ref: Ref, tenant: uuid.UUID, name: str, panel: uuid.UUID | None
) -> uuid.UUID | str:
    """The id of the object ``name`` names (its id or its name), or a hint of the closest name."""
    found = await conn.scalar(lookup(ref, tenant, name, panel))
    if found is not None:
        return uuid.UUID(str(found))
    names = (await conn.scalars(candidates(ref, tenant, panel))).all()
    return await asyncio.to_thread(did_you_mean, name, names)  # off the loop: it is CPU


def _ref(message: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = message.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 200 or "\x00" in value:
        raise ValueError(f"{key} must be an id or a name")
    return value


MESSAGE_FIELDS = {
    "subscribe": ("type", "panel_id", "view_id", "last_event_id"),
    "unsubscribe": ("type", "panel_id"),
    "ping": ("type",),
    "pong": ("type",),
}


async def _handle(
    websocket: WebSocket, hub: Hub, subscriber: Subscriber, principal: Principal, message: Any
) -> None:
    if not isinstance(message, dict):
        raise ValueError("a message is a JSON object with a type")
    kind = message.get("type")
    for name in message:
        if kind in MESSAGE_FIELDS and name not in MESSAGE_FIELDS[kind]:
            raise ValueError(unknown_name(str(name), MESSAGE_FIELDS[kind], f"field of {kind}"))
    if kind == "ping":
        subscriber.send(PONG)
    elif kind == "pong":
        pass
    elif kind == "subscribe":
        panel_ref = _ref(message, "panel_id")
        view_ref = _ref(message, "view_id", required=False)
        after = message.get("last_event_id")
        if after is not None and (
            not isinstance(after, int) or isinstance(after, bool) or after < 0
        ):
            raise ValueError("last_event_id must be a whole number >= 0")
        assert panel_ref is not None
        found = await _resolve(websocket, principal, panel_ref, view_ref)
        if isinstance(found, str):
            subscriber.send(encode(Error("not_found", found, panel_id=panel_ref)))
            return
        panel, view = found
        # The acknowledgement goes first; replayed events follow it, then live ones.
        subscriber.send(encode(Subscribed(str(panel), str(view) if view else None)))
        replayed = await hub.subscribe(subscriber, str(panel), after, str(view) if view else None)
        if after is not None:
            subscriber.send(encode(Replayed(str(panel), replayed)))
    elif kind == "unsubscribe":
        ref = _ref(message, "panel_id")
        assert ref is not None
        resolved = await _resolve(websocket, principal, ref, None)
        unsubscribed = str(resolved[0]) if isinstance(resolved, tuple) else ref
        hub.unsubscribe(subscriber, unsubscribed)
        subscriber.send(encode(Unsubscribed(unsubscribed)))
    else:
        raise ValueError(f"unknown message type {kind!r}; use subscribe, unsubscribe or ping")


async def _sender(websocket: WebSocket, subscriber: Subscriber) -> None:
    while True:
        text = await subscriber.queue.get()
        await websocket.send_text(text)


async def _heartbeat(subscriber: Subscriber, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        subscriber.send(PING)


async def _refuse(websocket: WebSocket, refused: ApiError) -> None:
    """An error message saying why, then the close: 4429 when rate limited, else 4401."""
    limited = refused.status == 429
    code = RATE_LIMITED if limited else UNAUTHORIZED
    with contextlib.suppress(Exception):
        await websocket.send_text(
            encode(Refusal("rate_limited" if limited else "unauthorized", refused.detail))
        )
        # A close reason is at most 123 bytes of UTF-8.
        reason = refused.detail.encode()[:123].decode(errors="ignore")
        await websocket.close(code=code, reason=reason)


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    app = websocket.app
    hub: Hub = app_state(app).hub
    settings = app_state(app).settings
    token, subprotocol = _offered_token(websocket)
    principal: Principal | None = None
    refused: ApiError | None = None
    if token is not None:
        try:
            principal = await _principal(websocket, token)
        except ApiError as exc:
            refused = exc
    await websocket.accept(subprotocol=subprotocol)
    if refused is not None:
        # Accepted, then closed with a code: a refused handshake would be an HTTP 403 that a
        # browser's WebSocket never sees (only 1006), so it could not tell "sign in again"
        # from "network down, retry".
        logger.info("websocket refused", extra={"reason": refused.detail})
        await _refuse(websocket, refused)
        return
    if principal is None:
        try:
            first = await asyncio.wait_for(websocket.receive_json(), AUTH_TIMEOUT)
            if (
                not isinstance(first, dict)
                or first.get("type") != "auth"
                or not isinstance(first.get("token"), str)
            ):
                raise ApiError(401, 'the first message must be {"type": "auth", "token": ...}')
            principal = await _principal(websocket, first["token"])
        except (ApiError, TimeoutError, ValueError, WebSocketDisconnect) as exc:
            await _refuse(
                websocket,
                exc if isinstance(exc, ApiError) else ApiError(401, "authentication expected"),
            )
            return
    state = websocket.scope.setdefault("state", {})
    state["tenant_id"], state["user_id"] = str(principal.tenant_id), str(principal.user_id)
    subscriber = Subscriber(
        principal.tenant_id,
        settings.ws_queue_size,
        websocket.scope.get("extensions", {}).get(WRITE_FRAME),
    )
    hub.add(subscriber)
    subscriber.send(encode(Welcome(principal.tenant_slug, settings.ws_heartbeat_seconds)))
    tasks: list[asyncio.Future[Any]] = [
        asyncio.ensure_future(_sender(websocket, subscriber)),
        asyncio.ensure_future(_heartbeat(subscriber, settings.ws_heartbeat_seconds)),
        asyncio.ensure_future(subscriber.overflowed.wait()),
    ]
    code, reason = 1000, ""
    try:
        receiving = asyncio.ensure_future(_receive(websocket, hub, subscriber, principal))
        done, _ = await asyncio.wait([receiving, *tasks], return_when=asyncio.FIRST_COMPLETED)
        if tasks[2] in done:
            code, reason = TOO_SLOW, "too slow: reconnect and resume with last_event_id"
            logger.warning(
                "slow websocket client disconnected", extra={"queue": settings.ws_queue_size}
            )
        elif receiving in done and receiving.exception() is None:
            code, reason = receiving.result()
        tasks.append(receiving)
    finally:
        hub.remove(subscriber)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if code != 1000 or reason:
        # The close frame queues behind what the client was already sent: a slow client gets
        # it once it reads that far. Its subscription is gone already, so nothing piles up.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code=code, reason=reason), CLOSE_TIMEOUT)


async def _receive(
    websocket: WebSocket, hub: Hub, subscriber: Subscriber, principal: Principal
) -> tuple[int, str]:
    """Handle client messages until it leaves (→ 1000) or sends a bad one (→ 4400)."""
    while True:
        try:
            message = await websocket.receive_json()
        except WebSocketDisconnect:
            return 1000, ""
        except ValueError:
            return BAD_MESSAGE, "messages are JSON objects"
        try:
            await _handle(websocket, hub, subscriber, principal, message)
        except ValueError as exc:
            subscriber.send(encode(Error("bad_message", str(exc))))
