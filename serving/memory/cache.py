"""An optional Redis cache for read responses, keyed by panel version and normalised query.

A key holds the version's id (a new publish makes new keys: invalidation by construction), the
tenant, and a digest of the normalised query (columns, sorts, filters, groups, page, cursor and
the date relative filters resolve against). Values expire after ``read_cache_ttl_seconds``.
Redis being away never fails a read: the cache steps aside for a few seconds and reads go to
Postgres.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger("panels.cache")
BACKOFF_SECONDS = 5.0


def cache_key(
    prefix: str, kind: str, tenant_id: uuid.UUID, version_id: object, query: dict[str, Any]
) -> str:
    digest = hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()
    return f"{prefix}:read:{tenant_id}:{version_id}:{kind}:{digest[:40]}"


class ReadCache:
    def __init__(self, url: str, ttl_seconds: int, prefix: str = "panels") -> None:
        self.prefix = prefix
        self.redis = aioredis.Redis.from_url(
            url, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=30
        )
        self.ttl = ttl_seconds
        self._down_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _fail(self, exc: Exception) -> None:
        if self._available():
            logger.warning(
                "read cache unavailable, reading from Postgres", extra={"reason": str(exc)}
            )
        self._down_until = time.monotonic() + BACKOFF_SECONDS

    async def get(self, key: str) -> bytes | None:
        if not self._available():
            return None
        try:
            value = await self.redis.get(key)
        except (RedisError, OSError) as exc:
            self._fail(exc)
            return None
        if value is None:
            return None
        return value if isinstance(value, bytes) else value.encode()

    def key(
        self, kind: str, tenant_id: uuid.UUID, version_id: object, query: dict[str, Any]
    ) -> str:
        return cache_key(self.prefix, kind, tenant_id, version_id, query)

    async def put(self, key: str, value: bytes) -> None:
        if not self._available():
            return
        try:
            await self.redis.set(key, value, ex=self.ttl)
        except (RedisError, OSError) as exc:
            self._fail(exc)

    async def close(self) -> None:
        await self.redis.aclose()


class Memo:
    """A small in-process LRU for facts about immutable things (a published version's counts)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
