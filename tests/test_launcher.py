"""The warm run launcher: runs forked from a process that imported the code location once.

A small code location of its own (written to a temporary folder) keeps the warm process quick
to start; the instance is real (PostgreSQL storage), and so are the processes. The last test
syncs a panel through the API and a webserver configured as `dagster.yaml` is.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipelines.launcher import WARM_TAG, WarmProcess, WarmUnavailable
from serving.admin.demo import dagster_storage_url
from serving.api.app import create_app
from serving.orchestration.dagster_client import DagsterClient
from tests.live import dagster_webserver
from tests.test_sync_api import _follow, _panel

pytestmark = pytest.mark.slow
API = "/api/v1"

CODE = """
import os
import time

import dagster as dg


@dg.op
def hello(context) -> None:
    context.log.info(f"hello {VERSION} from {os.getpid()}")


# A retry policy, as panel_extract has: an interrupt must still stop the run, not retry.
@dg.op(retry_policy=dg.RetryPolicy(max_retries=3, delay=1))
def sleepy(context) -> None:
    for _ in range(600):
        time.sleep(0.1)


@dg.job
def greet() -> None:
    hello()


@dg.job
def nap() -> None:
    sleepy()


defs = dg.Definitions(jobs=[greet, nap], executor=dg.in_process_executor)
"""

LAUNCHER = {"module": "pipelines.launcher", "class": "WarmRunLauncher"}


def _origin(folder: Path, module: str) -> object:
    from dagster._core.code_pointer import ModuleCodePointer
    from dagster._core.origin import RepositoryPythonOrigin

    return RepositoryPythonOrigin(
        executable_path=sys.executable,
        code_pointer=ModuleCodePointer(module, "defs", str(folder)),
    )


@pytest.fixture
def code(tmp_path) -> tuple[Path, str]:
    module = f"warm_defs_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(f'VERSION = "v1"\n{CODE}')
    return tmp_path / f"{module}.py", module


@pytest.fixture
def instance(fresh_database) -> Iterator[object]:
    import dagster as dg

    overrides = {
        "storage": {"postgres": {"postgres_url": dagster_storage_url(fresh_database())}},
        "run_launcher": LAUNCHER,
        "run_monitoring": {"cancellation_thread_poll_interval_seconds": 1},
    }
    with dg.instance_for_test(overrides=overrides) as instance:
        yield instance


def _launch(instance, code: tuple[Path, str], job: str) -> str:
    from dagster._utils.hosted_user_process import recon_repository_from_origin

    origin = _origin(code[0].parent, code[1])
    job_def = recon_repository_from_origin(origin).get_definition().get_job(job)
    run = instance.create_run_for_job(job_def=job_def, job_code_origin=origin.get_job_origin(job))
    instance.launch_run(run.run_id, workspace=None)
    return run.run_id


def _wait(instance, run_id: str, status: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while True:
        run = instance.get_run_by_id(run_id)
        if run.status.value == status:
            return run
        assert not run.is_finished, run.status
        assert time.monotonic() < deadline, run.status
        time.sleep(0.2)


def _messages(instance, run_id: str) -> list[str]:
    return [
        (e.dagster_event.message if e.dagster_event else e.user_message) or ""
        for e in instance.all_logs(run_id)
    ]


def test_runs_are_forks_of_one_warm_process_and_log_as_usual(instance, code) -> None:
    first = _launch(instance, code, "greet")
    run = _wait(instance, first, "SUCCESS")
    worker = int(run.tags[WARM_TAG].removeprefix("warm:"))
    assert worker != os.getpid()
    assert f"hello v1 from {worker}" in _messages(instance, first)
    assert f"Started process for run (pid: {worker})." in _messages(instance, first)
    warm = next(iter(instance.run_launcher._warm.values()))
    # The next run is another fork of the same warm process, started in well under a second.
    started = time.monotonic()
    second = _launch(instance, code, "greet")
    assert time.monotonic() - started < 2
    run = _wait(instance, second, "SUCCESS")
    assert next(iter(instance.run_launcher._warm.values())) is warm
    assert run.tags[WARM_TAG] != f"warm:{worker}"


def test_a_changed_file_restarts_the_warm_process(instance, code) -> None:
    _wait(instance, _launch(instance, code, "greet"), "SUCCESS")
    before = next(iter(instance.run_launcher._warm.values())).process.pid
    path, _ = code
    path.write_text(path.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    run_id = _launch(instance, code, "greet")
    _wait(instance, run_id, "SUCCESS")
    assert next(iter(instance.run_launcher._warm.values())).process.pid != before
    assert any(m.startswith("hello v2 from ") for m in _messages(instance, run_id))


def test_terminate_cancels_a_warm_run_from_another_process(instance, code) -> None:
    import dagster as dg

    run_id = _launch(instance, code, "nap")
    _wait(instance, run_id, "STARTED")
    time.sleep(1)  # into the op, whose retry policy would take a lone interrupt
    # Another process (the webserver, say) has a launcher of its own: it knows no pid.
    with dg.DagsterInstance.from_ref(instance.get_ref()) as elsewhere:
        assert elsewhere.run_launcher.terminate(run_id)
    _wait(instance, run_id, "CANCELED", timeout=30)


def test_sigterm_fails_the_run_so_that_run_retries_apply(instance, code) -> None:
    run_id = _launch(instance, code, "nap")
    run = _wait(instance, run_id, "STARTED")
    time.sleep(1)  # into the op, whose retry policy would take a lone interrupt
    os.kill(int(run.tags[WARM_TAG].removeprefix("warm:")), signal.SIGTERM)
    failed = _wait(instance, run_id, "FAILURE", timeout=30)
    assert failed.tags["dagster/failure_reason"] == "UNEXPECTED_TERMINATION"


def test_a_killed_run_worker_fails_its_run_with_the_reason(instance, code) -> None:
    run_id = _launch(instance, code, "nap")
    run = _wait(instance, run_id, "STARTED")
    os.kill(int(run.tags[WARM_TAG].removeprefix("warm:")), signal.SIGKILL)
    # As under Dagster's code server: failed, with why (run retries then apply).
    _wait(instance, run_id, "FAILURE", timeout=30)
    crash = f"Run execution process for {run_id} was terminated by signal 9 (SIGKILL)."
    assert any(m.startswith(crash) for m in _messages(instance, run_id))


def test_code_that_does_not_import_is_reported(tmp_path) -> None:
    (tmp_path / "broken_defs.py").write_text("import no_such_module_here\n")
    with pytest.raises(WarmUnavailable, match="no_such_module_here"):
        WarmProcess(_origin(tmp_path, "broken_defs"))


@pytest.fixture(scope="module")
def warm_webserver(database_url, fresh_database, tmp_path_factory):
    """A webserver whose instance launches as `dagster.yaml` says (no daemon: at once)."""
    root = tmp_path_factory.mktemp("warm")
    storage = dagster_storage_url(fresh_database())
    with dagster_webserver(root, storage, database_url, run_launcher=LAUNCHER) as ws:
        yield ws


def test_an_api_sync_runs_in_a_warm_run_worker(settings, warm_webserver, tenant) -> None:
    app = create_app(settings.model_copy(update={"dagster_url": warm_webserver["url"]}))
    with TestClient(app) as client:
        panel = _panel(client, tenant, warm_webserver["data_root"], "api.csv")
        # The first launch starts the warm process (the webserver waits for it here; under
        # the queued coordinator the daemon does), longer than the API waits for an answer.
        key = f"{tenant.slug}.{panel['slug']}"
        warm_up = DagsterClient(warm_webserver["url"], timeout=600).launch_sync(key)
        assert _follow(client, tenant, panel, warm_up)["status"] == "succeeded"
        response = client.post(f"{API}/panels/{panel['id']}/syncs", headers=tenant.editor)
        assert response.status_code == 202, response.text
        done = _follow(client, tenant, panel, response.json()["id"])
        assert done["status"] == "succeeded" and done["version"] == 2, done
    dagster = DagsterClient(warm_webserver["url"])
    run = dagster.run(done["id"])
    assert run is not None and run.tags[WARM_TAG].startswith("warm:")
    messages, _ = dagster.logs(done["id"])
    assert any("published version 2" in m for m in messages), messages
