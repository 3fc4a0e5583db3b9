"""``panels backfill`` launches a Dagster backfill and follows it, through the CLI.

The backfill runs under `dagster dev` configured by the project's own `dagster.yaml` (its
daemon launches the backfill's runs through the queue and the warm launcher), as in the demo.
Dagster's backfill daemon looks every 30 s, so each backfill here takes up to a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from core.storage import tenant_files
from serving.admin.demo import dagster_storage_url
from serving.api.app import create_app
from tests.live import dagster_dev
from tests.pipeline_fixtures import write
from tests.test_sync_api import _panel

pytestmark = pytest.mark.slow
API = "/api/v1"

_BACKFILL = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status partitionNames assetSelection { path } title }
  }
}"""


@pytest.fixture(scope="module")
def dev(database_url, fresh_database, tmp_path_factory):
    root = tmp_path_factory.mktemp("backfill")
    storage = dagster_storage_url(fresh_database())
    with dagster_dev(root, storage, database_url) as found:
        yield found


@pytest.fixture(scope="module")
def api(settings, dev):
    with TestClient(create_app(settings.model_copy(update={"dagster_url": dev["url"]}))) as client:
        yield client


def _backfill(dev, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "panels"), "backfill", *args],
        env={**dev["env"], "PANELS_DAGSTER_URL": dev["url"]},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _in_dagster(dev, backfill_id: str) -> dict:
    response = httpx.post(
        f"{dev['url']}/graphql",
        json={"query": _BACKFILL, "variables": {"id": backfill_id}},
        timeout=30,
    )
    return response.json()["data"]["partitionBackfillOrError"]


def _served(client, tenant, panel) -> int | None:
    body = client.get(f"{API}/panels/{panel['id']}/versions", headers=tenant.viewer).json()
    return next((v["number"] for v in body["data"] if v["status"] == "published"), None)


def test_a_backfill_is_dagsters_and_waits_with_progress(api, dev, tenant) -> None:
    panels = [_panel(api, tenant, dev["data_root"], "api.csv") for _ in range(2)]
    result = _backfill(dev, "--tenant", tenant.slug, "--wait")
    assert result.returncode == 0, result.stderr
    backfill_id = result.stdout.strip()
    assert f"2 panels: {dev['url']}/runs/b/{backfill_id}" in result.stderr
    # Progress as lines off a terminal, then Dagster's verdict.
    assert "backfill: 0 published, 0 failed;" in result.stderr
    assert "backfill: 2 published, 0 failed; completed success" in result.stderr
    assert f"backfill {backfill_id}: 2 panels published" in result.stderr
    found = _in_dagster(dev, backfill_id)  # what the UI's Backfills tab shows
    assert found["status"] == "COMPLETED_SUCCESS"
    assert sorted(found["partitionNames"]) == sorted(f"{tenant.slug}.{p['slug']}" for p in panels)
    assert [a["path"] for a in found["assetSelection"]] == [["panel_extract"], ["panel_table"]]
    assert found["title"] == f"panels backfill of {tenant.slug}: 2 panels"
    assert [_served(api, tenant, p) for p in panels] == [1, 1]


def test_a_failed_panel_fails_the_wait_then_failed_only_backfills_it(api, dev, tenant) -> None:
    good = _panel(api, tenant, dev["data_root"], "api.csv")
    bad = _panel(api, tenant, dev["data_root"], "nope.csv")
    result = _backfill(dev, "--tenant", tenant.slug, "--wait")
    assert result.returncode == 1, result.stderr
    key = f"{tenant.slug}.{bad['slug']}"
    assert f"error: {key}: the sync failed: " in result.stderr
    assert "no file 'nope.csv' under the data root" in result.stderr
    assert "error: the backfill ended completed_failed: 1 of 2 panels failed" in result.stderr
    assert (_served(api, tenant, good), _served(api, tenant, bad)) == (1, None)

    write(tenant_files(dev["data_root"], tenant.slug) / "nope.csv", "id\n7\n")  # fixed
    again = _backfill(dev, "--tenant", tenant.slug, "--failed-only", "--wait")
    assert again.returncode == 0, again.stderr
    assert "1 panels:" in again.stderr
    assert _in_dagster(dev, again.stdout.strip())["partitionNames"] == [key]
    assert (_served(api, tenant, good), _served(api, tenant, bad)) == (1, 1)


def test_nothing_to_backfill_and_unknown_panels(api, dev, tenant) -> None:
    assert "nothing to backfill" in _backfill(dev, "--tenant", tenant.slug).stderr
    wrong = _backfill(dev, "--panel", f"{tenant.slug}.nope{os.getpid()}")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith(f"error: no panel 'nope{os.getpid()}' in tenant")
