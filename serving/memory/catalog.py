"""An in-process cache of read answers that is exactly as fresh as a query would be.

What it holds, per tenant: the account behind a JWT (active, role), the panel list pages, a
single panel, what a rows read resolves first (panel, version, view), and whole rows and
aggregates answers. It never holds anything a request could not have read itself: entries are
keyed by the tenant of the verified credential, and filled from that tenant's own queries.

**Invalidation.** Migration 0005 makes every committed change to the catalog tables (tenants,
users, panels, columns, views, view columns, versions) ``NOTIFY panels_catalog`` with the
tenant's id, at commit, whoever wrote it: the API, a Dagster run, a psql session. Each API
process LISTENs on a connection of its own and drops the tenant's entries when one arrives.

**Freshness: a barrier per batch of requests.** A notification arriving "soon" is not enough:
a client that saw a write commit (a PATCH answered, a Dagster run finished) may read at once,
maybe through another process. So before a request looks at the cache, it waits for a round
trip (``SELECT 1``) on the listening connection that was *sent after the request arrived*.
Postgres signals listening backends before it acknowledges a commit, and a listening backend
sends the notifications it holds before it answers its next query; psycopg hands them to us
before that query returns. So once the round trip is back, every change committed before the
request arrived has been applied, which is the guarantee a query gives. One round trip serves
every request that arrived while the previous one was out, so under load it is shared by many.

**Filling without a race.** An answer read from Postgres is stored only if no notification
for its tenant has arrived since its request's barrier (``Ticket``): a change that committed
after the answer's snapshot either arrives before the store (the store is refused) or after it
(the entry is dropped).

**When it cannot be sure, it steps aside.** Until the listener has connected, LISTENed and
seen a probe notification of its own come back (a transaction-pooling proxy would lose them),
and from the moment that connection fails until a new one has done the same, every read goes
to Postgres and nothing is stored. Reconnecting drops everything and starts a new generation,
so no entry or ticket from before the gap survives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import psycopg
from prometheus_client import Counter

logger = logging.getLogger("panels.catalog")
CHANNEL = "panels_catalog"
EVERYONE = "*"
PROBE = "probe:"

LOOKUPS = Counter(
    "read_memory_cache_lookups_total", "In-process read cache lookups", ["kind", "result"]
)


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a request knows after its barrier: the generation, and how many notifications
    had been applied."""

    generation: int
    seen: int


class Catalog:
    def __init__(
        self,
        conninfo: str,
        *,
        max_bytes: int,
        idle_seconds: float = 1.0,
        retry_seconds: float = 1.0,
    ) -> None:
        self.conninfo = conninfo
        self.max_bytes = max_bytes
        # Without requests the listener still looks every idle_seconds: notifications do not
        # pile up in the socket, and a lost connection is noticed.
        self.idle_seconds = idle_seconds
        self.retry_seconds = retry_seconds
        self._items: OrderedDict[tuple[uuid.UUID, Hashable], tuple[Any, int]] = OrderedDict()
        self._keys: dict[uuid.UUID, set[Hashable]] = {}
        self._changed: dict[uuid.UUID, int] = {}  # tenant -> index of its last notification
        self._bytes = 0
        self._seen = 0
        self._generation = 0
        self._ready = False
        self._probe: str | None = None
        self._probed = False
        self._waiting: asyncio.Future[bool] | None = None
        self._wake: asyncio.Event | None = None  # made on the loop that runs the listener
        self.barriers = 0
        self._counters = {
            (kind, result): LOOKUPS.labels(kind, result)
            for kind in ("principal", "target", "http")
            for result in ("hit", "miss")
        }

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def size_bytes(self) -> int:
        return self._bytes

    # --- what requests call ---------------------------------------------------------------

    async def sync(self) -> Ticket | None:
        """Wait for a barrier sent after this call; None when the cache is stepping aside."""
        if not self._ready:
            return None
        waiting = self._waiting
        if waiting is None:
            waiting = self._waiting = asyncio.get_running_loop().create_future()
            assert self._wake is not None
            self._wake.set()
        # Shared by every request of the batch: one cancelled request must not cancel it.
        if not await asyncio.shield(waiting) or not self._ready:
            return None
        return Ticket(self._generation, self._seen)

    def get(self, ticket: Ticket | None, tenant: uuid.UUID, key: tuple[Any, ...]) -> Any:
        if ticket is None or not self._ready:
            return None
        item = self._items.get((tenant, key))
        kind = key[0]
        if item is None:
            self._count(kind, "miss")
            return None
        self._items.move_to_end((tenant, key))
        self._count(kind, "hit")
        return item[0]

    def put(
        self, ticket: Ticket | None, tenant: uuid.UUID, key: tuple[Any, ...], value: Any, size: int
    ) -> bool:
        """Store an answer read after ``ticket``'s barrier, unless its tenant changed since."""
        if (
            ticket is None
            or not self._ready
            or ticket.generation != self._generation
            or self._changed.get(tenant, -1) > ticket.seen
            or size > self.max_bytes // 8
        ):
            return False
        item_key = (tenant, key)
        old = self._items.pop(item_key, None)
        if old is not None:
            self._bytes -= old[1]
        self._items[item_key] = (value, size)
        self._bytes += size
        self._keys.setdefault(tenant, set()).add(key)
        while self._bytes > self.max_bytes and self._items:
            (gone_tenant, gone_key), (_, gone_size) = self._items.popitem(last=False)
            self._bytes -= gone_size
            self._keys[gone_tenant].discard(gone_key)
        return True

    def _count(self, kind: Any, result: str) -> None:
        counter = self._counters.get((kind, result))
        if counter is not None:
            counter.inc()

    # --- the listener -----------------------------------------------------------------------

    async def run(self) -> None:
        """Listen, and answer barriers, for the life of the process (a lifespan task)."""
        self._wake = asyncio.Event()
        try:
            while True:
                try:
                    await self._listen()
                except (psycopg.Error, OSError, TimeoutError, ProbeLost) as exc:
                    logger.warning(
                        "read cache listener lost; reading from Postgres",
                        extra={"reason": f"{type(exc).__name__}: {exc}"},
                    )
                finally:
                    self._step_aside()
                await asyncio.sleep(self.retry_seconds)
        finally:
            self._step_aside()

    async def _listen(self) -> None:
        wake = self._wake
        assert wake is not None
        async with await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, application_name="panels-read-cache"
        ) as conn:
            conn.add_notify_handler(self._notified)
            await conn.execute(f"LISTEN {CHANNEL}")
            await self._probe_with(conn)
            # Whatever was held before this connection may have missed a notification.
            self._clear()
            self._generation += 1
            self._ready = True
            logger.info("read cache listening")
            while True:
                if not wake.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), self.idle_seconds)
                wake.clear()
                waiting, self._waiting = self._waiting, None
                try:
                    await conn.execute("SELECT 1")
                except BaseException:
                    if waiting is not None and not waiting.done():
                        waiting.set_result(False)
                    raise
                self.barriers += 1
                if waiting is not None and not waiting.done():
                    waiting.set_result(True)

    async def _probe_with(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """A notification sent from another connection must come back on this one."""
        self._probe, self._probed = f"{PROBE}{uuid.uuid4()}", False
        async with await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, application_name="panels-read-cache-probe"
        ) as other:
            await other.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self._probe))
        for _ in range(50):
            await conn.execute("SELECT 1")
            if self._probed:
                return
            await asyncio.sleep(0.02)
        raise ProbeLost("a probe notification did not come back (a pooling proxy?)")

    def _notified(self, notify: psycopg.Notify) -> None:
        if notify.channel != CHANNEL:
            return
        payload = notify.payload
        if payload.startswith(PROBE):
            self._probed = self._probed or payload == self._probe
            return
        self._seen += 1
        if payload == EVERYONE:
            self._clear()
            self._generation += 1
            return
        try:
            tenant = uuid.UUID(payload)
        except ValueError:
            logger.warning("unexpected catalog notification", extra={"payload": payload[:80]})
            self._clear()
            self._generation += 1
            return
        self._changed[tenant] = self._seen
        for key in self._keys.pop(tenant, ()):
            item = self._items.pop((tenant, key), None)
            if item is not None:
                self._bytes -= item[1]

    def _clear(self) -> None:
        self._items.clear()
        self._keys.clear()
        self._bytes = 0

    def _step_aside(self) -> None:
        self._ready = False
        self._clear()
        self._generation += 1
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_result(False)


class ProbeLost(Exception):
    pass
