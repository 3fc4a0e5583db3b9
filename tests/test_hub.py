"""The hub's subscription edge, against the real outbox: "from now" means from now.

No relay runs here: the test claims events itself with the relay's own SQL function, so an
event can be committed before a subscription and claimed while it is being made.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg

from core.events import as_event
from models.db import libpq_url, make_async_engine
from serving.realtime.broker import PostgresBroker
from serving.realtime.hub import Hub, Subscriber


def _insert(database_url: str, tenant: uuid.UUID, panel: str, payload: str) -> None:
    with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        conn.execute(
            "INSERT INTO panel_events (tenant_id, panel_id, type, payload)"
            " VALUES (%s, %s, 'panel.updated', %s)",
            (tenant, panel, payload),
        )


def _claim(database_url: str) -> list[dict[str, Any]]:
    """What the relay does to committed events: give each its delivery seq."""
    with psycopg.connect(libpq_url(database_url)) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        cursor = conn.cursor(row_factory=psycopg.rows.dict_row)
        return cursor.execute("SELECT * FROM panels_outbox_claim(100000)").fetchall()


def test_an_event_committed_before_a_subscription_is_not_delivered_when_claimed_during_it(
    kit, database_url
) -> None:
    k = kit()
    tenant, panel = k.tenant.id, k.panel["id"]
    _claim(database_url)  # whatever the kit's own changes wrote

    async def scenario() -> list[bytes]:
        engine = make_async_engine(database_url, as_app_role=True)
        hub = Hub(engine, PostgresBroker(libpq_url(database_url)))
        sent: list[bytes] = []  # frames as they would go on the socket
        subscriber = Subscriber(tenant, 100, lambda frame: sent.append(frame) or True)
        try:
            _insert(database_url, tenant, panel, '{"before": true}')  # committed, unclaimed
            subscribing = asyncio.create_task(hub.subscribe(subscriber, panel, None, None))
            await asyncio.sleep(0.2)
            assert not subscribing.done(), "it waits for the relay to claim what came before"
            (before,) = [r for r in _claim(database_url) if r["panel_id"] == uuid.UUID(panel)]
            # The relay publishes it while the subscription is still being made: held, then
            # dropped (it came before); the next event is delivered.
            subscriber.offer(as_event(before))
            await subscribing
            _insert(database_url, tenant, panel, '{"after": true}')
            (after,) = [r for r in _claim(database_url) if r["panel_id"] == uuid.UUID(panel)]
            subscriber.offer(as_event(before))  # republished after a relay crash: still dropped
            subscriber.offer(as_event(after))
            return sent
        finally:
            await engine.dispose()

    sent = asyncio.run(scenario())
    assert len(sent) == 1 and b'"after":true' in sent[0], sent
