"""Real servers for the real-time tests: `panels serve` processes and a private redis-server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ApiServer:
    def __init__(self, database_url: str, *, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.http = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        # Lives as long as the server; stop() closes and removes it.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="panels-api-", suffix=".log", delete=False
        )
        full = {
            **os.environ,
            "PANELS_DATABASE_URL": database_url,
            "PANELS_LOG_LEVEL": "INFO",
            "PANELS_RELAY_POLL_SECONDS": "0.5",
            **env,
        }
        if "PANELS_REDIS_URL" not in env:
            full.pop("PANELS_REDIS_URL", None)
        panels = str(Path(sys.executable).parent / "panels")
        self.process = subprocess.Popen(
            [panels, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=full,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.http}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = self.output()
                self.stop()  # else a server that started late outlives the test run
                raise RuntimeError(f"the API did not start:\n{output}")
            time.sleep(0.2)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@contextmanager
def api_server(database_url: str, *, workers: int = 1, **env: str) -> Iterator[ApiServer]:
    server = ApiServer(database_url, workers=workers, **env)
    try:
        yield server
    finally:
        server.stop()


class RedisServer:
    """A private redis-server on its own port: fault tests stop and start it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            probe = redis.Redis.from_url(self.url, socket_timeout=1)
            try:
                probe.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
            finally:
                probe.close()  # its socket, else a ResourceWarning whenever it is collected

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None


@contextmanager
def dagster_webserver(
    root: Path, storage_url: str, database_url: str, **instance: object
) -> Iterator[dict[str, object]]:
    """dagster-webserver over the pipelines code location, its instance in ``storage_url``
    (``instance``: more of its dagster.yaml); stopped with every process it started (its code
    servers too). Runs launch at once: no daemon runs here to dequeue them."""
    import psutil
    import yaml

    project = Path(__file__).resolve().parent.parent
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    config = {
        "storage": {"postgres": {"postgres_url": storage_url}},
        "telemetry": {"enabled": False},
        "run_coordinator": {
            "module": "dagster._core.run_coordinator",
            "class": "DefaultRunCoordinator",
        },
        **instance,
    }
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "PANELS_DATABASE_URL": database_url,
        "PANELS_STATE_DIR": str(root / "state"),
        "PANELS_DATA_ROOT": str(root / "data"),
    }
    log_path = root / "webserver.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster-webserver"),
                *("-w", str(project / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)),
            ],
            env=env,
            cwd=project,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                try:
                    if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "dagster-webserver did not start"
                time.sleep(0.5)
            yield {"url": url, "data_root": root / "data", "env": env}
        finally:
            # The code servers it starts outlive a signal to its group: stop them by name.
            started = psutil.Process(proc.pid).children(recursive=True)
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
            for child in started:
                with suppress(psutil.NoSuchProcess):
                    child.kill()


@contextmanager
def dagster_dev(
    root: Path,
    storage_url: str,
    database_url: str,
    *,
    code: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[dict[str, object]]:
    """``dagster dev`` (webserver, daemon, code server) as ``panels demo`` starts it, with the
    ``dagster.yaml`` of ``code`` (default: this checkout) and its instance in ``storage_url``
    (a ``postgresql+psycopg2://`` URL); stopped with every process it started."""
    import shutil

    import psutil

    code = code or Path(__file__).resolve().parent.parent
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(code / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "PANELS_DAGSTER_PG_URL": storage_url,
        "PANELS_DATABASE_URL": database_url,
        "PANELS_STATE_DIR": str(root / "state"),
        "PANELS_DATA_ROOT": str(root / "data"),
        **(extra_env or {}),
    }
    port = free_port()
    log_path = root / "dagster.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster"),
                "dev",
                *("-w", str(code / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)),
            ],
            env=env,
            cwd=code,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_code(url, proc, log_path)
        yield {"url": url, "data_root": root / "data", "env": env, "log": log_path}
    finally:
        started = psutil.Process(proc.pid).children(recursive=True)
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for child in started:  # code servers and run workers outlive a signal to the group
            with suppress(psutil.NoSuchProcess):
                child.kill()


def _wait_for_code(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until the code location is loaded (the webserver answers before it is)."""
    query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"dagster dev exited:\n{log.read_text(errors='replace')[-3000:]}")
        with suppress(httpx.HTTPError, KeyError, TypeError, ValueError):
            body = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30).json()
            entries = body["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return
        if time.monotonic() > deadline:
            raise RuntimeError("the code location did not load within 300 s")
        time.sleep(1)
