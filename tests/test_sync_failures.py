"""A failed sync explains itself over HTTP, and a panel's syncs are listed, newest first."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from serving.admin import cli_config
from serving.admin.demo import dagster_storage_url
from serving.api.app import create_app
from serving.orchestration.dagster_client import PARTITION_TAG, DagsterClient
from tests.builders import created
from tests.live import dagster_webserver
from tests.test_sync_api import _follow, _panel

pytestmark = pytest.mark.slow
API = "/api/v1"


def wait_for_code(url: str, timeout: float = 180) -> None:
    """Until the webserver has loaded the code location (it answers before, and its first
    GraphQL calls then take longer than the API waits for them)."""
    query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    deadline = time.monotonic() + timeout
    while True:
        try:
            body = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30).json()
            entries = body["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return
        except (httpx.HTTPError, KeyError, TypeError):
            pass
        assert time.monotonic() < deadline, "the code location did not load"
        time.sleep(1)


@pytest.fixture(scope="module")
def sync_client(settings, webserver):
    wait_for_code(webserver["url"])
    with TestClient(
        create_app(settings.model_copy(update={"dagster_url": webserver["url"]}))
    ) as client:
        yield client


def _sync(client, tenant, panel) -> dict:
    response = client.post(f"{API}/panels/{panel['id']}/syncs", headers=tenant.editor)
    assert response.status_code == 202, response.text
    return _follow(client, tenant, panel, response.json()["id"])


def test_a_sync_blocked_by_quality_rules_names_them_with_counts(
    sync_client, webserver, tenant
) -> None:
    panel = _panel(sync_client, tenant, webserver["data_root"], "api.csv")
    assert _sync(sync_client, tenant, panel)["version"] == 1
    created(
        sync_client.post(
            f"{API}/panels/{panel['id']}/quality-rules",
            json={"name": "small ids", "kind": "between", "column": "id", "params": {"max": 1}},
            headers=tenant.editor,
        )
    )
    done = _sync(sync_client, tenant, panel)
    assert done["status"] == "failed", done
    assert "small ids" in done["error"], done
    assert done["failed_version"] == 2 and done["version"] is None
    [rule] = done["failed_rules"]
    assert rule["name"] == "small ids" and rule["severity"] == "error"
    assert rule["unexpected_count"] == 2  # ids 2 and 3 are above the max
    assert done["retry_pending"] is False  # this instance has no run retries
    # The last good version is still the one served.
    assert (
        sync_client.get(f"{API}/panels/{panel['id']}/rows", headers=tenant.viewer).json()["version"]
        == 1
    )


def test_cli_sync_wait_prints_why_it_failed_and_the_run(
    sync_client, webserver, tenant, database_url, tmp_path
) -> None:
    panel = _panel(sync_client, tenant, webserver["data_root"], "api.csv")
    _sync(sync_client, tenant, panel)
    created(
        sync_client.post(
            f"{API}/panels/{panel['id']}/quality-rules",
            json={"name": "small ids", "kind": "between", "column": "id", "params": {"max": 1}},
            headers=tenant.editor,
        )
    )
    # A second shell: no PANELS_* variables, only the file a running demo writes.
    cli_config.write(
        tmp_path,
        {"PANELS_DATABASE_URL": database_url, "PANELS_DAGSTER_URL": webserver["url"]},
        note="test",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANELS_")}
    key = f"{tenant.slug}.{panel['slug']}"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "panels"), "sync", key, "--wait"],
        env={**env, "PANELS_STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    run_id = result.stdout.strip()
    lines = result.stderr.splitlines()
    failed = lines.index(
        f"error: {key}: the sync failed: 1 error quality rule(s) failed: small ids"
    )
    # Progress came first: the status changes while it waited.
    assert any(line.endswith(f"{key}: running") for line in lines[:failed]), lines
    assert "  version 2 was not published; the last good one stays" in lines
    assert "  rule 'small ids' (error, between): 2 rows, e.g. 2, 3" in lines
    assert lines[-1] == f"  run: {webserver['url']}/runs/{run_id}"


def test_a_panels_syncs_are_listed_newest_first_with_pages(
    sync_client, webserver, tenant, other_tenant
) -> None:
    panel = _panel(sync_client, tenant, webserver["data_root"], "api.csv")
    first = _sync(sync_client, tenant, panel)
    # A scheduled sync is a batch run without the partition tag: listed too.
    batch = DagsterClient(webserver["url"]).launch(
        "sync_panels_batch",
        tags={"panels/trigger": "test"},
        run_config={
            "ops": {"sync_panels": {"config": {"partitions": [f"{tenant.slug}.{panel['slug']}"]}}}
        },
    )
    deadline = time.monotonic() + 180
    while True:
        listed = sync_client.get(f"{API}/panels/{panel['id']}/syncs", headers=tenant.viewer)
        assert listed.status_code == 200, listed.text
        page = listed.json()
        if page["count"] == 2 and page["data"][0]["status"] == "succeeded":
            break
        assert time.monotonic() < deadline, page
        time.sleep(1)
    assert [s["id"] for s in page["data"]] == [batch, first["id"]]
    assert [s["version"] for s in page["data"]] == [2, 1]
    assert page["limit"] == 50 and page["offset"] == 0
    second = sync_client.get(
        f"{API}/panels/{panel['id']}/syncs?limit=1&offset=1", headers=tenant.viewer
    ).json()
    assert second["count"] == 2 and [s["id"] for s in second["data"]] == [first["id"]]
    # The batch run is readable through its panel like any other sync.
    one = sync_client.get(f"{API}/panels/{panel['id']}/syncs/{batch}", headers=tenant.viewer)
    assert one.status_code == 200 and one.json()["row_count"] == 3
    # Another tenant sees neither the list nor the batch run.
    assert (
        sync_client.get(f"{API}/panels/{panel['id']}/syncs", headers=other_tenant.viewer)
    ).status_code == 404
    theirs = created(
        sync_client.post(
            f"{API}/panels", json={"slug": "y", "name": "y"}, headers=other_tenant.editor
        )
    )
    assert (
        sync_client.get(
            f"{API}/panels/{theirs['id']}/syncs/{batch}", headers=other_tenant.viewer
        ).status_code
        == 404
    )
    assert (
        sync_client.get(f"{API}/panels/{theirs['id']}/syncs", headers=other_tenant.viewer).json()[
            "count"
        ]
        == 0
    )


@pytest.fixture(scope="module")
def retrying_webserver(database_url, fresh_database, tmp_path_factory):
    """A webserver whose instance retries failed runs, but not asset failures (no daemon here,
    so a retry stays pending)."""
    root = tmp_path_factory.mktemp("retrying")
    storage = dagster_storage_url(fresh_database())
    retries = {"enabled": True, "max_retries": 1, "retry_on_asset_or_op_failure": False}
    with dagster_webserver(root, storage, database_url, run_retries=retries) as ws:
        wait_for_code(ws["url"])
        yield ws


def test_a_pending_retry_follows_the_instance_settings_and_the_run_tags(
    settings, retrying_webserver, tenant
) -> None:
    app = create_app(settings.model_copy(update={"dagster_url": retrying_webserver["url"]}))
    with TestClient(app) as client:
        panel = _panel(client, tenant, retrying_webserver["data_root"], "absent.csv")
        # The instance does not retry asset failures: a source error is final.
        done = _sync(client, tenant, panel)
        assert done["status"] == "failed" and "absent.csv" in done["error"], done
        assert done["retry_pending"] is False and done["retry_run_id"] is None
        # A run tagged to retry asset failures will be re-executed by the daemon.
        key = f"{tenant.slug}.{panel['slug']}"
        run_id = DagsterClient(retrying_webserver["url"]).launch(
            "panel_sync", tags={PARTITION_TAG: key, "dagster/retry_on_asset_or_op_failure": "true"}
        )
        retried = _follow(client, tenant, panel, run_id)
        assert retried["status"] == "failed", retried
        assert retried["retry_pending"] is True, retried
        listed = client.get(f"{API}/panels/{panel['id']}/syncs", headers=tenant.viewer).json()
        assert [s["retry_pending"] for s in listed["data"]] == [True, False]
