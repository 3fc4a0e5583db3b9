"""A sync streams its rows in batches: the published version is the same as in one batch.

The suite's syncs run in batches of 3 rows (conftest ``sync_settings``); these tests compare
that with one batch for what crosses batch boundaries: duplicates for ``unique``, rejected row
numbers, check counts and percentages, the types inferred for new fields, strict panels.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.progress import SyncProgress
from pipelines.resources import SyncSettings
from tests.pipeline_fixtures import PanelKit, batched, write

CSV = (
    "id,amount,day,code\n"
    "1,10.5,2026-11-01,A\n"
    "2,x,2026-11-02,B\n"  # rejected: not a number
    "3,7,2026-11-03,\n"
    "4,1,2026-11-04,A\n"
    "2,3,2026-11-05,C\n"  # id 2 again, two batches later
    "6,,2026-11-06,C\n"
    "7,y,2026-11-07,D\n"  # rejected
    "8,40,2026-11-08,A\n"
    "9,5,2026-11-09,B\n"
    "4,2,2026-11-10,A\n"  # id 4 again
    "11,8,2026-11-11,\n"
)


def _panel(client, tenant, database_url, dagster_instance, settings: SyncSettings) -> PanelKit:
    k = PanelKit(client, tenant, database_url, dagster_instance, settings)
    k.source(name="s", kind="file", config={"path": "stream.csv"})
    k.column("id", "integer")
    k.column("amount", "number")
    k.column("day", "date")
    k.column("code", "text")
    k.column("double", "number", formula="{amount} * 2")
    k.column("label", "text", formula='{code} & "-" & {id}')
    # Whole-panel aggregates: computed in a first pass over every batch.
    k.column("share", "number", formula="{amount} / SUM_ALL({amount})")
    k.column("vs_code", "number", formula="{amount} - AVG_ALL({amount}, {code})")
    k.column("above", "boolean", formula="{share} > AVG_ALL({share})")
    for kind, column, params in [
        ("unique", "id", {}),
        ("not_null", "amount", {}),
        ("not_null", "code", {}),
        ("between", "amount", {"min": 2, "max": 20}),
        ("in_set", "code", {"values": ["A", "B"]}),
        ("row_count_between", None, {"min": 5, "max": 8}),
        ("freshness", "day", {"max_age_hours": 24}),
    ]:
        body = {
            "name": f"{kind}-{column}",
            "kind": kind,
            "column": column,
            "params": params,
            "severity": "warning",
        }
        response = k.client.post(f"{k.url}/quality-rules", json=body, headers=k.tenant.editor)
        assert response.status_code == 201, response.text
    return k


def _published(k: PanelKit) -> dict[str, object]:
    current = k.current()
    assert current is not None
    checks = [
        {key: c[key] for key in ("name", "success", "observed", "unexpected_count", "examples")}
        | {"percent": round(c["unexpected_percent"] or 0, 6)}
        for c in k.checks()
    ]
    rows = k.rows()
    return {
        "rows": rows,
        "rejects": [(r["_source_row"], r["reason"]) for r in k.rejects()],
        "counts": (current["rows"], current["rejects"]),
        "checks": checks,
    }


def test_a_streamed_sync_publishes_what_one_batch_publishes(
    client, tenant, database_url, dagster_instance, sync_settings, files
) -> None:
    write(files / "stream.csv", CSV)
    assert sync_settings.batch_rows == 3
    whole = batched(sync_settings, 1000)
    streamed = _panel(client, tenant, database_url, dagster_instance, sync_settings)
    one = _panel(client, tenant, database_url, dagster_instance, whole)
    assert streamed.sync().success and one.sync().success
    assert whole.settings().sync_batch_rows == 1000
    a, b = _published(streamed), _published(one)
    assert a == b
    assert a["counts"] == (9, 2)
    assert a["rejects"] == [
        (1, "amount: cannot read x as number"),
        (6, "amount: cannot read y as number"),
    ]
    by_name = {c["name"]: c for c in a["checks"]}
    # Id 4 on source rows 3 and 9, in different batches (id 2's first row was rejected).
    assert by_name["unique-id"]["success"] is False
    assert by_name["unique-id"]["examples"] == [4, 4]
    assert by_name["unique-id"]["unexpected_count"] == 2
    assert by_name["row_count_between-None"]["observed"] == 9
    assert by_name["row_count_between-None"]["success"] is False
    assert by_name["in_set-code"]["unexpected_count"] == 2  # C and C; blanks are not counted
    assert sum(r["share"] for r in a["rows"]) == pytest.approx(1.0)
    assert [r["vs_code"] for r in a["rows"]][:2] == [
        10.5 - (10.5 + 1 + 40 + 2) / 4,
        7 - (7 + 8) / 2,
    ]
    assert [r["double"] for r in a["rows"]] == [
        21.0,
        14.0,
        2.0,
        6.0,
        0.0,
        80.0,
        10.0,
        4.0,
        16.0,
    ]  # blank * 2 is 0


def test_a_new_fields_type_is_read_from_every_batch(kit, files) -> None:
    """The first batches hold ISO dates; a later one does not: the field is text."""
    write(
        files / "drift.csv",
        "id,when\n1,2026-01-01\n2,2026-01-02\n3,2026-01-03\n4,2026-01-04\n5,soon\n",
    )
    k = kit()
    k.source(name="d", kind="file", config={"path": "drift.csv", "schema_drift": "add"})
    k.column("id", "integer")
    assert k.sync().success
    columns = {
        c["key"]: c["type"]
        for c in k.client.get(f"{k.url}/columns", headers=k.tenant.editor).json()["data"]
    }
    assert columns["when"] == "text"
    assert [r["when"] for r in k.rows()][-1] == "soon"


def test_a_strict_panel_counts_every_rejected_row_in_its_error(kit, files) -> None:
    write(files / "strict.csv", "n\n1\nx\n3\n4\ny\n6\n7\nz\n")
    k = kit(strict=True)
    k.source(name="s", kind="file", config={"path": "strict.csv"})
    k.column("n", "integer")
    result = k.sync(raise_on_error=False)
    assert not result.success
    assert k.current() is None
    failure = [p["error"] for t, p in k.events() if t == "sync.failed"][-1]
    assert "3 rows could not be cast" in failure, failure


@pytest.mark.parametrize("rows", [0, 1, 3, 4])
def test_batch_edges_publish_every_row(kit, files, rows) -> None:
    write(files / "edge.csv", "n\n" + "".join(f"{i}\n" for i in range(rows)))
    k = kit()
    k.source(name="e", kind="file", config={"path": "edge.csv"})
    k.column("n", "integer")
    assert k.sync().success
    assert [r["n"] for r in k.rows()] == list(range(rows))
    assert k.current()["rows"] == rows


KILLED_SYNC = """
import sys
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.sync import SyncEnv, build_and_publish
url, state_dir, data_root, key = sys.argv[1:5]
settings = SyncSettings(state_dir=state_dir, data_root=data_root, batch_rows=1).settings()
env = SyncEnv(
    settings=settings,
    engine=PanelsDatabase(url=url).engine,
    log=lambda message: print(message, flush=True),
)
build_and_publish(env, key)
"""


def test_a_sync_killed_mid_copy_leaves_the_last_version_and_the_next_cleans_up(
    client, tenant, dagster_instance, files, sync_settings, database_url
) -> None:
    write(files / "big.csv", "n\n" + "".join(f"{i}\n" for i in range(20_000)))
    k = PanelKit(client, tenant, database_url, dagster_instance, batched(sync_settings, 5000))
    k.source(name="b", kind="file", config={"path": "big.csv"})
    k.column("n", "integer")
    assert k.sync().success
    # One row a batch: the load lasts long enough for its progress to be reported mid-COPY.
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_SYNC,
            database_url,
            sync_settings.state_dir,
            sync_settings.data_root,
            k.key,
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        for line in child.stdout:
            progress = SyncProgress.parse(line)
            # Version 2 builds on version 1: its rows are staged and compared first.
            if progress and progress.phase == "comparing with version 1" and progress.written > 0:
                assert progress.written < 20_000, progress
                break
        else:
            pytest.fail("the sync ended before its load was reported")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert k.current()["number"] == 1
    assert len(k.rows()) == 20_000
    assert k.sync().success
    assert dict(k.versions()) == {1: "superseded", 2: "failed", 3: "published"}
    with k._conn() as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'panel_data' AND (c.relname LIKE %s OR c.relname LIKE %s)",
            (f"%{uuid.UUID(k.panel['id']).hex}_v2", f"%{uuid.UUID(k.panel['id']).hex}_g2"),
        ).fetchone()
    assert left == (0,)


MEASURED_SYNC = """
import sys
from pipelines.resources import PanelsDatabase, SyncSettings
from pipelines.sync import SyncEnv, build_and_publish, extract_panel
url, state_dir, data_root, key = sys.argv[1:5]
settings = SyncSettings(state_dir=state_dir, data_root=data_root, batch_rows=500).settings()
env = SyncEnv(settings=settings, engine=PanelsDatabase(url=url).engine)
extract_panel(env, key)
print(build_and_publish(env, key)["row_count"])
"""


def _peak_rss_mb(database_url: str, settings: SyncSettings, key: str) -> tuple[int, float]:
    """Rows published and peak RSS (MB) of a child process that runs the whole sync."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            MEASURED_SYNC,
            database_url,
            settings.state_dir,
            settings.data_root,
            key,
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, for its rusage
    assert child.returncode == 0, output
    return int(output.split()[-1]), usage.ru_maxrss / 1024


def test_a_sync_of_a_file_far_larger_than_its_batches_keeps_memory_flat(
    kit, files, sync_settings, database_url
) -> None:
    """Batches of 500 rows (about 0.5 MB): a file of 100,000 rows (about 100 MB) takes
    hardly more memory to sync than one of 10,000. Held whole, the larger would take several
    times its size more (the file as Polars frames, the CSV for COPY, the Arrow copy)."""
    header = "id," + ",".join(f"c{i}" for i in range(10)) + "\n"
    peaks = {}
    for rows in (10_000, 100_000):
        name = f"wide{rows}.csv"
        with (files / name).open("w") as out:
            out.write(header)
            for i in range(rows):
                # Random text: the extract's Parquet is as big as the CSV (no compression).
                cells = os.urandom(450).hex()
                out.write(f"{i}," + ",".join(cells[j : j + 90] for j in range(0, 900, 90)) + "\n")
        k = kit()
        k.source(name="w", kind="file", config={"path": name})
        k.column("id", "integer")
        for i in range(10):
            k.column(f"c{i}", "text")
        published, peak = _peak_rss_mb(database_url, sync_settings, k.key)
        assert published == rows
        peaks[rows] = peak
    growth = peaks[100_000] - peaks[10_000]
    assert growth < 30, f"peak RSS grew {growth:.0f} MB for 90 MB more data: {peaks}"
