"""`make bench-scale`: syncs of TPC-H lineitem at big scale factors, next to their floor.

For each scale factor in ``PANELS_BENCH_SCALES`` (default ``1,5``): tpchgen-cli writes the
lineitem CSV (kept under bench/results/tpch for the next run); a CSV file panel maps every
field; the sync (both assets of the partition, through Dagster in process) runs in a child
process whose peak RSS (children included, from ``wait4``) is the figure reported; the floor
is a plain ``COPY FROM STDIN`` of the same CSV into a table of the same column types, measured
in the same run. Results: bench/results/scale.json and BENCHMARKS-scale.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from bench.common import STATE, add_file_panel, plain_copy, scratch_database
from connectors.casting import PG_TYPES
from core.enums import ColumnType
from core.settings import Settings
from core.storage import tenant_files
from serving.admin import tenants as admin

ROOT = Path(__file__).resolve().parent.parent
INCREMENTAL_MARK = "## Publishes that cost what changed"


def lineitem(scale: str) -> Path:
    """The lineitem CSV at ``scale``, generated once and kept."""
    folder = STATE / "tpch" / f"sf{scale}"
    csv = folder / "lineitem.csv"
    if not csv.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tpchgen = str(Path(sys.executable).parent / "tpchgen-cli")
        subprocess.run(
            [tpchgen, "csv", "-s", scale, "--tables=lineitem", f"--output-dir={folder}"],
            check=True,
        )
    return csv


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run ``python -m bench.scale_child`` (with ``env`` added to its environment) and return
    its JSON and its peak RSS in MB."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.scale_child", *args],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"the sync child failed with status {status}")
    # ru_maxrss: the child's peak, or a waited-for descendant's if larger (kilobytes).
    return json.loads(output.splitlines()[-1]), usage.ru_maxrss / 1024


def _sync(
    scale: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float, float, int]:
    """One sync of the lineitem CSV panel at ``scale`` on a fresh database: its JSON, peak
    RSS, the plain COPY floor measured beside it, and the bytes of the snapshot it wrote."""
    csv = lineitem(scale)
    schema = pl.scan_csv(csv, try_parse_dates=True).collect_schema()
    with scratch_database() as url:
        root = STATE / "scale-run"
        shutil.rmtree(root / "state" / "snapshots", ignore_errors=True)
        data = root / "data"
        files = tenant_files(data, "tpch")
        files.mkdir(parents=True, exist_ok=True)
        target = files / "lineitem.csv"
        target.unlink(missing_ok=True)
        os.link(csv.resolve(), target)  # the data root refuses symlinks that leave it
        settings = Settings(
            environment="test", database_url=url, state_dir=root / "state", data_root=data
        )
        with admin.owner_session(settings) as session:
            tenant = admin.create_tenant(session, slug="tpch", name="TPC-H")
            _, columns = add_file_panel(
                session, tenant.id, "lineitem", "lineitem.csv", "csv", schema
            )
            types = {c.key: c.type.value for c in columns}
            session.commit()
        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        floor = plain_copy(conninfo, csv, {k: PG_TYPES[ColumnType(t)] for k, t in types.items()})
        measured, rss = run_child([url, str(root / "state"), str(data), "tpch.lineitem"], env)
        snapshot = sum(p.stat().st_size for p in Path(settings.snapshots).rglob("*.parquet"))
    return measured, rss, floor, snapshot


# Scales at which the sync also runs without writing its snapshot (PANELS_WRITE_SNAPSHOTS),
# on a fresh database: what the snapshot costs the publish.
SNAPSHOT_SHARE_SCALES = os.environ.get("PANELS_BENCH_SNAPSHOT_SHARE_SCALES", "1").split(",")


def one_scale(scale: str) -> dict[str, Any]:
    measured, rss, floor, snapshot = _sync(scale)
    seconds = measured["seconds"]
    result = {
        "scale": scale,
        "rows": measured["row_count"],
        "csv_mb": round(lineitem(scale).stat().st_size / 1e6),
        "sync_seconds": seconds,
        "phases": measured["phases"],
        "copy_floor_seconds": round(floor, 2),
        "time_vs_copy": round(seconds / floor, 2),
        "peak_rss_mb": round(rss, 1),
        "snapshot_mb": round(snapshot / 1e6, 1),
    }
    if scale in SNAPSHOT_SHARE_SCALES:
        without, _, _, _ = _sync(scale, {"PANELS_WRITE_SNAPSHOTS": "false"})
        result["sync_seconds_without_snapshot"] = without["seconds"]
        result["snapshot_share"] = round((seconds - without["seconds"]) / seconds, 3)
    return result


def render(results: list[dict[str, Any]]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks at scale",
        "",
        f"Generated by `make bench-scale` on {when} ({os.cpu_count()} cores). The sync runs"
        " through Dagster in a child process; its peak RSS is that process's (children"
        " included). The floor is a plain `COPY FROM STDIN` of the same CSV into a table of"
        " the same column types, in the same run.",
        "",
        "| scale | rows | CSV | sync | plain COPY (floor) | sync / COPY | peak RSS of the sync |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']} | {r['rows']:,} | {r['csv_mb']:,} MB | {r['sync_seconds']} s"
            f" | {r['copy_floor_seconds']} s | {r['time_vs_copy']} | {r['peak_rss_mb']} MB |"
        )
    lines += ["", "Phases (seconds):", ""]
    lines += [f"- SF {r['scale']}: `{json.dumps(r['phases'])}`" for r in results]
    lines += ["", "The columnar snapshot each sync wrote (docs/analytics.md):", ""]
    for r in results:
        share = ""
        if "snapshot_share" in r:
            share = (
                f"; the same sync without writing it, on a fresh database:"
                f" {r['sync_seconds_without_snapshot']} s, so the snapshot cost"
                f" {r['snapshot_share']:.1%} of the sync"
            )
        lines.append(f"- SF {r['scale']}: {r['snapshot_mb']:,} MB{share}")
    return "\n".join(lines) + "\n"


def main() -> None:
    scales = os.environ.get("PANELS_BENCH_SCALES", "1,5").split(",")
    results = []
    for scale in scales:
        print(f"lineitem at scale factor {scale} ...", file=sys.stderr, flush=True)
        result = one_scale(scale.strip())
        print(json.dumps(result), flush=True)
        results.append(result)
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "scale.json").write_text(json.dumps(results, indent=2))
    report = ROOT / "BENCHMARKS-scale.md"
    # The incremental benchmark's section (bench/incremental.py, run after this) is kept.
    kept = report.read_text().partition(INCREMENTAL_MARK)[2] if report.exists() else ""
    report.write_text(render(results) + (f"\n{INCREMENTAL_MARK}{kept}" if kept else ""))


if __name__ == "__main__":
    main()
