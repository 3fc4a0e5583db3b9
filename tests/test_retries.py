"""Run retries under the project's own dagster.yaml: transient crashes only, never a step failure.

The instance is built from the repository's dagster.yaml as it is (only its storage URL comes
from the environment, as in production); runs are launched through Dagster's GraphQL API and
the daemons' own iteration functions (the queued run coordinator, and the event log consumer
that creates automatic retries) are called directly instead of running ``dagster-daemon``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.auto_run_reexecution.event_log_consumer import EventLogConsumerDaemon
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)
from dagster_graphql.test.utils import execute_dagster_graphql

from core.settings import PROJECT_ROOT
from core.storage import tenant_files
from pipelines.resources import SyncSettings
from serving.admin.demo import dagster_storage_url
from tests.pipeline_fixtures import PanelKit, write

pytestmark = pytest.mark.slow

LAUNCH = """
mutation($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""


class _DaemonLogger(logging.Logger):
    """Dagster's event log consumer still calls the deprecated ``Logger.warn``."""

    def warn(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.warning(msg, *args, **kwargs)


class Daemon:
    """The project's Dagster instance and workspace, with the daemons' iterations at hand."""

    def __init__(
        self, instance: dg.DagsterInstance, workspace: WorkspaceProcessContext, root: Path
    ) -> None:
        self.instance, self.workspace = instance, workspace
        self.settings = SyncSettings(state_dir=str(root / "state"), data_root=str(root / "data"))
        self.queue = QueuedRunCoordinatorDaemon(interval_seconds=1)
        self.retries = EventLogConsumerDaemon()
        # Set by the daemon controller otherwise.
        self.retries._logger = _DaemonLogger("test-daemon")

    def tick(self) -> None:
        """One iteration of each daemon that could start a run on its own."""
        list(self.retries.run_iteration(self.workspace))
        list(self.queue.run_iteration(self.workspace))

    def launch_sync(self, partition: str) -> str:
        result = execute_dagster_graphql(
            self.workspace.create_request_context(),
            LAUNCH,
            {
                "executionParams": {
                    "selector": {
                        "repositoryLocationName": "panels",
                        "repositoryName": "__repository__",
                        "jobName": "panel_sync",
                    },
                    "runConfigData": {},
                    "executionMetadata": {
                        "tags": [{"key": "dagster/partition", "value": partition}]
                    },
                }
            },
        )
        launched = result.data["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id: str = launched["run"]["runId"]
        return run_id

    def runs(self, partition: str) -> list[dg.DagsterRun]:
        return list(self.instance.get_runs(dg.RunsFilter(tags={"dagster/partition": partition})))

    def settle(self, partition: str, seconds: float) -> list[dg.DagsterRun]:
        """Tick the daemons for ``seconds`` and until no run of the partition is unfinished."""
        deadline = time.monotonic() + seconds
        hard_stop = time.monotonic() + 240
        while True:
            self.tick()
            runs = self.runs(partition)
            busy = [r for r in runs if not r.is_finished]
            if not busy and time.monotonic() > deadline:
                return runs
            assert time.monotonic() < hard_stop, [(r.run_id, r.status) for r in runs]
            time.sleep(1)


@pytest.fixture(scope="module")
def daemon(
    fresh_database: Any, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("retries")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    with pytest.MonkeyPatch.context() as env:
        # Read by the instance here, and by the code server and run workers it starts.
        env.setenv("DAGSTER_HOME", str(home))
        env.setenv("PANELS_DAGSTER_PG_URL", dagster_storage_url(fresh_database()))
        env.setenv("PANELS_DATABASE_URL", database_url)
        env.setenv("PANELS_STATE_DIR", str(root / "state"))
        env.setenv("PANELS_DATA_ROOT", str(root / "data"))
        env.setenv("PANELS_SOURCE_ALLOWLIST", "127.0.0.1")
        with (
            dg.DagsterInstance.from_config(str(home)) as instance,
            WorkspaceProcessContext(
                instance, WorkspaceFileTarget([str(PROJECT_ROOT / "workspace.yaml")])
            ) as workspace,
        ):
            out = Daemon(instance, workspace, root)
            out.tick()  # the retry daemon starts its cursor here: only later failures count
            yield out


def test_a_failed_check_runs_once_and_nothing_publishes_on_its_own(
    daemon: Daemon, client: Any, tenant: Any, database_url: str
) -> None:
    assert daemon.instance.run_retries_enabled  # the project's setting, not this test's
    write(
        tenant_files(Path(daemon.settings.data_root or ""), tenant.slug) / "delays.csv",
        "id,delay\n1,5\n2,999\n",
    )
    k = PanelKit(client, tenant, database_url, daemon.instance, daemon.settings)
    k.source(name="d", kind="file", config={"path": "delays.csv"})
    k.column("id", "integer")
    k.column("delay", "integer")
    rule = k.client.post(
        f"{k.url}/quality-rules",
        json={"name": "in range", "kind": "between", "column": "delay", "params": {"max": 60}},
        headers=k.tenant.editor,
    )
    assert rule.status_code == 201, rule.text

    run_id = daemon.launch_sync(k.key)
    runs = daemon.settle(k.key, seconds=0)
    assert [(r.run_id, r.status) for r in runs] == [(run_id, dg.DagsterRunStatus.FAILURE)], (
        "a step failure was retried as a whole run"
    )
    assert k.versions() == [(1, "failed")]

    # The user removes the failing rule; a pending automatic retry would now publish.
    deleted = k.client.delete(f"{k.url}/quality-rules/{rule.json()['id']}", headers=k.tenant.editor)
    assert deleted.status_code == 204
    runs = daemon.settle(k.key, seconds=8)
    assert [r.run_id for r in runs] == [run_id], "a step failure was retried as a whole run"
    assert daemon.instance.get_run_by_id(run_id).tags["dagster/will_retry"] == "false"
    assert k.versions() == [(1, "failed")]
    assert k.current() is None


class _SlowApi(BaseHTTPRequestHandler):
    """Answers once ``release`` is set: the run worker is busy in the extract until then."""

    release = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).release.wait(120)
        body = json.dumps([{"id": 1}, {"id": 2}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        pid = event.engine_event_data.metadata.get("pid") if event else None
        if pid is not None:
            return int(pid.value)
    return None


def test_a_killed_run_worker_is_retried_and_the_retry_publishes(
    daemon: Daemon, client: Any, tenant: Any, database_url: str
) -> None:
    _SlowApi.release.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        k = PanelKit(client, tenant, database_url, daemon.instance, daemon.settings)
        k.source(name="api", kind="http", config={"url": f"http://127.0.0.1:{server.server_port}/"})
        k.column("id", "integer")
        run_id = daemon.launch_sync(k.key)
        deadline = time.monotonic() + 240
        while (pid := _run_worker_pid(daemon.instance, run_id)) is None:
            assert time.monotonic() < deadline, "the run did not start"
            daemon.tick()
            time.sleep(1)
        time.sleep(3)  # into the extract, waiting on the source
        os.kill(pid, signal.SIGTERM)  # what a node shutdown or a redeploy sends
        while not daemon.instance.get_run_by_id(run_id).is_finished:  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the killed run did not finish"
            time.sleep(1)
        _SlowApi.release.set()
        runs = daemon.settle(k.key, seconds=0)
    finally:
        _SlowApi.release.set()
        server.shutdown()
        server.server_close()
    by_id = {r.run_id: r for r in runs}
    assert by_id.pop(run_id).status == dg.DagsterRunStatus.FAILURE
    (retry,) = by_id.values()
    assert retry.parent_run_id == run_id and retry.status == dg.DagsterRunStatus.SUCCESS
    assert [r["id"] for r in k.rows()] == [1, 2]
