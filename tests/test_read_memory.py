"""The in-process read cache (serving/memory/catalog.py): as fresh as a query, never across tenants.

Writes here go straight to Postgres on a connection of their own, as a Dagster run or a psql
session would make them: nothing in the API process hears of them but the notification.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import psycopg
import pytest

from models.db import libpq_url
from serving.api.state import app_state
from serving.memory.catalog import Catalog
from tests.builders import make_panel
from tests.pipeline_fixtures import write

CSV = "id,carrier\n" + "".join(f"{i},{['AA', 'UA'][i % 2]}\n" for i in range(1, 21))


def _owner(settings):
    return psycopg.connect(libpq_url(settings.require_database_url()))


def _as_owner(settings, sql: str, params: tuple) -> None:
    """One committed statement as the owner, for every tenant (as the pipelines write)."""
    with _owner(settings) as conn:
        conn.execute("SELECT set_config('app.all_tenants', 'on', true)")
        conn.execute(sql, params)


def _lookups(client, kind: str, result: str) -> float:
    text = client.get("/metrics").text
    pattern = rf'read_memory_cache_lookups_total{{kind="{kind}",result="{result}"}} (\S+)'
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def _requests(client, route: str) -> float:
    """http_requests_total of a route template's 200 GETs (a held answer is counted there)."""
    text = client.get("/metrics").text
    pattern = rf'http_requests_total{{method="GET",route="{re.escape(route)}",status="200"}} (\S+)'
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def _ready(client) -> None:
    catalog = app_state(client.app).catalog
    deadline = time.monotonic() + 20
    while not catalog.ready:
        assert time.monotonic() < deadline, "the read cache never started listening"
        time.sleep(0.05)


def test_a_held_panel_list_is_as_fresh_as_a_query(client, tenant, settings) -> None:
    _ready(client)
    panel = make_panel(client, tenant.editor)
    hits = _lookups(client, "http", "hit")
    for i in range(20):
        # The second read is answered from memory...
        for _ in range(2):
            listed = client.get("/api/v1/panels", headers=tenant.viewer).json()["data"]
        # ...and a change committed elsewhere is seen by the very next read.
        _as_owner(settings, "UPDATE panels SET name = %s WHERE id = %s", (f"n{i}", panel["id"]))
        listed = client.get("/api/v1/panels", headers=tenant.viewer).json()["data"]
        assert [p["name"] for p in listed] == [f"n{i}"]
        one = client.get(f"/api/v1/panels/{panel['id']}", headers=tenant.viewer).json()
        assert one["name"] == f"n{i}"
    assert _lookups(client, "http", "hit") >= hits + 20


def test_a_disabled_account_is_refused_at_once_though_its_answers_were_held(
    client, tenant, settings
) -> None:
    _ready(client)
    make_panel(client, tenant.editor)
    for _ in range(3):
        assert client.get("/api/v1/panels", headers=tenant.viewer).status_code == 200
    viewer = next(u for r, u in tenant.users.items() if r.value == "viewer")
    _as_owner(settings, "UPDATE users SET is_active = false WHERE id = %s", (viewer,))
    refused = client.get("/api/v1/panels", headers=tenant.viewer)
    assert refused.status_code == 401
    assert "disabled" in refused.json()["detail"]
    # Demoted elsewhere: the next write is refused by the role the database now says.
    editor = next(u for r, u in tenant.users.items() if r.value == "editor")
    assert client.get("/api/v1/panels", headers=tenant.editor).status_code == 200
    _as_owner(settings, "UPDATE users SET role = 'viewer' WHERE id = %s", (editor,))
    created = client.post("/api/v1/panels", json={"slug": "no", "name": "x"}, headers=tenant.editor)
    assert created.status_code == 403


@pytest.fixture
def synced(kit, sync_settings, files):
    write(files / "held.csv", CSV)
    k = kit()
    k.source(name="r", kind="file", config={"path": "held.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    assert k.sync().success
    return k


def test_held_rows_follow_publishes_and_etags_and_stay_in_their_tenant(
    synced,
    sync_settings,
    other_tenant,
    files,
) -> None:
    k = synced
    _ready(k.client)
    params = {"sort": "-id", "limit": 3}

    def rows(headers=None):
        return k.client.get(f"{k.url}/rows", params=params, headers=headers or k.tenant.viewer)

    first, again = rows(), rows()
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    # Sent again whole, with this request's own id, and counted under its route template.
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    counted = _requests(k.client, "/api/v1/panels/{panel_id}/rows")
    assert rows().status_code == 200
    assert _requests(k.client, "/api/v1/panels/{panel_id}/rows") == counted + 1
    assert [r["id"] for r in again.json()["data"]] == [20, 19, 18]
    not_modified = rows({**k.tenant.viewer, "If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    # Another tenant asking for the same panel, the same way, gets a 404 and nothing held.
    for _ in range(2):
        foreign = rows(other_tenant.viewer)
        assert foreign.status_code == 404
        assert "data" not in foreign.json() and foreign.json()["detail"].startswith("panel ")
    foreign_list = k.client.get("/api/v1/panels", headers=other_tenant.viewer).json()
    assert foreign_list["count"] == 0
    # A publish (a Dagster run, another process) shows on the next read.
    write(files / "held.csv", "id,carrier\n100,ZZ\n")
    assert k.sync().success
    after = rows()
    assert after.json()["version"] == 2
    assert [r["id"] for r in after.json()["data"]] == [100]
    assert after.headers["etag"] != first.headers["etag"]
    aggregates = k.client.get(
        f"{k.url}/aggregates", params={"aggregates": "count"}, headers=k.tenant.viewer
    )
    assert aggregates.json()["footer"] == {"count": 1}
    assert _lookups(k.client, "http", "hit") >= 1


def test_when_the_listener_is_lost_reads_go_to_postgres_until_it_is_back(
    client, tenant, settings
) -> None:
    _ready(client)
    catalog = app_state(client.app).catalog
    panel = make_panel(client, tenant.editor)
    for _ in range(2):
        client.get("/api/v1/panels", headers=tenant.viewer)
    with _owner(settings) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'panels-read-cache' AND datname = current_database()"
        )
    # While it is away (and the moment it is lost), reads see every write.
    for i in range(5):
        _as_owner(settings, "UPDATE panels SET name = %s WHERE id = %s", (f"gap{i}", panel["id"]))
        listed = client.get("/api/v1/panels", headers=tenant.viewer).json()["data"]
        assert [p["name"] for p in listed] == [f"gap{i}"]
    _ready(client)
    hits = _lookups(client, "http", "hit")
    for _ in range(3):
        listed = client.get("/api/v1/panels", headers=tenant.viewer).json()["data"]
        assert [p["name"] for p in listed] == ["gap4"]
    assert _lookups(client, "http", "hit") >= hits + 2
    assert catalog.barriers > 0


def test_an_answer_read_before_a_change_is_not_stored_after_it(settings) -> None:
    """The fill race: a change that commits between a request's barrier and its store."""
    conninfo = libpq_url(settings.require_database_url())
    tenant, other = uuid.uuid4(), uuid.uuid4()

    def notify(payload: str) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_notify('panels_catalog', %s)", (payload,))

    async def scenario() -> None:
        catalog = Catalog(conninfo, max_bytes=1 << 20)
        task = asyncio.create_task(catalog.run())
        try:
            while not catalog.ready:
                await asyncio.sleep(0.01)
            key = ("panels", 50, 0)
            before = await catalog.sync()
            assert before is not None
            await asyncio.to_thread(notify, str(tenant))  # committed after the barrier
            assert catalog.put(before, other, key, b"other", 5)  # another tenant is unaffected
            now = await catalog.sync()
            assert not catalog.put(before, tenant, key, b"stale", 5)
            assert catalog.get(now, tenant, key) is None
            assert catalog.put(now, tenant, key, b"fresh", 5)
            assert catalog.get(now, tenant, key) == b"fresh"
            await asyncio.to_thread(notify, str(tenant))
            later = await catalog.sync()
            assert catalog.get(later, tenant, key) is None
            assert catalog.get(later, other, key) == b"other"
            await asyncio.to_thread(notify, "*")  # a TRUNCATE: everyone's answers go
            assert catalog.get(await catalog.sync(), other, key) is None
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert not catalog.ready
        assert await catalog.sync() is None

    asyncio.run(scenario())


def test_the_cache_holds_at_most_its_size(settings) -> None:
    conninfo = libpq_url(settings.require_database_url())

    async def scenario() -> None:
        catalog = Catalog(conninfo, max_bytes=8000)
        task = asyncio.create_task(catalog.run())
        try:
            while not catalog.ready:
                await asyncio.sleep(0.01)
            ticket = await catalog.sync()
            tenant = uuid.uuid4()
            for i in range(50):
                assert catalog.put(ticket, tenant, ("rows", i), b"x" * 900, 900)
            assert catalog.size_bytes <= 8000
            assert catalog.get(ticket, tenant, ("rows", 49)) == b"x" * 900
            assert catalog.get(ticket, tenant, ("rows", 0)) is None  # the least recently used
            assert not catalog.put(ticket, tenant, ("rows", "big"), b"x" * 1001, 1001)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())


def test_held_answers_count_against_rate_limits_like_any_read(settings, redis_url, tenant) -> None:
    from fastapi.testclient import TestClient

    from serving.api.app import create_app

    prefix = f"panels-test-{uuid.uuid4().hex[:8]}"
    limited = settings.model_copy(
        update={
            "redis_url": redis_url,
            "redis_prefix": prefix,
            "rate_limit_credential": "4/minute",
            "rate_limit_tenant": "",
        }
    )
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        _ready(client)
        hits = _lookups(client, "http", "hit")
        answers = [client.get("/api/v1/panels", headers=tenant.viewer) for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
        assert answers[-1].json()["type"] == "rate_limited"
        assert _lookups(client, "http", "hit") >= hits + 3  # the 2nd to 4th were held answers
