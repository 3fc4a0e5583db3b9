"""The deliverer: queued webhook deliveries → signed POSTs, in event order per endpoint.

One deliverer leads at a time (a Postgres advisory lock), in an API process or in
``panels webhooks worker``; the others stand by and take over when the leader's connection
ends. The leader wakes on ``NOTIFY panels_webhooks`` (deliveries queued) or every
``webhook_poll_seconds``, asks which endpoints have their first pending delivery due, and
works on each such endpoint in its own task (up to ``webhook_concurrency`` at once): post the
first pending delivery, record the attempt, go on to the next while they succeed.

At-least-once: a delivery is marked only after its answer, so a deliverer killed between the
two posts it again (the same ``webhook-id``: receivers de-duplicate on it). In order: an
endpoint's next delivery waits until the one before it is delivered or has failed for good,
so a failing endpoint holds its own queue, never another's.

When no relay leads (no API process is running), the deliverer claims outbox events itself,
under the relay's lock, so webhooks flow from a worker alone; the relay publishes them to
WebSocket clients when it comes back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from core.crypto import SecretBox
from core.errors import SourceError
from core.events import as_event
from core.netguard import BlockedAddress, NetworkPolicy
from core.settings import Settings
from core.storage import APP_ROLE
from schemas.webhooks import AttemptOutcome, DeliveryState
from serving.http.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_LATENCY
from serving.realtime.protocol import EventMessage, encode
from serving.realtime.relay import LOCK_KEY as RELAY_LOCK_KEY
from serving.webhooks import transport
from serving.webhooks.signing import Keyring, signed_headers

logger = logging.getLogger("panels.webhooks")
LOCK_KEY = 0x7765626B686F6F6B  # "webhook"
CLAIM_BATCH = 500
USER_AGENT = "Panels-Webhooks/1"

BATCH = 16  # an endpoint's pending deliveries read at a time (each still recorded alone)
HEADS = """
SELECT w.url, w.secrets, w.enabled, d.id, d.seq, d.attempts, d.next_attempt_at,
       e.tenant_id, e.panel_id, e.type, e.payload, e.created_at
  FROM webhook_deliveries d
  JOIN webhooks w ON w.id = d.webhook_id
  JOIN panel_events e ON e.seq = d.seq
 WHERE d.webhook_id = %(webhook)s AND d.state = 'pending'
 ORDER BY d.seq LIMIT %(batch)s
"""
# One attempt recorded in one statement: the delivery, its log line, the endpoint's failing
# streak; and whether the endpoint is still enabled (an admin may have turned it off).
RECORD = """
WITH d AS (
    UPDATE webhook_deliveries
       SET attempts = attempts + 1, last_attempt_at = %(at)s, status_code = %(status)s,
           latency_ms = %(latency)s, error = %(error)s, state = %(state)s,
           next_attempt_at = coalesce(%(next)s, next_attempt_at),
           delivered_at = CASE WHEN %(delivered)s THEN %(at)s ELSE delivered_at END
     WHERE id = %(id)s AND state = 'pending'
    RETURNING id, attempts
), logged AS (
    INSERT INTO webhook_attempts
           (tenant_id, delivery_id, attempt, at, outcome, status_code, latency_ms, error,
            next_attempt_at)
    SELECT %(tenant)s, d.id, d.attempts, %(at)s, %(outcome)s, %(status)s, %(latency)s,
           %(error)s, %(next)s
      FROM d
), streak AS (
    UPDATE webhooks
       SET failing_since = CASE WHEN %(delivered)s THEN NULL
                                ELSE coalesce(failing_since, %(at)s) END
     WHERE id = %(webhook)s AND EXISTS (SELECT FROM d)
       AND (NOT %(delivered)s OR failing_since IS NOT NULL)
    RETURNING failing_since
)
SELECT (SELECT attempts FROM d) AS attempts,
       (SELECT failing_since FROM streak) AS failing_since,
       (SELECT enabled FROM webhooks WHERE id = %(webhook)s) AS enabled
"""
# The deliverer's transactions: the tenant's row-level security context, and no wait for the
# WAL flush at commit (a record lost to a crash only means the delivery is sent again).
SCOPE = (
    "SELECT set_config('app.tenant_id', %s, true), set_config('app.all_tenants', 'off', true),"
    " set_config('synchronous_commit', 'off', true)"
)
DISABLE = """
UPDATE webhooks SET enabled = false, disabled_at = %(at)s, disabled_reason = %(reason)s
 WHERE id = %(webhook)s
"""


@dataclass(frozen=True)
class Answer:
    """What one attempt came to."""

    outcome: AttemptOutcome
    status: int | None
    latency_ms: float | None
    error: str | None
    retry_after: float | None = None


def classify(status: int) -> AttemptOutcome:
    """2xx delivered; 408, 429 and 5xx retried; any other answer (3xx, 4xx) final."""
    if 200 <= status < 300:
        return AttemptOutcome.delivered
    if status in (408, 429) or status >= 500:
        return AttemptOutcome.retry
    return AttemptOutcome.failed


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff(attempt: int, settings: Settings, rng: random.Random) -> float:
    """Seconds before attempt ``attempt + 1``: exponential, capped, with "equal jitter"."""
    ceiling: float = min(
        settings.webhook_retry_max_seconds,
        settings.webhook_retry_base_seconds * 2 ** min(attempt - 1, 40),
    )
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _excerpt(data: bytes) -> str:
    text = data[:200].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


def _blocked(exc: BaseException) -> BlockedAddress | None:
    """The policy's refusal behind an error (aiohttp may wrap what its resolver raised)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


async def post(
    session: aiohttp.ClientSession,
    policy: NetworkPolicy,
    url: str,
    body: bytes,
    headers: dict[str, str],
    settings: Settings,
) -> Answer:
    """One POST: bounded in time and in what is read of the answer; never raises."""
    started = time.perf_counter()
    now = datetime.now(UTC)

    def took() -> float:
        return round((time.perf_counter() - started) * 1e3, 3)

    try:
        policy.check_host(urlsplit(url).hostname or "")
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            async with session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                location = response.headers.get("location", "elsewhere")
                retry_after = response.headers.get("retry-after")
                read = bytearray()
                cap = settings.webhook_max_response_bytes
                while len(read) < cap:  # the cap: the rest is never read (the connection closes)
                    chunk = await response.content.read(cap - len(read))
                    if not chunk:
                        break
                    read += chunk
    except TimeoutError:
        return Answer(
            AttemptOutcome.retry,
            None,
            took(),
            f"no answer within {settings.webhook_timeout_seconds:g} s",
        )
    except (aiohttp.ClientError, SourceError, OSError, ValueError) as exc:
        blocked = _blocked(exc)
        if blocked is not None:
            return Answer(AttemptOutcome.failed, None, took(), str(blocked))
        return Answer(AttemptOutcome.retry, None, took(), f"{type(exc).__name__}: {exc}".strip())
    outcome = classify(status)
    if outcome is AttemptOutcome.delivered:
        return Answer(outcome, status, took(), None)
    if 300 <= status < 400:
        error = f"HTTP {status}: redirected to {location}; redirects are not followed, set the URL"
    else:
        error = f"HTTP {status}{_excerpt(bytes(read))}"
    wait = retry_after_seconds(retry_after, now) if outcome is AttemptOutcome.retry else None
    return Answer(outcome, status, took(), error, wait)


class Deliverer:
    def __init__(
        self, conninfo: str, settings: Settings, *, as_app_role: bool, claim: bool = True
    ) -> None:
        """``claim``: claim events when no relay leads (off where this process runs one)."""
        self.conninfo = conninfo
        self.claim = claim
        self.settings = settings
        self.as_app_role = as_app_role
        self.box = SecretBox(settings)
        self.policy = NetworkPolicy.from_settings(settings, webhooks=True)
        self.rng = random.Random()  # noqa: S311 - jitter, not a secret
        self.leading = False
        self.delivered = 0
        self._busy: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def run(self) -> None:
        while True:
            try:
                await self._lead_or_stand_by()
            except (psycopg.OperationalError, OSError) as exc:
                if self.leading:
                    logger.warning(
                        "deliverer lost its database connection", extra={"reason": str(exc)}
                    )
                self.leading = False
                await asyncio.sleep(1.0)

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self.as_app_role:
            await conn.execute(f"SET ROLE {APP_ROLE}")
            await conn.commit()

    async def _lead_or_stand_by(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            await self._configure(conn)
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
            got = await cur.fetchone()
            if not got or not got[0]:
                await asyncio.sleep(2.0)
                return
            await conn.execute("LISTEN panels_webhooks")
            pool = AsyncConnectionPool(
                self.conninfo,
                min_size=1,
                max_size=min(self.settings.webhook_concurrency, 8),
                configure=self._configure,
                kwargs={"row_factory": dict_row},
                open=False,
            )
            await pool.open()
            client = transport.session(
                self.policy,
                self.settings.webhook_concurrency,
                {"user-agent": USER_AGENT, "content-type": "application/json"},
            )
            self.leading = True
            logger.info("deliverer leading")
            try:
                while True:
                    if self.claim:
                        await self._claim_if_no_relay(conn)
                    await self._start_due(conn, pool, client)
                    async for _ in conn.notifies(
                        timeout=self.settings.webhook_poll_seconds, stop_after=1
                    ):
                        pass
            finally:
                self.leading = False
                for task in self._busy.values():
                    task.cancel()
                if self._busy:
                    await asyncio.wait(list(self._busy.values()), timeout=5)
                self._busy.clear()
                await client.close()
                await pool.close()

    async def _claim_if_no_relay(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Claim events (which queues their deliveries) when no relay leads to do it."""
        cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,))
        got = await cur.fetchone()
        if not got or not got[0]:
            return
        try:
            while True:
                cur = await conn.execute(
                    "SELECT count(*) FROM panels_outbox_claim(%s)", (CLAIM_BATCH,)
                )
                claimed = await cur.fetchone()
                if not claimed or claimed[0] < CLAIM_BATCH:
                    break
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (RELAY_LOCK_KEY,))

    async def _start_due(
        self,
        conn: psycopg.AsyncConnection[Any],
        pool: AsyncConnectionPool[Any],
        client: aiohttp.ClientSession,
    ) -> None:
        room = self.settings.webhook_concurrency - len(self._busy)
        if room <= 0:
            return
        cur = await conn.execute(
            "SELECT tenant_id, webhook_id FROM panels_webhook_due(%s, %s)",
            (room, list(self._busy)),
        )
        for tenant_id, webhook_id in await cur.fetchall():
            task = asyncio.create_task(
                self._drain(pool, client, tenant_id, webhook_id), name=f"webhook-{webhook_id}"
            )
            self._busy[webhook_id] = task
            task.add_done_callback(self._done(webhook_id))

    def _done(self, webhook_id: uuid.UUID) -> Callable[[asyncio.Task[None]], None]:
        def forget(_task: asyncio.Task[None]) -> None:
            self._busy.pop(webhook_id, None)

        return forget

    async def _drain(
        self,
        pool: AsyncConnectionPool[Any],
        client: aiohttp.ClientSession,
        tenant_id: uuid.UUID,
        webhook_id: uuid.UUID,
    ) -> None:
        """Deliver the endpoint's pending deliveries in order while they are due."""
        try:
            while await self._deliver_batch(pool, client, tenant_id, webhook_id):
                pass
        except (psycopg.Error, OSError) as exc:
            logger.warning(
                "webhook delivery interrupted",
                extra={"webhook_id": str(webhook_id), "reason": str(exc)},
            )
        except Exception:
            logger.exception("webhook delivery failed", extra={"webhook_id": str(webhook_id)})

    async def _deliver_batch(
        self,
        pool: AsyncConnectionPool[Any],
        client: aiohttp.ClientSession,
        tenant_id: uuid.UUID,
        webhook_id: uuid.UUID,
    ) -> bool:
        """The next ``BATCH`` pending deliveries, one after the other; True: go on."""
        async with pool.connection() as conn, conn.pipeline(), conn.transaction():
            await conn.execute(SCOPE, (str(tenant_id),))
            cur = await conn.execute(HEADS, {"webhook": webhook_id, "batch": BATCH})
            heads = await cur.fetchall()
        for head in heads:
            now = datetime.now(UTC)
            if not head["enabled"] or head["next_attempt_at"] > now:
                return False
            event = as_event(head)
            body = encode(EventMessage.of(event)).encode()
            keys = Keyring.open(self.box, head["secrets"]).live(now)
            headers = signed_headers(str(head["seq"]), body, keys, now)
            answer = await post(client, self.policy, head["url"], body, headers, self.settings)
            enabled = await self._record(pool, tenant_id, webhook_id, head, answer, now)
            if answer.outcome is AttemptOutcome.retry or not enabled:
                return False
        return len(heads) == BATCH

    async def _record(
        self,
        pool: AsyncConnectionPool[Any],
        tenant_id: uuid.UUID,
        webhook_id: uuid.UUID,
        head: dict[str, Any],
        answer: Answer,
        at: datetime,
    ) -> bool:
        """Record one attempt; whether the endpoint is still enabled."""
        next_at = None
        if answer.outcome is AttemptOutcome.retry:
            wait = backoff(head["attempts"] + 1, self.settings, self.rng)
            if answer.retry_after is not None:
                longest = self.settings.webhook_disable_after_seconds
                wait = max(wait, min(answer.retry_after, longest))
            next_at = at + timedelta(seconds=wait)
        state = {
            AttemptOutcome.delivered: DeliveryState.delivered,
            AttemptOutcome.retry: DeliveryState.pending,
            AttemptOutcome.failed: DeliveryState.failed,
        }[answer.outcome]
        params = {
            "id": head["id"],
            "tenant": tenant_id,
            "webhook": webhook_id,
            "at": at,
            "status": answer.status,
            "latency": answer.latency_ms,
            "error": answer.error,
            "state": state.value,
            "delivered": state is DeliveryState.delivered,
            "outcome": answer.outcome.value,
            "next": next_at,
        }
        async with pool.connection() as conn, conn.pipeline(), conn.transaction():
            await conn.execute(SCOPE, (str(tenant_id),))
            cur = await conn.execute(RECORD, params)
            row = await cur.fetchone()
            if row is None or row["attempts"] is None:
                return False  # the endpoint or the delivery went meanwhile
            since = row["failing_since"]
            window = self.settings.webhook_disable_after_seconds
            if since is not None and (at - since).total_seconds() >= window:
                reason = (
                    f"disabled at {at.isoformat(timespec='seconds')}: deliveries failed"
                    f" for {_duration(window)} (since {since.isoformat(timespec='seconds')});"
                    f" last error: {answer.error}"
                )
                await conn.execute(DISABLE, {**params, "reason": reason})
                logger.warning(
                    "webhook endpoint disabled",
                    extra={"webhook_id": str(webhook_id), "tenant_id": str(tenant_id)},
                )
                row["enabled"] = False
        WEBHOOK_ATTEMPTS.labels(answer.outcome.value).inc()
        if answer.latency_ms is not None:
            WEBHOOK_LATENCY.observe(answer.latency_ms / 1e3)
        if answer.outcome is AttemptOutcome.delivered:
            self.delivered += 1
        return bool(row["enabled"])


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"
