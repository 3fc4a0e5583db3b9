"""Syncs started through the API and the CLI are Dagster runs of a real webserver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.storage import tenant_files
from serving.api.app import create_app
from tests.builders import created
from tests.pipeline_fixtures import write

pytestmark = pytest.mark.slow
API = "/api/v1"


@pytest.fixture(scope="module")
def sync_client(settings, webserver):
    with TestClient(
        create_app(settings.model_copy(update={"dagster_url": webserver["url"]}))
    ) as client:
        yield client


def _panel(client, tenant, data_root: Path, path: str) -> dict:
    panel = created(
        client.post(
            f"{API}/panels",
            json={"slug": f"s-{os.urandom(3).hex()}", "name": "s"},
            headers=tenant.editor,
        )
    )
    created(
        client.post(
            f"{API}/panels/{panel['id']}/sources",
            json={"name": "f", "kind": "file", "config": {"path": path}},
            headers=tenant.admin,
        )
    )
    created(
        client.post(
            f"{API}/panels/{panel['id']}/columns",
            json={"key": "id", "name": "Id", "type": "integer", "mapping": {"field": "id"}},
            headers=tenant.editor,
        )
    )
    write(tenant_files(data_root, tenant.slug) / "api.csv", "id\n1\n2\n3\n")
    return panel


def _follow(client, tenant, panel, sync_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(
            f"{API}/panels/{panel['id']}/syncs/{sync_id}", headers=tenant.viewer
        ).json()
        if body.get("status") in ("succeeded", "failed", "canceled"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(1)


def test_an_api_sync_is_a_dagster_run_and_publishes(
    sync_client, webserver, tenant, other_tenant
) -> None:
    panel = _panel(sync_client, tenant, webserver["data_root"], "api.csv")
    response = sync_client.post(f"{API}/panels/{panel['id']}/syncs", headers=tenant.editor)
    assert response.status_code == 202, response.text
    sync = response.json()
    assert sync["status"] == "queued"
    assert sync["partition"] == f"{tenant.slug}.{panel['slug']}"
    # The run is in Dagster as soon as the POST answers: the first look finds it (no polling,
    # no waiting for a daemon). How fast that is belongs to the benchmarks, not a test.
    seen = sync_client.get(f"{API}/panels/{panel['id']}/syncs/{sync['id']}", headers=tenant.viewer)
    assert seen.status_code == 200
    done = _follow(sync_client, tenant, panel, sync["id"])
    assert done["status"] == "succeeded", done
    assert done["version"] == 1 and done["row_count"] == 3
    # Another tenant cannot read the run, even through its own panel.
    theirs = created(
        sync_client.post(
            f"{API}/panels", json={"slug": "x", "name": "x"}, headers=other_tenant.editor
        )
    )
    assert (
        sync_client.get(
            f"{API}/panels/{theirs['id']}/syncs/{sync['id']}", headers=other_tenant.viewer
        ).status_code
        == 404
    )
    assert (
        sync_client.get(
            f"{API}/panels/{panel['id']}/syncs/{sync['id']}", headers=other_tenant.viewer
        ).status_code
        == 404
    )


def test_a_failed_sync_reports_its_error(sync_client, webserver, tenant) -> None:
    panel = _panel(sync_client, tenant, webserver["data_root"], "missing.csv")
    sync = sync_client.post(f"{API}/panels/{panel['id']}/syncs", headers=tenant.editor).json()
    done = _follow(sync_client, tenant, panel, sync["id"])
    assert done["status"] == "failed"
    assert "no file 'missing.csv' under the data root" in done["error"]


def test_cli_sync_waits_with_progress(sync_client, webserver, tenant) -> None:
    panel = _panel(sync_client, tenant, webserver["data_root"], "api.csv")
    env = {**webserver["env"], "PANELS_DAGSTER_URL": webserver["url"]}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "panels"),
            "sync",
            f"{tenant.slug}.{panel['slug']}",
            "--wait",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip()
    assert "succeeded" in result.stderr
    # The sync's progress, read back from the run log (lines, off a terminal).
    assert "published version 1: 3 of 3 rows read, 3 written, 0 rejected" in result.stderr, (
        result.stderr
    )
    assert "extracted source 'f': 3 rows read, 3 written, 0 rejected" in result.stderr
    status = sync_client.get(
        f"{API}/panels/{panel['id']}/syncs/{run_id}", headers=tenant.viewer
    ).json()
    assert status["status"] == "succeeded" and status["row_count"] == 3


def test_partitions_follow_panel_creation_rename_and_deletion(
    sync_client, webserver, tenant
) -> None:
    import dagster as dg

    def partitions() -> set[str]:
        with dg.DagsterInstance.from_config(webserver["env"]["DAGSTER_HOME"]) as instance:
            return set(instance.get_dynamic_partitions("panels"))

    panel = created(
        sync_client.post(
            f"{API}/panels", json={"slug": "follows", "name": "f"}, headers=tenant.editor
        )
    )
    assert f"{tenant.slug}.follows" in partitions()  # at once, not on the reconciler's tick
    sync_client.patch(
        f"{API}/panels/{panel['id']}", json={"slug": "renamed"}, headers=tenant.editor
    )
    keys = partitions()
    assert f"{tenant.slug}.renamed" in keys
    assert f"{tenant.slug}.follows" not in keys
    sync_client.delete(f"{API}/panels/{panel['id']}", headers=tenant.editor)
    assert f"{tenant.slug}.renamed" not in partitions()
