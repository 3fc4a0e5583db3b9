"""A panel's live events as typed values: the WebSocket's event messages and webhook bodies.

Both carry the same JSON: ``{"type": "event", "id": 42, "event": "panel.materialized",
"panel_id": ..., "data": {...}, "at": ...}``. ``parse_event`` reads one into the dataclass of
its event type, whose ``data`` is that type's payload. The vocabulary is the API's own
(``core/events.py``: ``EventType`` and a payload per type), repeated here because this package
stands alone; ``tests/test_clients.py`` holds the two equal. OpenAPI describes no WebSocket,
so the generator cannot make any of this.

``events()`` subscribes to panels on ``/api/v1/ws`` and yields their events (extra ``events``:
websockets).
"""

# No `from __future__ import annotations` here: TypedDict reads NotRequired[...] only from
# evaluated annotations (Python 3.11), and parse_event relies on __required_keys__.
import enum
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final, NotRequired, TypedDict
from uuid import UUID


class EventType(enum.StrEnum):
    panel_updated = "panel.updated"  # the panel's definition changed (panel, source, column, view)
    panel_deleted = "panel.deleted"
    sync_started = "sync.started"
    panel_materialized = "panel.materialized"  # a new version is served (a sync, a rollback)
    schema_changed = "schema.changed"  # ... and its columns differ from the previous version's
    checks_failed = "checks.failed"  # error quality rules failed: the version was not published
    sync_failed = "sync.failed"


# The payloads, as core/events.py declares them (absent keys are NotRequired there too).


class PanelChanged(TypedDict):
    """``panel.updated`` and ``panel.deleted``: which object of the panel changed, and how."""

    panel_id: str
    object_type: str
    object_id: str
    action: str


class SyncStarted(TypedDict):
    panel_id: str
    dagster_run_id: str | None


class CheckSummary(TypedDict):
    name: str
    severity: str
    success: bool
    unexpected_count: int | None


class Materialized(TypedDict):
    """``panel.materialized``: a sync's publish (with its checks) or a rollback."""

    panel_id: str
    version: int
    dagster_run_id: str | None
    row_count: int | None
    rejects: int | None
    duration_seconds: NotRequired[float]
    check_status: NotRequired[str | None]
    checks: NotRequired[list[CheckSummary]]
    rolled_back_from: NotRequired[int | None]


class SchemaChanged(TypedDict):
    panel_id: str
    version: int
    before: list[dict[str, str]]
    after: list[dict[str, str]]


class ChecksFailed(TypedDict):
    panel_id: str
    version: int
    dagster_run_id: str | None
    error: str
    failed: list[dict[str, Any]]


class SyncFailed(TypedDict):
    """``sync.failed``; ``version`` only when the publish had begun one (or tried to)."""

    panel_id: str
    dagster_run_id: str | None
    error: str
    version: NotRequired[int | None]


PAYLOADS: Final[Mapping[EventType, Any]] = {  # Any: TypedDict classes have no common type
    EventType.panel_updated: PanelChanged,
    EventType.panel_deleted: PanelChanged,
    EventType.sync_started: SyncStarted,
    EventType.panel_materialized: Materialized,
    EventType.schema_changed: SchemaChanged,
    EventType.checks_failed: ChecksFailed,
    EventType.sync_failed: SyncFailed,
}


@dataclass(frozen=True)
class _Event:
    id: int  # the delivery sequence: resume after the last one seen (last_event_id)
    panel_id: str | None
    at: datetime  # when the event was written
    view_ids: tuple[str, ...]  # the subscribed views it was sent for; empty: the panel


@dataclass(frozen=True)
class PanelUpdatedEvent(_Event):
    type: ClassVar[EventType] = EventType.panel_updated
    data: PanelChanged


@dataclass(frozen=True)
class PanelDeletedEvent(_Event):
    type: ClassVar[EventType] = EventType.panel_deleted
    data: PanelChanged


@dataclass(frozen=True)
class SyncStartedEvent(_Event):
    type: ClassVar[EventType] = EventType.sync_started
    data: SyncStarted


@dataclass(frozen=True)
class PanelMaterializedEvent(_Event):
    type: ClassVar[EventType] = EventType.panel_materialized
    data: Materialized


@dataclass(frozen=True)
class SchemaChangedEvent(_Event):
    type: ClassVar[EventType] = EventType.schema_changed
    data: SchemaChanged


@dataclass(frozen=True)
class ChecksFailedEvent(_Event):
    type: ClassVar[EventType] = EventType.checks_failed
    data: ChecksFailed


@dataclass(frozen=True)
class SyncFailedEvent(_Event):
    type: ClassVar[EventType] = EventType.sync_failed
    data: SyncFailed


@dataclass(frozen=True)
class UnknownEvent(_Event):
    """An event type this version of the client does not know (from a newer API)."""

    event: str
    data: dict[str, Any]


Event = (
    PanelUpdatedEvent
    | PanelDeletedEvent
    | SyncStartedEvent
    | PanelMaterializedEvent
    | SchemaChangedEvent
    | ChecksFailedEvent
    | SyncFailedEvent
    | UnknownEvent
)

_CLASSES: Final[Mapping[EventType, Callable[..., Event]]] = {
    EventType.panel_updated: PanelUpdatedEvent,
    EventType.panel_deleted: PanelDeletedEvent,
    EventType.sync_started: SyncStartedEvent,
    EventType.panel_materialized: PanelMaterializedEvent,
    EventType.schema_changed: SchemaChangedEvent,
    EventType.checks_failed: ChecksFailedEvent,
    EventType.sync_failed: SyncFailedEvent,
}


def parse_event(message: str | bytes | Mapping[str, Any]) -> Event:
    """The typed event of an event message (its JSON text, or already parsed).

    Raises ``ValueError`` for anything else: another kind of message, or an event whose
    ``data`` lacks a key its type always has. An event type unknown to this client is an
    ``UnknownEvent``, not an error.
    """
    body = json.loads(message) if isinstance(message, str | bytes) else message
    if not isinstance(body, Mapping) or body.get("type") != "event":
        raise ValueError(f"not an event message: {str(body)[:200]}")
    name, data, seq, at = body.get("event"), body.get("data"), body.get("id"), body.get("at")
    if not (isinstance(name, str) and isinstance(data, dict) and isinstance(at, str)):
        raise ValueError(f"an event message has a string event and at, and a data object: {body}")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValueError(f"an event message's id is a whole number: {seq!r}")
    panel_id = body.get("panel_id")
    common: dict[str, Any] = {
        "id": seq,
        "panel_id": panel_id if isinstance(panel_id, str) else None,
        "at": datetime.fromisoformat(at),
        "view_ids": tuple(body.get("view_ids") or ()),
    }
    try:
        kind = EventType(name)
    except ValueError:
        return UnknownEvent(**common, event=name, data=data)
    missing = PAYLOADS[kind].__required_keys__ - data.keys()
    if missing:
        raise ValueError(f"{name} event {seq}: its data lacks {', '.join(sorted(missing))}")
    return _CLASSES[kind](**common, data=data)


class EventStreamError(Exception):
    """The server refused the stream or a subscription: its error ``code`` and ``detail``
    (``unauthorized``: get a new token; ``not_found``: no such panel or view here)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code, self.detail = code, detail
        super().__init__(f"{code}: {detail}")


def websocket_url(base_url: str) -> str:
    """The API's WebSocket address from its base URL (``http://host:8000`` and such)."""
    return re.sub(r"^http", "ws", base_url.rstrip("/"), count=1) + "/api/v1/ws"


async def events(
    base_url: str,
    token: str,
    panels: Iterable[str | UUID],
    *,
    last_event_id: int | None = None,
    open_timeout: float = 10,
) -> AsyncIterator[Event]:
    """The events of ``panels`` (ids or slugs) as they happen, until the server closes.

    With ``last_event_id`` (the ``id`` of the last event seen), the events after it come first:
    none is missed across a reconnection. Without it, from now on. Raises
    ``EventStreamError`` when the server refuses the token or a panel, and websockets'
    ``ConnectionClosedError`` when the connection drops (reconnect with ``last_event_id``).
    """
    from websockets.asyncio.client import connect  # noqa: PLC0415 - the optional extra

    subscribe: dict[str, Any] = {"type": "subscribe"}
    if last_event_id is not None:
        subscribe["last_event_id"] = last_event_id
    async with connect(
        websocket_url(base_url),
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=open_timeout,
    ) as socket:
        for panel in panels:
            await socket.send(json.dumps({**subscribe, "panel_id": str(panel)}))
        async for text in socket:
            message = json.loads(text)
            if message.get("type") == "event":
                yield parse_event(message)
            elif message.get("type") == "error":
                raise EventStreamError(str(message.get("code")), str(message.get("detail")))
            # welcome, subscribed, replayed, ping: nothing to hand on (pings need no answer)
