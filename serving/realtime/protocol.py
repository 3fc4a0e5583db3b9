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
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

WRITE_FRAME = "panels.write_frame"


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
