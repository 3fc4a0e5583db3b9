"""A warm process for run workers: the code location imported once, each run a fork of it.

``python -m pipelines.warm <serialized RepositoryPythonOrigin>`` imports the code location and
resolves its jobs (seconds: Dagster, Polars, PyArrow, SQLAlchemy and the pipelines), then reads
one JSON request a line on stdin, ``{"run_id": ..., "instance_ref": ...}``, forks, and answers
``{"pid": N}``. The child is an ordinary Dagster run worker: it runs the body of ``dagster api
execute_run`` (the entry point every Dagster run launcher's worker runs), so the run, its
events, logs and UI are the same as a cold start's; only the imports are gone. The first line
it writes is ``{"ready": true, "files": {path: mtime_ns}}``: the project files it loaded, which
the launcher compares with the disk to restart it after a code change.

It watches its children as Dagster's code server watches the run workers it starts: a worker
that dies (killed, out of memory) before its run finished has the run failed with the reason,
so run retries apply. EOF on stdin (the launcher restarts it, or is gone) stops it taking
runs; it leaves once the runs it started have ended (they are not its to stop).

The process stays single-threaded until it forks (checked): nothing here starts a thread,
connects to a database or touches Polars' thread pool before a child does.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _project_files() -> dict[str, int]:
    """Modules loaded from outside the interpreter's prefixes (the code location's own code)."""
    prefixes = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    files = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and path.endswith(".py") and not path.startswith(prefixes):
            files[path] = Path(path).stat().st_mtime_ns
    return files


STOPPING = ("CANCELING", "CANCELED", "FAILURE")  # asked to stop, or marked ended from outside
INTERRUPT_EVERY = 0.5


def _interrupt_when_stopped(
    instance: Any, run_id: str, signals: int, done: threading.Event
) -> None:
    """Interrupt the run when it is asked to stop (CANCELING: the UI's Terminate, from any
    process or host) or the process gets SIGTERM, and keep interrupting until the run ends.

    One interrupt is not enough in process: an interrupt that lands in a step with a retry
    policy is taken by Dagster as a reason to retry the step; the next one, landing while the
    retry waits, stops the run before the step starts again. Dagster's own cancellation thread
    interrupts once, for executors whose steps run in processes of their own.
    """
    from dagster._utils import send_interrupt  # noqa: PLC0415

    poll = float(instance.cancellation_thread_poll_interval_seconds)
    stopping, next_look = False, time.monotonic() + poll
    while not done.is_set():
        if not stopping and select.select([signals], [], [], INTERRUPT_EVERY)[0]:
            # The numbers of the signals the process received (its wakeup fd): Dagster's
            # handler takes SIGTERM as one interrupt, which a retry policy may swallow.
            stopping = signal.SIGTERM in os.read(signals, 512)
        if not stopping and time.monotonic() >= next_look:
            next_look = time.monotonic() + poll
            run = instance.get_run_by_id(run_id)
            stopping = run is None or run.status.value in STOPPING
        if stopping and not done.is_set():
            send_interrupt()
            done.wait(INTERRUPT_EVERY)


def _run_worker(run_id: str, instance_ref: str) -> int:
    """The child: one run, as ``dagster api execute_run`` runs it, with a thread that stops it
    when asked to."""
    from dagster import DagsterInstance  # noqa: PLC0415
    from dagster._cli.api import _execute_run_command_body  # noqa: PLC0415
    from dagster._core.instance import InstanceRef  # noqa: PLC0415
    from dagster._serdes import deserialize_value  # noqa: PLC0415
    from dagster._utils.interrupts import capture_interrupts  # noqa: PLC0415

    signal.signal(signal.SIGINT, signal.default_int_handler)  # the server ignores it
    signals, wakeup = os.pipe()
    os.set_blocking(wakeup, False)
    signal.set_wakeup_fd(wakeup, warn_on_full_buffer=False)
    done = threading.Event()
    with (
        capture_interrupts(),
        DagsterInstance.from_ref(deserialize_value(instance_ref, InstanceRef)) as instance,
    ):
        watcher = threading.Thread(
            target=_interrupt_when_stopped,
            args=(instance, run_id, signals, done),
            name="panels-stop-watcher",
            daemon=True,
        )
        watcher.start()
        try:
            return _execute_run_command_body(
                run_id, instance, lambda _event: None, set_exit_code_on_failure=False
            )
        finally:
            done.set()
            watcher.join()


def _child(work: Any, close: int) -> int:
    """Fork; in the child close ``close`` (the protocol's end), run ``work()`` and exit with
    what it returns (1 if it raised)."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.close(close)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)  # the server's requests are not the child's
        os.close(devnull)
        code = work()
    except BaseException:  # noqa: BLE001 - a child never returns into the server's loop
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _report_crash(request: dict[str, Any], exit_code: int) -> int:
    """What Dagster's code server does when a run worker it started dies: a run that did not
    finish is failed with the reason (which lets run retries re-execute it)."""
    from dagster import DagsterInstance  # noqa: PLC0415
    from dagster._core.instance import InstanceRef  # noqa: PLC0415
    from dagster._serdes import deserialize_value  # noqa: PLC0415
    from dagster._utils import get_run_crash_explanation  # noqa: PLC0415

    ref = deserialize_value(request["instance_ref"], InstanceRef)
    with DagsterInstance.from_ref(ref) as instance:
        run = instance.get_run_by_id(request["run_id"])
        if run is not None and not run.is_finished:
            message = get_run_crash_explanation(
                prefix=f"Run execution process for {run.run_id}", exit_code=exit_code
            )
            instance.report_engine_event(message, run)
            instance.report_run_failed(run)
    return 0


def _reap(workers: dict[int, dict[str, Any]], answers_fd: int) -> None:
    """Collect ended children; a run worker that did not exit cleanly has its run checked (a
    clean exit is the end of ``execute_run``, which records the run's outcome itself)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        request = workers.pop(pid, None)
        code = os.waitstatus_to_exitcode(status)
        if request is not None and code != 0:
            _child(lambda request=request, code=code: _report_crash(request, code), answers_fd)


def _requests(
    fd: int, workers: dict[int, dict[str, Any]], answers_fd: int
) -> Iterator[dict[str, Any]]:
    """Requests, one JSON a line, until EOF; ended children are reaped at least every second."""
    buffer = b""
    while True:
        if b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            yield json.loads(line)
            continue
        readable, _, _ = select.select([fd], [], [], 1.0)
        _reap(workers, answers_fd)
        if readable:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            buffer += chunk


def main(argv: list[str]) -> None:
    # The protocol has a descriptor of its own; anything printed goes to stderr.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    try:
        from dagster._core.origin import RepositoryPythonOrigin  # noqa: PLC0415
        from dagster._serdes import deserialize_value  # noqa: PLC0415
        from dagster._utils.hosted_user_process import (  # noqa: PLC0415
            recon_repository_from_origin,
        )

        origin = deserialize_value(argv[0], RepositoryPythonOrigin)
        recon_repository_from_origin(origin).get_definition().get_all_jobs()
        import dagster._cli.api  # noqa: F401, PLC0415 - what each child runs

        if threading.active_count() != 1:
            raise RuntimeError(f"threads before fork: {threading.enumerate()}")
    except Exception:  # noqa: BLE001 - reported to the launcher, which falls back
        answers.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the runs, not the server
    answers.write(json.dumps({"ready": True, "files": _project_files()}) + "\n")
    workers: dict[int, dict[str, Any]] = {}
    answers_fd = answers.fileno()
    for request in _requests(0, workers, answers_fd):
        try:
            pid = _child(
                lambda request=request: _run_worker(request["run_id"], request["instance_ref"]),
                answers_fd,
            )
            workers[pid] = request
            answers.write(json.dumps({"pid": pid}) + "\n")
        except Exception as exc:  # noqa: BLE001 - one bad request does not stop the server
            answers.write(json.dumps({"error": f"{exc.__class__.__name__}: {exc}"}) + "\n")
    # The launcher is gone (a restart, new code): watch the runs still going, then leave.
    while workers:
        time.sleep(1)
        _reap(workers, answers_fd)


if __name__ == "__main__":
    main(sys.argv[1:])
