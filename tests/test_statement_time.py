"""database_query_duration_seconds{component, kind}: statements of the API and the pipelines,
timed in the driver, classified by their first keyword; a sync's totals in its Dagster metadata,
and its samples at the API's /metrics through a shared multiprocess directory."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from psycopg import sql

from models.statement_time import StatementKind, statement_kind
from tests.pipeline_fixtures import table_metadata, write

COUNT = "database_query_duration_seconds_count"
CSV = "id,name\n1,apple\n2,pear\n3,fig\n4,kiwi\n"


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("SELECT 1", "select"),
        ("  -- why\n/* note */ (select 1) UNION SELECT 2", "select"),
        ("VALUES (1), (2)", "select"),
        ("insert into t values (1)", "insert"),
        (b"UPDATE t SET a = 1", "update"),
        ("DELETE FROM t WHERE id = 1", "delete"),
        ("COPY t (a) FROM STDIN (FORMAT BINARY)", "copy"),
        ("CREATE INDEX ON t (a)", "ddl"),
        ("DROP VIEW IF EXISTS v", "ddl"),
        ("TRUNCATE t", "ddl"),
        ("SET LOCAL work_mem = '64MB'", "other"),
        ("ANALYZE t", "other"),
        ("", "other"),
        # A WITH is its main verb, found past the CTEs' parentheses (and what they quote).
        ("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", "insert"),
        ("WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone", "select"),
        ("WITH x AS MATERIALIZED (SELECT ')', \"(\") UPDATE t SET a = 1", "update"),
        (
            "with recursive r(n) as (select 1 union all select n + 1 from r) select n from r",
            "select",
        ),
        ("WITH x AS (SELECT 1", "select"),  # unfinished: a select, as said
        (sql.SQL("CREATE TABLE {} (a int)").format(sql.Identifier("insert")), "ddl"),
        (
            sql.SQL("WITH d AS ({}) DELETE FROM {} USING d").format(
                sql.SQL("SELECT 1"), sql.Identifier("select")
            ),
            "delete",
        ),
        (sql.Identifier("t"), "other"),
    ],
)
def test_a_statement_is_classified_by_its_first_keyword(statement: Any, kind: str) -> None:
    assert statement_kind(statement) == StatementKind(kind)


def _count(text: str, component: str, kind: str) -> float:
    prefix = f'{COUNT}{{component="{component}",kind="{kind}"}} '
    found = [line for line in text.splitlines() if line.startswith(prefix)]
    return float(found[0].rsplit(" ", 1)[1]) if found else 0.0


def test_api_requests_grow_the_api_select_count(client, kit) -> None:
    k = kit()
    before = _count(client.get("/metrics").text, "api", "select")
    for _ in range(3):
        assert client.get(k.url, headers=k.tenant.viewer).status_code == 200
    assert client.get("/api/v1/panels", headers=k.tenant.viewer).status_code == 200
    text = client.get("/metrics").text
    assert _count(text, "api", "select") > before
    assert "db_query_duration_seconds" not in text.replace("database_query_duration", "")
    assert str(k.panel["id"]) not in text, "statements and ids never become labels"


def test_the_read_engines_raw_driver_statements_are_timed_pipelined_ones_to_their_fetch(
    database_url,
) -> None:
    """The API's compiled reads run on the async engine's psycopg connection directly, some in
    pipeline mode (sent without waiting): the cursor times those to their first fetch."""
    from models.db import make_async_engine
    from models.statement_time import Tally, instrument, tallied

    async def scenario() -> Tally:
        engine = make_async_engine(database_url)
        instrument(engine.sync_engine, "api")
        try:
            async with engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                with tallied() as statements:
                    await (await driver.execute("SELECT pg_sleep(0.05)")).fetchall()
                    async with driver.pipeline():
                        await driver.execute("SET LOCAL work_mem = '8MB'")
                        cursor = await driver.execute("SELECT pg_sleep(0.05), 1")
                        assert await cursor.fetchone() is not None
                    await driver.execute("CREATE TEMPORARY TABLE timed (a int)")
                    await driver.rollback()
        finally:
            await engine.dispose()
        return statements

    totals = asyncio.run(scenario()).as_metadata()
    assert totals["select"]["count"] == 2
    assert totals["select"]["seconds"] >= 0.1  # the pipelined one too, to its row
    assert totals["ddl"]["count"] == 1
    assert "other" not in totals  # sent in the pipeline and never fetched: not timed alone


def test_a_sync_records_its_statements_by_kind_in_its_metadata(kit, files) -> None:
    from prometheus_client import REGISTRY

    def sample(kind: str) -> float:
        labels = {"component": "pipelines", "kind": kind}
        return REGISTRY.get_sample_value(COUNT, labels) or 0.0

    copies = sample("copy")
    write(files / "fruit.csv", CSV)
    k = kit()
    k.source(name="fruit", kind="file", config={"path": "fruit.csv"})
    k.column("id", "integer")
    k.column("name", "text")
    result = k.sync()
    assert result.success
    statements = table_metadata(result)["statements"]
    # The publish: a version row, its table and view, the rows by binary COPY, the switch.
    assert {"select", "insert", "update", "copy", "ddl"} <= set(statements)
    assert statements["copy"]["count"] >= 1
    assert all(s["count"] > 0 and s["seconds"] >= 0 for s in statements.values())
    (extract,) = result.asset_materializations_for_node("panel_extract")
    assert extract.metadata["statements"].value["select"]["count"] >= 1  # the panel's spec
    assert sample("copy") >= copies + statements["copy"]["count"]


def test_the_batch_job_records_each_panels_statements(
    kit, files, sync_settings, dagster_instance, database_url
) -> None:
    from pipelines.jobs import sync_panels_batch
    from pipelines.resources import PanelsDatabase

    write(files / "fruit.csv", CSV)
    k = kit()
    k.source(name="fruit", kind="file", config={"path": "fruit.csv"})
    k.column("id", "integer")
    db = PanelsDatabase(url=database_url)
    try:
        result = sync_panels_batch.execute_in_process(
            run_config={"ops": {"sync_panels": {"config": {"partitions": [k.key]}}}},
            instance=dagster_instance,
            resources={"panels_db": db, "sync_settings": sync_settings},
        )
    finally:
        db.dispose()
    by_asset = {
        m.asset_key.path[-1]: m.metadata["statements"].value
        for m in result.asset_materializations_for_node("sync_panels")
    }
    assert by_asset["panel_table"]["copy"]["count"] >= 1
    assert by_asset["panel_extract"]["select"]["count"] >= 1


RUN_IN_ITS_OWN_PROCESS = """
import json, sys
import dagster as dg
from pipelines.assets import panel_extract, panel_table
from pipelines.partitions import PANELS_PARTITIONS_NAME
from pipelines.resources import PanelsDatabase, SyncSettings

args = json.loads(sys.argv[1])
instance = dg.DagsterInstance.ephemeral()
instance.add_dynamic_partitions(PANELS_PARTITIONS_NAME, [args["key"]])
db = PanelsDatabase(url=args["url"])
result = dg.materialize(
    [panel_extract, panel_table],
    partition_key=args["key"],
    instance=instance,
    resources={"panels_db": db, "sync_settings": SyncSettings(**args["sync"])},
)
db.dispose()
sys.exit(0 if result.success else 1)
"""


@pytest.mark.slow
def test_a_sync_in_its_own_process_reaches_the_apis_metrics_through_a_shared_directory(
    client, kit, files, sync_settings, database_url, tmp_path, monkeypatch
) -> None:
    """A Dagster run is a process of its own: with PROMETHEUS_MULTIPROC_DIR shared with the
    API, its statements are in the API's /metrics as component="pipelines"."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    write(files / "fruit.csv", CSV)
    k = kit()
    k.source(name="fruit", kind="file", config={"path": "fruit.csv"})
    k.column("id", "integer")
    args = {"key": k.key, "url": database_url, "sync": sync_settings.model_dump()}
    run = subprocess.run(
        [sys.executable, "-c", RUN_IN_ITS_OWN_PROCESS, json.dumps(args)],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert k.current() is not None  # published by the other process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))  # as `panels serve` reads it
    text = client.get("/metrics").text
    for kind in ("copy", "insert", "ddl", "select"):
        assert _count(text, "pipelines", kind) >= 1, kind
