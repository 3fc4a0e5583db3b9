"""uvicorn's WebSocket protocol with one addition: prebuilt frames written straight to the socket.

An event fans out to thousands of connections as the same bytes: a server's text frame is
never masked, so it can be framed once and handed to every socket. The stock ASGI path frames
each copy again and passes it through Starlette, uvicorn's ``send`` and websockets' state
machine (about 30 µs a copy here); this protocol offers the ASGI extension
``panels.write_frame`` instead, a callable that writes a whole prebuilt frame to the transport
and answers whether it did. It refuses (and the caller queues the message for the ordinary
path) unless the handshake is done, no close was sent or received, and the transport is not
paused for backpressure: a slow client still fills its queue and is disconnected as before.

Only whole frames go through it, so websockets' state machine (which frames pings, pongs and
the close handshake) never sees a message cut in two.

The messages the server sends are defined here too, each a frozen dataclass, and ``encode``
is the one way they become text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from core.events import Event

WRITE_FRAME = "panels.write_frame"


@dataclass(frozen=True)
class Style:
    """How a message is spelled in JSON."""

    separators: tuple[str, str]
    ensure_ascii: bool = True


# Clients have always received these spellings; a message keeps its own so that no byte on the
# wire changes: events, pings and pongs compact, the acknowledgements and errors as json.dumps
# writes by default, and the error before a refused connection's close as Starlette's
# send_json (compact, not ASCII-escaped).
COMPACT = Style((",", ":"))
SPACED = Style((", ", ": "))
COMPACT_UTF8 = Style((",", ":"), ensure_ascii=False)
OMIT_IF_NONE = {"omit_if_none": True}  # field metadata: the key is left out when None


@dataclass(frozen=True)
class ServerMessage:
    """A message to a client: ``{"type": TYPE, <its fields in order>}``."""

    TYPE: ClassVar[str]
    STYLE: ClassVar[Style] = SPACED


@dataclass(frozen=True)
class Welcome(ServerMessage):
    TYPE = "welcome"
    tenant: str
    heartbeat_seconds: float


@dataclass(frozen=True)
class Subscribed(ServerMessage):
    TYPE = "subscribed"
    panel_id: str
    view_id: str | None


@dataclass(frozen=True)
class Replayed(ServerMessage):
    """After a resumed subscription's replay: how many events it delivered."""

    TYPE = "replayed"
    panel_id: str
    count: int


@dataclass(frozen=True)
class Unsubscribed(ServerMessage):
    TYPE = "unsubscribed"
    panel_id: str


@dataclass(frozen=True)
class Ping(ServerMessage):
    """The heartbeat."""

    TYPE = "ping"
    STYLE = COMPACT


@dataclass(frozen=True)
class Pong(ServerMessage):
    TYPE = "pong"
    STYLE = COMPACT


@dataclass(frozen=True)
class Error(ServerMessage):
    """A bad message (``bad_message``) or a subscription to nothing (``not_found``)."""

    TYPE = "error"
    code: str
    detail: str
    panel_id: str | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class Refusal(ServerMessage):
    """The error a refused credential gets before the close (``unauthorized``, ``rate_limited``)."""

    TYPE = "error"
    STYLE = COMPACT_UTF8
    code: str
    detail: str


@dataclass(frozen=True)
class EventMessage(ServerMessage):
    """An outbox event; ``id`` is its ``seq``, what a client resumes from."""

    TYPE = "event"
    STYLE = COMPACT
    id: int
    event: str
    panel_id: str | None
    data: Any
    at: str
    view_ids: list[str] | None = field(default=None, metadata=OMIT_IF_NONE)

    @classmethod
    def of(cls, event: Event, view_ids: Iterable[str] | None = None) -> EventMessage:
        """The message of an event, naming the subscribed views it is sent for (if any)."""
        return cls(
            id=event["seq"],
            event=event["type"],
            panel_id=event["panel_id"],
            data=event["payload"],
            at=event["created_at"],
            view_ids=sorted(view_ids) if view_ids else None,
        )


def encode(message: ServerMessage) -> str:
    """The JSON text of a server message: ``type`` first, then its fields in order."""
    body: dict[str, Any] = {"type": message.TYPE}
    for f in fields(message):
        value = getattr(message, f.name)
        if value is None and f.metadata.get("omit_if_none"):
            continue
        body[f.name] = value
    style = message.STYLE
    return json.dumps(
        body, separators=style.separators, ensure_ascii=style.ensure_ascii, default=str
    )


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented, uncompressed text frame (valid with or without deflate)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class PanelsWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            scope["extensions"][WRITE_FRAME] = self.write_frame

    def write_frame(self, frame: bytes) -> bool:
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
