"""Rate limits per tenant and per credential (API token, or user for JWTs), kept in Redis.

The ``limits`` library's fixed-window strategy: one INCR per limit per request, shared by every
API process through Redis. Over a limit: 429 with ``Retry-After`` (seconds to the window's
end). Without Redis there are no limits (say so in the README); Redis failing lets requests
through for a few seconds rather than failing them.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from typing import Any, Protocol

from limits import RateLimitItem, parse
from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindow
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core.settings import Settings
from serving.http.errors import ApiError
from serving.http.metrics import RATE_LIMITED

logger = logging.getLogger("panels.ratelimit")
BACKOFF_SECONDS = 5.0


class Identity(Protocol):
    """Who is counted: a principal, or a read whose account check is still on its way."""

    @property
    def tenant_id(self) -> uuid.UUID: ...

    @property
    def actor_id(self) -> uuid.UUID: ...


class RateLimited(ApiError):
    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(
            429,
            f"rate limit of this {scope} exceeded; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url
        self.items: list[tuple[str, RateLimitItem]] = [
            (scope, parse(spec))
            for scope, spec in (
                ("tenant", settings.rate_limit_tenant),
                ("credential", settings.rate_limit_credential),
            )
            if spec
        ]
        prefix = f"{settings.redis_prefix}:ratelimit"
        options: dict[str, Any] = {"key_prefix": prefix, "socket_timeout": 0.25}
        self._sync_storage = storage_from_string(settings.redis_url, **options)
        self._aio_storage = storage_from_string(
            f"async+{settings.redis_url}", implementation="redispy", **options
        )
        self.sync = FixedWindowRateLimiter(self._sync_storage)
        self.aio = AsyncFixedWindow(self._aio_storage)
        self._down_until = 0.0

    async def close(self) -> None:
        """Close the Redis connections the storages opened."""
        sync_client = getattr(self._sync_storage, "storage", None)
        if sync_client is not None:
            sync_client.close()
        client = getattr(getattr(self._aio_storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()

    @staticmethod
    def _ids(scope: str, who: Identity) -> tuple[str, str]:
        if scope == "tenant":
            return scope, str(who.tenant_id)
        return scope, str(who.actor_id)

    def _skip(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, exc: Exception) -> None:
        if not self._skip():
            logger.warning(
                "rate limits unavailable, letting requests through", extra={"reason": str(exc)}
            )
        self._down_until = time.monotonic() + BACKOFF_SECONDS

    @staticmethod
    def _retry_after(reset_time: float) -> int:
        return max(1, math.ceil(reset_time - time.time()))

    def hit(self, principal: Identity) -> None:
        if self._skip():
            return
        for scope, item in self.items:
            ids = self._ids(scope, principal)
            try:
                allowed = self.sync.hit(item, *ids)
                stats = None if allowed else self.sync.get_window_stats(item, *ids)
            except Exception as exc:  # noqa: BLE001 - Redis away: fail open
                self._failed(exc)
                return
            if stats is not None:
                RATE_LIMITED.labels(scope).inc()
                raise RateLimited(scope, self._retry_after(stats.reset_time))

    async def ahit(self, principal: Identity) -> None:
        if self._skip():
            return
        for scope, item in self.items:
            ids = self._ids(scope, principal)
            try:
                allowed = await self.aio.hit(item, *ids)
                stats = None if allowed else await self.aio.get_window_stats(item, *ids)
            except Exception as exc:  # noqa: BLE001 - Redis away: fail open
                self._failed(exc)
                return
            if stats is not None:
                RATE_LIMITED.labels(scope).inc()
                raise RateLimited(scope, self._retry_after(stats.reset_time))
