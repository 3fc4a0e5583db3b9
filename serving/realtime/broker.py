"""Brokers carry relayed events to every API process: Redis pub/sub, or Postgres LISTEN/NOTIFY.

``listen()`` yields events, and ``RESYNC`` after each (re)connection: whatever was published
while a process was not listening is then replayed from the outbox by its hub.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Final, Protocol

import psycopg
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from core.events import Event

logger = logging.getLogger("panels.events")
RESYNC: Final = "resync"
PG_CHANNEL = "panels_events"
RETRY_SECONDS = 0.5


class Broker(Protocol):
    name: str

    async def publish(self, event: Event) -> None: ...

    def listen(self) -> AsyncIterator[Event | str]: ...

    async def close(self) -> None: ...


def encode(event: Event) -> str:
    return json.dumps(event, separators=(",", ":"), default=str)


class RedisBroker:
    """One channel per tenant, ``<prefix>:events:<tenant id>``; each process listens to all."""

    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.redis = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def publish(self, event: Event) -> None:
        await self.redis.publish(f"{self.prefix}:events:{event['tenant_id']}", encode(event))

    async def listen(self) -> AsyncIterator[Event | str]:
        while True:
            client = aioredis.Redis.from_url(
                self.url, socket_connect_timeout=2, health_check_interval=5
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(f"{self.prefix}:events:*")
                logger.info("listening for events", extra={"broker": "redis"})
                yield RESYNC
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "pmessage":
                        yield json.loads(message["data"])
            except (RedisError, OSError) as exc:
                logger.warning("event broker connection lost", extra={"reason": str(exc)})
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                    await client.aclose()
                except (RedisError, OSError):
                    pass

    async def close(self) -> None:
        await self.redis.aclose()


class PostgresBroker:
    """Without Redis: NOTIFY carries the event's tenant and seq; hubs read it from the outbox."""

    name = "postgres"

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def publish(self, event: Event) -> None:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        ref = {"seq": event["seq"], "tenant_id": str(event["tenant_id"]), "ref": True}
        try:
            await self._conn.execute("SELECT pg_notify(%s, %s)", (PG_CHANNEL, encode(ref)))
        except psycopg.OperationalError:
            self._conn = None
            raise

    async def listen(self) -> AsyncIterator[Event | str]:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {PG_CHANNEL}")
                    logger.info("listening for events", extra={"broker": "postgres"})
                    yield RESYNC
                    async for note in conn.notifies():
                        yield json.loads(note.payload)
            except (psycopg.OperationalError, OSError) as exc:
                logger.warning("event broker connection lost", extra={"reason": str(exc)})
                await asyncio.sleep(RETRY_SECONDS)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
