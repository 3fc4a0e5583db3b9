"""The outbox relay: committed events → the broker, each exactly once in ``seq`` order.

Every API process runs one; a Postgres advisory lock lets one of them lead at a time, and
another takes over when the leader's connection ends. The leader wakes on ``NOTIFY
panels_outbox`` (an insert trigger fires it at commit) or every ``poll_seconds``. Each round
first republishes events that were claimed but not marked published (a relay killed between
its claim and the broker, or a broker that was down), then claims new ones. A crash can
therefore publish an event twice, never lose one; hubs drop a ``seq`` they already delivered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import psycopg
from psycopg.rows import dict_row

from core.events import Event, as_event
from core.storage import APP_ROLE
from serving.http.metrics import observe_relayed
from serving.realtime.broker import Broker

logger = logging.getLogger("panels.relay")
LOCK_KEY = 0x70616E656C73  # "panels"
BATCH = 500


class BrokerDown(Exception):
    pass


class OutboxRelay:
    def __init__(
        self,
        conninfo: str,
        broker: Broker,
        *,
        as_app_role: bool,
        poll_seconds: float = 1.0,
        standby_seconds: float = 2.0,
    ) -> None:
        self.conninfo = conninfo
        self.broker = broker
        self.as_app_role = as_app_role
        self.poll_seconds = poll_seconds
        self.standby_seconds = standby_seconds
        self.leading = False
        self.relayed = 0

    async def run(self) -> None:
        while True:
            try:
                await self._lead_or_stand_by()
            except (psycopg.OperationalError, OSError) as exc:
                if self.leading:
                    logger.warning("relay lost its database connection", extra={"reason": str(exc)})
                self.leading = False
                await asyncio.sleep(1.0)

    async def _lead_or_stand_by(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, row_factory=dict_row
        ) as conn:
            if self.as_app_role:
                await conn.execute(f"SET ROLE {APP_ROLE}")
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (LOCK_KEY,))
            got = await cur.fetchone()
            if not got or not got["got"]:
                await asyncio.sleep(self.standby_seconds)
                return
            await conn.execute("LISTEN panels_outbox")
            self.leading = True
            logger.info("relay leading", extra={"broker": self.broker.name})
            try:
                while True:
                    try:
                        await self.drain(conn)
                    except BrokerDown as exc:
                        logger.warning(
                            "broker unavailable; events wait in the outbox",
                            extra={"reason": str(exc)},
                        )
                        # Claiming needs no broker: events get their seq, and their webhook
                        # deliveries are queued; they are published when the broker is back.
                        await self.claim(conn)
                    async for _ in conn.notifies(timeout=self.poll_seconds, stop_after=1):
                        pass
            finally:
                self.leading = False

    async def drain(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Republish what was claimed and not marked, then claim and publish the rest."""
        for function in ("panels_outbox_pending", "panels_outbox_claim"):
            while True:
                cur = await conn.execute(
                    f"SELECT * FROM {function}(%s) ORDER BY seq",  # noqa: S608 (constant)
                    (BATCH,),
                )
                rows = await cur.fetchall()
                if not rows:
                    break
                await self._publish(conn, [as_event(r) for r in rows])
                if len(rows) < BATCH:
                    break

    async def claim(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Claim committed events without publishing them (they stay pending)."""
        while True:
            cur = await conn.execute("SELECT count(*) AS n FROM panels_outbox_claim(%s)", (BATCH,))
            claimed = await cur.fetchone()
            if not claimed or claimed["n"] < BATCH:
                return

    async def _publish(self, conn: psycopg.AsyncConnection[Any], events: list[Event]) -> None:
        started = time.perf_counter()
        for event in events:
            try:
                await self.broker.publish(event)
            except Exception as exc:
                raise BrokerDown(f"{type(exc).__name__}: {exc}") from exc
            observe_relayed(event)
        await conn.execute("SELECT panels_outbox_mark(%s)", (events[-1]["seq"],))
        self.relayed += len(events)
        logger.debug(
            "relayed",
            extra={"events": len(events), "duration_ms": (time.perf_counter() - started) * 1e3},
        )
