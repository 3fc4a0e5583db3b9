"""The hub: this process's WebSocket subscribers, fed by the broker, resumed from the outbox.

Each subscriber keeps, per subscribed panel, the last ``seq`` it was given. Subscribing (or a
broker reconnect) replays ``seq > last`` from the outbox while live events for that panel are
held aside, then releases the held ones above the new ``last``: no gap and no duplicate.
Delivery never waits on a client: each subscriber has a bounded queue, and a full queue marks
it for disconnection (a slow client never slows the others).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.events import Event, as_event
from models import PanelEvent
from models.db import tenant_context
from serving.http.metrics import EVENTS_DELIVERED, WEBSOCKETS
from serving.realtime.broker import RESYNC, Broker
from serving.realtime.protocol import EventMessage, encode, text_frame

logger = logging.getLogger("panels.events")
REPLAY_BATCH = 500
FANOUT_SLICE = 250
CLAIM_WAIT_SECONDS = 2.0
CLAIM_POLL_SECONDS = 0.02


WriteFrame = Callable[[bytes], bool]


class Subscriber:
    """One connection's subscriptions and its outgoing messages.

    ``write_frame`` (the ``panels.write_frame`` extension of our uvicorn protocol, None
    elsewhere) puts a prebuilt frame on the socket at once; it is used only while nothing
    waits in the queue, so messages keep their order. Otherwise, or when it refuses (a socket
    under backpressure, a closing one), the message waits in the bounded queue for the sender.
    """

    def __init__(
        self, tenant_id: uuid.UUID, queue_size: int, write_frame: WriteFrame | None = None
    ) -> None:
        self.tenant_id = str(tenant_id)
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.write_frame = write_frame
        self.last: dict[str, int] = {}
        self.views: dict[str, set[str]] = {}
        self.held: dict[str, list[Event]] = {}
        self.overflowed = asyncio.Event()

    def send(self, text: str, frame: bytes | None = None) -> None:
        write = self.write_frame
        if (
            write is not None
            and self.queue.empty()
            and write(frame if frame is not None else text_frame(text))
        ):
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.overflowed.set()

    def offer(self, event: Event) -> bool:
        """Take a live event; True when it was sent (not held aside, not a duplicate)."""
        panel = event["panel_id"]
        if panel in self.held:  # being subscribed or replayed: released (deduplicated) after
            self.held[panel].append(event)
            return False
        if panel not in self.last:
            return False
        return self.deliver(event)

    def deliver(self, event: Event) -> bool:
        panel = event["panel_id"]
        if event["seq"] <= self.last.get(panel, 0):
            return False  # replayed already, or republished after a relay crash
        self.last[panel] = event["seq"]
        views = self.views.get(panel)
        if views:
            self.send(encode(EventMessage.of(event, views)))
            return True
        # Every plain subscriber gets the same bytes: encoded and framed once per event.
        text = event.get("_text") or event.setdefault("_text", encode(EventMessage.of(event)))
        frame = event.get("_frame") or event.setdefault("_frame", text_frame(text))
        self.send(text, frame)
        return True

    def replay(self, event: Event) -> None:
        if self.deliver(event):
            EVENTS_DELIVERED.inc()


class Hub:
    def __init__(self, engine: AsyncEngine, broker: Broker) -> None:
        self.engine = engine
        self.broker = broker
        self.subscribers: dict[str, set[Subscriber]] = defaultdict(set)
        self.listening = asyncio.Event()

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    def add(self, subscriber: Subscriber) -> None:
        self.subscribers[subscriber.tenant_id].add(subscriber)
        WEBSOCKETS.inc()

    def remove(self, subscriber: Subscriber) -> None:
        group = self.subscribers.get(subscriber.tenant_id)
        if group is not None and subscriber in group:
            WEBSOCKETS.dec()
            group.discard(subscriber)
            if not group:
                del self.subscribers[subscriber.tenant_id]

    async def run(self) -> None:
        async for item in self.broker.listen():
            if item == RESYNC:
                self.listening.set()
                # Hold every subscription now, before the next item: a live event already
                # buffered behind RESYNC must not move a subscriber past what the replay
                # is about to deliver (events published while this process was away).
                asyncio.get_running_loop().create_task(self.resync(self._hold_all()))
                continue
            assert isinstance(item, dict)
            group = self.subscribers.get(str(item["tenant_id"]))
            if not group:
                continue
            event = await self._fetch(item) if item.get("ref") else item
            if event is not None:
                sent = 0
                for i, subscriber in enumerate(list(group), 1):
                    sent += subscriber.offer(event)
                    if i % FANOUT_SLICE == 0:
                        # Let the sockets already given the event send it (and other requests
                        # run) while the rest are offered: thousands of subscribers otherwise
                        # hold the loop for tens of milliseconds before the first byte goes out.
                        await asyncio.sleep(0)
                EVENTS_DELIVERED.inc(sent)

    @asynccontextmanager
    async def _tenant(self, tenant_id: str) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            await conn.execute(*tenant_context(uuid.UUID(tenant_id)))
            yield conn

    async def _fetch(self, ref: Event) -> Event | None:
        """A Postgres-broker notification names the event; read it (tenant-scoped)."""
        async with self._tenant(str(ref["tenant_id"])) as conn:
            rows = await self._events(conn, ref["tenant_id"], None, ref["seq"] - 1, limit=1)
        return rows[0] if rows and rows[0]["seq"] == ref["seq"] else None

    @staticmethod
    async def _events(
        conn: AsyncConnection, tenant_id: str, panel_id: str | None, after: int, limit: int
    ) -> list[Event]:
        stmt = (
            select(
                PanelEvent.seq,
                PanelEvent.tenant_id,
                PanelEvent.panel_id,
                PanelEvent.type,
                PanelEvent.payload,
                PanelEvent.created_at,
            )
            .where(PanelEvent.tenant_id == uuid.UUID(tenant_id), PanelEvent.seq > after)
            .order_by(PanelEvent.seq)
            .limit(limit)
        )
        if panel_id is not None:
            stmt = stmt.where(PanelEvent.panel_id == uuid.UUID(panel_id))
        return [as_event(r._asdict()) for r in await conn.execute(stmt)]

    async def subscribe(
        self, subscriber: Subscriber, panel_id: str, after: int | None, view_id: str | None
    ) -> int:
        """Follow a panel from ``after`` (None: from now); returns how many were replayed."""
        if view_id:
            subscriber.views.setdefault(panel_id, set()).add(view_id)
        subscriber.held[panel_id] = []
        try:
            if after is None:
                newest = await self._newest(subscriber.tenant_id, panel_id)
                subscriber.last[panel_id] = max(subscriber.last.get(panel_id, 0), newest)
                return 0
            subscriber.last[panel_id] = after
            return await self._catch_up(subscriber, panel_id)
        finally:
            for event in sorted(subscriber.held.pop(panel_id, []), key=lambda e: e["seq"]):
                subscriber.replay(event)

    async def _newest(self, tenant_id: str, panel_id: str) -> int:
        """The panel's newest ``seq`` once every event committed before now has one.

        The relay gives ``seq`` when it claims a committed event, a few milliseconds after the
        commit. An event committed before the subscription but not yet claimed would get a
        ``seq`` above today's newest and reach a client that asked for events from now on, so
        wait for the relay to claim those (at most ``CLAIM_WAIT_SECONDS``: with the relay
        down they are delivered later, an old event rather than a lost one).
        """
        of_panel = (
            PanelEvent.tenant_id == uuid.UUID(tenant_id),
            PanelEvent.panel_id == uuid.UUID(panel_id),
        )
        deadline = asyncio.get_running_loop().time() + CLAIM_WAIT_SECONDS
        newest_seq = func.coalesce(func.max(PanelEvent.seq), 0)
        unclaimed_count = func.count().filter(PanelEvent.seq.is_(None))
        # The first look also finds the newest event so far: what "before now" covers.
        async with self._tenant(tenant_id) as conn:
            first = select(func.max(PanelEvent.id), newest_seq, unclaimed_count)
            cut, newest, unclaimed = (await conn.execute(first.where(*of_panel))).one()
        again = select(newest_seq, unclaimed_count).where(*of_panel, PanelEvent.id <= (cut or 0))
        while unclaimed and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(CLAIM_POLL_SECONDS)
            # A connection per look: a wait (a relay that is away) holds none of the pool.
            async with self._tenant(tenant_id) as conn:
                newest, unclaimed = (await conn.execute(again)).one()
        return int(newest or 0)

    def unsubscribe(self, subscriber: Subscriber, panel_id: str) -> None:
        subscriber.last.pop(panel_id, None)
        subscriber.views.pop(panel_id, None)

    async def _catch_up(self, subscriber: Subscriber, panel_id: str) -> int:
        replayed = 0
        async with self._tenant(subscriber.tenant_id) as conn:
            while True:
                after = subscriber.last.get(panel_id)
                if after is None:  # unsubscribed meanwhile
                    return replayed
                rows = await self._events(conn, subscriber.tenant_id, panel_id, after, REPLAY_BATCH)
                for event in rows:
                    subscriber.replay(event)
                replayed += len(rows)
                if len(rows) < REPLAY_BATCH:
                    return replayed

    def _hold_all(self) -> list[tuple[Subscriber, str]]:
        """Hold live events aside for every subscription not already being replayed."""
        held = []
        for group in self.subscribers.values():
            for subscriber in group:
                for panel_id in subscriber.last:
                    if panel_id not in subscriber.held:  # else a subscribe is replaying it
                        subscriber.held[panel_id] = []
                        held.append((subscriber, panel_id))
        return held

    async def resync(self, held: list[tuple[Subscriber, str]]) -> None:
        """After a broker (re)connection: replay what each held subscription may have missed."""
        for subscriber, panel_id in held:
            try:
                await self._catch_up(subscriber, panel_id)
            except Exception:
                logger.exception("resync failed")
            finally:
                waiting = subscriber.held.pop(panel_id, [])
                for event in sorted(waiting, key=lambda e: e["seq"]):
                    subscriber.replay(event)
