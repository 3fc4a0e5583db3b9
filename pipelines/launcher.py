"""A run launcher that starts each run from a warm process (``pipelines.warm``).

Dagster's ``DefaultRunLauncher`` asks the code server to start a run worker, a new Python
process that imports the code location again before the run does anything: seconds per run
(more than the sync of a small panel). This launcher keeps one warm process per code location,
next to whoever launches (the daemon under the queued coordinator), and each run worker is a
fork of it that runs the run as ``dagster api execute_run`` would: the run, its events, logs,
retries and the UI are unchanged.

- A run stops on request from any process: ``terminate`` marks it CANCELING and the worker's
  cancellation thread (``run_monitoring.cancellation_thread_poll_interval_seconds``)
  interrupts it, as a cancelled run is interrupted under any launcher.
- The warm process is restarted when a file of the project it loaded changed on disk, so a
  run never executes older code than a cold start would.
- Whenever the warm path cannot start (the code does not import, the process died), the run
  goes to the code server as with the default launcher.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

from dagster import DefaultRunLauncher
from dagster._core.launcher.base import LaunchRunContext
from dagster._core.origin import RepositoryPythonOrigin
from dagster._serdes import serialize_value

logger = logging.getLogger("panels.launcher")
WARM_TAG = "panels/run_worker"  # "warm:<pid>" on the runs this launcher forked
READY_TIMEOUT = 600.0  # importing the code location on a loaded 2-core host takes tens of s
ANSWER_TIMEOUT = 30.0


class WarmUnavailable(Exception):
    """The warm process cannot take a run; the launcher falls back to the code server."""


class WarmProcess:
    """One ``python -m pipelines.warm`` for one code location, and its line protocol."""

    def __init__(self, origin: RepositoryPythonOrigin) -> None:
        pointer = origin.code_pointer
        workdir = getattr(pointer, "working_directory", None)
        self.process = subprocess.Popen(  # noqa: S603 - the code location's own interpreter
            [origin.executable_path, "-m", "pipelines.warm", serialize_value(origin)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=workdir if workdir and Path(workdir).is_dir() else None,
        )
        ready = self._answer(READY_TIMEOUT)
        if not ready.get("ready"):
            self.stop()
            raise WarmUnavailable(f"the warm process did not start: {ready.get('error')}")
        self.files: dict[str, int] = ready["files"]

    def _answer(self, timeout: float) -> dict[str, Any]:
        out: IO[str] | None = self.process.stdout
        assert out is not None
        readable, _, _ = select.select([out], [], [], timeout)
        line = out.readline() if readable else ""
        if not line:
            self.stop()
            raise WarmUnavailable("the warm process gave no answer")
        answer: dict[str, Any] = json.loads(line)
        return answer

    @property
    def current(self) -> bool:
        """Alive, and no file it loaded changed since."""
        if self.process.poll() is not None:
            return False
        for path, mtime in self.files.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return True

    def fork(self, run_id: str, instance_ref: str) -> int:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps({"run_id": run_id, "instance_ref": instance_ref}) + "\n")
            stdin.flush()
        except OSError as exc:
            self.stop()
            raise WarmUnavailable(f"the warm process is gone ({exc})") from exc
        try:
            answer = self._answer(ANSWER_TIMEOUT)
        except WarmUnavailable as exc:
            # It read the request and may have forked: launching again could run it twice.
            raise RuntimeError(f"lost the warm process while it started the run: {exc}") from exc
        if "pid" not in answer:
            raise RuntimeError(f"the warm process could not fork: {answer.get('error')}")
        pid: int = answer["pid"]
        return pid

    def stop(self) -> None:
        """Close its stdin: it takes no more runs, and leaves once those it started ended."""
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(OSError):
                    pipe.close()
        # Reaped when it leaves, however long its last runs take.
        threading.Thread(target=self.process.wait, name="warm-reaper", daemon=True).start()


class WarmRunLauncher(DefaultRunLauncher):
    """``run_launcher: {module: pipelines.launcher, class: WarmRunLauncher}`` in dagster.yaml."""

    def __init__(self, inst_data: Any = None) -> None:
        super().__init__(inst_data=inst_data)
        self._warm: dict[str, WarmProcess] = {}
        self._lock = threading.Lock()  # the queued coordinator launches from a thread pool

    def _warm_process(self, origin: RepositoryPythonOrigin) -> WarmProcess:
        key = origin.get_id()
        found = self._warm.get(key)
        if found is not None and not found.current:
            logger.info("the code changed or its warm process ended: starting a new one")
            found.stop()
            found = None
        if found is None:
            found = self._warm[key] = WarmProcess(origin)
        return found

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        origin = run.job_code_origin
        if origin is None:
            super().launch_run(context)
            return
        try:
            with self._lock:
                warm = self._warm_process(origin.repository_origin)
                pid = warm.fork(run.run_id, serialize_value(self._instance.get_ref()))
        except WarmUnavailable as exc:
            self._warm.pop(origin.repository_origin.get_id(), None)
            self._instance.report_engine_event(
                f"No warm run worker ({exc}); launching through the code server.",
                run,
                cls=self.__class__,
            )
            super().launch_run(context)
            return
        self._instance.add_run_tags(run.run_id, {WARM_TAG: f"warm:{pid}"})
        self._run_ids.add(run.run_id)

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if run is None or WARM_TAG not in run.tags:
            # Also a warm run cancelled before its tag was written: the default launcher marks
            # it CANCELING first, which is all such a run needs.
            return bool(super().terminate(run_id))  # type: ignore[no-untyped-call]
        if run.is_finished:
            return False
        # The worker polls its run's status and interrupts itself (any host, any process).
        self._instance.report_run_canceling(run)
        return True

    def dispose(self) -> None:
        with self._lock:
            for warm in self._warm.values():
                warm.stop()
            self._warm.clear()
        super().dispose()
