"""Fault tests on servers of their own: Postgres restarted under the API, a sync killed with
SIGKILL in the middle of its publish. (Redis faults: test_realtime, test_ratelimit,
test_rows.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import polars as pl
import psycopg
import pytest
from fastapi.testclient import TestClient

from core.enums import Role
from core.settings import Settings
from models.migrate import upgrade
from serving.admin import tenants as admin
from serving.admin.embedded import EmbeddedPostgres
from serving.admin.tenants import ensure_database
from serving.api.app import create_app
from serving.auth import security
from tests.pipeline_fixtures import PanelKit, batched, write

API = "/api/v1"


def test_postgres_restarted_under_the_api_gives_503_then_recovers(tmp_path) -> None:
    pgdata = tmp_path / "pgdata"
    server = EmbeddedPostgres(pgdata)
    server.start()
    port = server.port
    try:
        url = server.url.rsplit("/", 1)[0] + "/panels"
        ensure_database(url)
        upgrade(url)
        settings = Settings(
            environment="test",
            database_url=url,
            state_dir=tmp_path,
            events_relay=False,
            log_level="WARNING",
        )
        with admin.owner_session(settings) as session:
            tenant = admin.create_tenant(session, slug="faults", name="Faults")
            user, _ = admin.create_user(
                session,
                tenant=tenant,
                email="f@faults.dev",
                role=Role.editor,
                password="pw-12345678",
            )
            token, _ = security.issue_jwt(
                settings, user_id=user.id, tenant_id=tenant.id, role=Role.editor
            )
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert client.get(f"{API}/panels", headers=headers).status_code == 200
            created = client.post(f"{API}/panels", json={"slug": "a", "name": "A"}, headers=headers)
            assert created.status_code == 201
            server.stop()
            for path in (f"{API}/panels", f"{API}/panels/{created.json()['id']}/columns"):
                down = client.get(path, headers=headers)  # async and sync read paths
                assert down.status_code == 503, down.text
                body = down.json()
                assert body["type"] == "unavailable" and "retry" in body["detail"]
                assert down.headers["retry-after"]
            again = EmbeddedPostgres(pgdata, port=port)
            again.start()
            try:
                deadline = time.monotonic() + 20
                statuses = []
                while time.monotonic() < deadline:
                    statuses.append(client.get(f"{API}/panels", headers=headers).status_code)
                    if statuses[-1] == 200:
                        break
                    time.sleep(0.2)
                assert statuses[-1] == 200, statuses
                assert set(statuses) <= {200, 503}
                listed = client.get(f"{API}/panels", headers=headers).json()
                assert [p["slug"] for p in listed["data"]] == ["a"]
                write_ok = client.post(
                    f"{API}/panels", json={"slug": "b", "name": "B"}, headers=headers
                )
                assert write_ok.status_code == 201, "the sync (ORM) path recovers too"
            finally:
                again.stop()
    finally:
        server.stop()


KILLABLE = """
import sys
from pipelines.resources import PanelsDatabase
from pipelines.sync import SyncEnv, build_and_publish
from core.settings import Settings
url, state, data, key = sys.argv[1:5]
settings = Settings(environment="test", database_url=url, state_dir=state, data_root=data)
db = PanelsDatabase(url=url)
build_and_publish(SyncEnv(settings=settings, engine=db.engine, run_id="killed"), key)
"""


@pytest.mark.timeout(240)
def test_a_sync_killed_mid_publish_leaves_no_partial_data(
    client, tenant, dagster_instance, sync_settings, database_url, files
) -> None:
    rows = 600_000
    data = files
    write(data / "big.csv", "id,name\n1,first\n")
    # Batches of 50,000 rows (the suite's 3-row batches would make 200,000 of them).
    quick = batched(sync_settings, 50_000)
    k = PanelKit(client, tenant, database_url, dagster_instance, quick)
    k.source(name="big", kind="file", config={"path": "big.csv"})
    k.column("id", "integer")
    k.column("name", "text")
    assert k.sync().success  # version 1: one row
    pl.DataFrame({"id": range(rows), "name": [f"n{i}" for i in range(rows)]}).write_csv(
        data / "big.csv"
    )
    assert k.sync(stages="all").success  # version 2: the big extract is kept for the next step
    conninfo = database_url.replace("postgresql+psycopg", "postgresql")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLABLE,
            database_url,
            sync_settings.state_dir,
            sync_settings.data_root,
            k.key,
        ],
        env={**os.environ, "PANELS_LOG_LEVEL": "WARNING"},
    )
    try:
        # Kill it once its version 3 row exists (the load is under way), before the switch.
        deadline = time.monotonic() + 60
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
            while time.monotonic() < deadline:
                found = conn.execute(
                    "SELECT status FROM panel_versions WHERE panel_id = %s AND number = 3",
                    (k.panel["id"],),
                ).fetchone()
                if found is not None:
                    break
                time.sleep(0.01)
            assert found == ("running",), found
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            current = conn.execute(
                "SELECT v.number, v.row_count FROM panels p JOIN panel_versions v"
                " ON v.id = p.current_version_id WHERE p.id = %s",
                (k.panel["id"],),
            ).fetchone()
        assert current == (2, rows), "the served version is untouched"
        served = k.client.get(f"{k.url}/rows", params={"limit": 1}, headers=k.tenant.viewer).json()
        assert (served["version"], served["total"]) == (2, rows)
        # The next run cleans up what the killed one left and publishes.
        assert k.sync(stages="table").success
        after = k.client.get(f"{k.url}/versions", headers=k.tenant.viewer).json()["data"]
        assert after[0]["status"] == "published" and after[0]["row_count"] == rows
        assert after[0]["number"] > 3
        with psycopg.connect(conninfo) as conn:
            leftovers = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'panel_data'"
                " AND tablename LIKE %s",
                (f"%{k.panel['id'].replace('-', '')}_v3",),
            ).fetchone()
        assert leftovers == (0,), "the killed version's tables were dropped"
    finally:
        if process.poll() is None:
            process.kill()
