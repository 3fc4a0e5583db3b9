"""Syncing file sources through Dagster `materialize`, into versioned Postgres tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from core.storage import tenant_files
from tests.pipeline_fixtures import table_metadata, write

CSV = "id,name,price,day,active\n1,apple,1.5,2024-01-31,yes\n2,pear,,2024-02-01,no\n3,fig,2,,\n"


def test_a_materialisation_names_its_table_and_each_columns_lineage(
    kit, sync_settings, files, database_url
) -> None:
    """dagster/table_name is the served view, fully qualified; dagster/column_lineage says a
    mapped column comes from its source field and a formula column from the columns it reads
    (through another formula column too)."""
    import dagster as dg
    from sqlalchemy.engine import make_url

    write(files / "fruit.csv", CSV)
    k = kit()
    k.source(name="fruit", kind="file", config={"path": "fruit.csv"})
    k.column("id", "integer")
    k.column("label", "text", field="name")
    k.column("price", "number")
    k.column("twice", "number", formula="{price} * 2")
    k.column("tag", "text", formula="{Label} & '-' & {twice} & {id}")
    result = k.sync()
    assert result.success
    meta = table_metadata(result)
    database = make_url(database_url).database
    assert meta["dagster/table_name"] == f"{database}.panel_data.{k.current()['table']}"
    lineage = meta["dagster/column_lineage"].deps_by_column
    extract, table = dg.AssetKey("panel_extract"), dg.AssetKey("panel_table")
    assert lineage["label"] == [dg.TableColumnDep(asset_key=extract, column_name="name")]
    assert lineage["price"] == [dg.TableColumnDep(asset_key=extract, column_name="price")]
    assert lineage["twice"] == [dg.TableColumnDep(asset_key=table, column_name="price")]
    assert {d.column_name for d in lineage["tag"]} == {"label", "twice", "id"}
    assert {d.asset_key for d in lineage["tag"]} == {table}


def test_csv_sync_publishes_typed_rows_with_metadata(kit, sync_settings, files) -> None:
    write(files / "fruit.csv", CSV)
    k = kit()
    k.source(name="fruit", kind="file", config={"path": "fruit.csv"})
    k.column("id", "integer")
    k.column("name", "text")
    k.column("price", "number")
    k.column("day", "date")
    k.column("active", "boolean")
    result = k.sync()
    assert result.success
    meta = table_metadata(result)
    assert meta["dagster/row_count"] == 3
    assert meta["version"] == 1
    assert meta["rejects"] == 0
    assert [c.name for c in meta["dagster/column_schema"].columns] == [
        "id",
        "name",
        "price",
        "day",
        "active",
    ]
    assert k.rows() == [
        {
            "_source": "fruit",
            "id": 1,
            "name": "apple",
            "price": 1.5,
            "day": date(2024, 1, 31),
            "active": True,
        },
        {
            "_source": "fruit",
            "id": 2,
            "name": "pear",
            "price": None,
            "day": date(2024, 2, 1),
            "active": False,
        },
        {"_source": "fruit", "id": 3, "name": "fig", "price": 2.0, "day": None, "active": None},
    ]
    assert [e[0] for e in k.events()][-2:] == ["sync.started", "panel.materialized"]
    materialized = k.events()[-1][1]
    assert materialized["row_count"] == 3 and materialized["version"] == 1
    assert materialized["dagster_run_id"] == result.run_id


@pytest.mark.parametrize("fmt", ["parquet", "json", "ndjson"])
def test_parquet_json_and_ndjson_files(kit, sync_settings, fmt, files) -> None:
    frame = pl.DataFrame(
        {"id": [1, 2], "when": ["2024-01-01T10:00:00Z", "2024-01-02T11:30:00+01:00"]}
    )
    path = files / f"data.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    {"parquet": frame.write_parquet, "json": frame.write_json, "ndjson": frame.write_ndjson}[fmt](
        path
    )
    k = kit()
    k.source(name="src", kind="file", config={"path": f"data.{fmt}", "format": fmt})
    k.column("id", "integer")
    k.column("when", "datetime")
    assert k.sync().success
    assert [r["when"] for r in k.rows()] == [
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 30, tzinfo=UTC),
    ]


def test_bad_rows_are_quarantined_with_reasons(kit, sync_settings, files) -> None:
    write(files / "bad.csv", "id,amount\n1,10\nx,20\n3,lots\n4,40\n")
    k = kit()
    k.source(name="bad", kind="file", config={"path": "bad.csv"})
    k.column("id", "integer")
    k.column("amount", "number")
    result = k.sync()
    meta = table_metadata(result)
    assert meta["dagster/row_count"] == 2
    assert meta["rejects"] == 2
    assert [r["id"] for r in k.rows()] == [1, 4]
    rejects = k.rejects()
    assert [r["reason"] for r in rejects] == [
        "id: cannot read x as integer",
        "amount: cannot read lots as number",
    ]
    assert rejects[0]["raw"] == {"id": "x", "amount": "20"}
    assert meta["reject_examples"][0]["reason"] == "id: cannot read x as integer"


def test_strict_panel_fails_on_bad_rows_and_keeps_the_last_good_version(
    kit, sync_settings, files
) -> None:
    path = write(files / "strict.csv", "id\n1\n2\n")
    k = kit(strict=True)
    k.source(name="s", kind="file", config={"path": "strict.csv"})
    k.column("id", "integer")
    assert k.sync().success
    write(path, "id\n1\nnope\n")
    result = k.sync(raise_on_error=False)
    assert not result.success
    assert k.current()["number"] == 1
    assert [r["id"] for r in k.rows()] == [1, 2]
    failed = [p for t, p in k.events() if t == "sync.failed"]
    assert failed and "strict" in failed[-1]["error"]


@pytest.mark.parametrize("policy", ["ignore", "add", "fail"])
def test_schema_drift_policies(kit, sync_settings, policy, files) -> None:
    path = write(files / "drift.csv", "id,name\n1,a\n")
    k = kit()
    k.source(name="d", kind="file", config={"path": "drift.csv", "schema_drift": policy})
    k.column("id", "integer")
    k.column("name", "text")
    assert k.sync().success
    write(path, "id,name,Extra Field\n1,a,x\n2,b,y\n")
    result = k.sync(raise_on_error=False)
    if policy == "fail":
        assert not result.success
        error = [p for t, p in k.events() if t == "sync.failed"][-1]["error"]
        assert "new fields Extra Field" in error
        assert k.current()["number"] == 1
        return
    assert result.success
    rows = k.rows()
    assert [r["id"] for r in rows] == [1, 2]
    if policy == "ignore":
        assert set(rows[0]) == {"_source", "id", "name"}
    else:
        assert rows[1]["extra_field"] == "y"
        assert table_metadata(result)["added_columns"] == ["extra_field"]
        columns = k.client.get(f"{k.url}/columns", headers=k.tenant.viewer).json()["data"]
        assert columns[-1]["key"] == "extra_field" and columns[-1]["name"] == "Extra Field"
        assert "schema.changed" in [t for t, _ in k.events()]


def test_several_sources_are_unioned_with_a_source_column(kit, sync_settings, files) -> None:
    write(files / "a.csv", "id,label\n1,from a\n")
    write(files / "b.csv", "key,title\n7,from b\n")
    k = kit()
    k.source(name="a", kind="file", config={"path": "a.csv"})
    k.source(name="b", kind="file", config={"path": "b.csv"})
    k.column("id", "integer", field="id", source="a")
    k.column("label", "text", field="label", source="a")
    k.column("id_b", "integer", field="key", source="b")
    k.column("title", "text", field="title", source="b")
    assert k.sync().success
    rows = sorted(k.rows(), key=lambda r: r["_source"])
    assert [(r["_source"], r["id"], r["label"], r["id_b"], r["title"]) for r in rows] == [
        ("a", 1, "from a", None, None),
        ("b", None, None, 7, "from b"),
    ]


def test_file_paths_cannot_leave_the_data_root(kit, sync_settings, tmp_path, files) -> None:
    write(tmp_path / "secret.csv", "id\n1\n")
    files.mkdir(parents=True, exist_ok=True)
    (files / "link.csv").symlink_to(tmp_path / "secret.csv")
    for path in ("../secret.csv", str(tmp_path / "secret.csv"), "link.csv"):
        k = kit()
        # The first two are refused at save too (tests/test_source_checks.py); the link only
        # here, where the sync resolves it.
        k.unchecked_source(name="s", kind="file", config={"path": path})
        k.column("id", "integer")
        result = k.sync(raise_on_error=False)
        assert not result.success
        error = [p for t, p in k.events() if t == "sync.failed"][-1]["error"]
        assert "data root" in error, error


def test_one_tenant_never_reads_anothers_files(
    kit, files, other_tenant, settings, sync_settings
) -> None:
    """A file source's path is under its own tenant's folder, at save and at sync."""
    for root in {Path(settings.data_root), Path(sync_settings.data_root)}:  # API, pipelines
        write(tenant_files(root, other_tenant.slug) / "payroll.csv", "id,salary\n1,SALARY_ZQ\n")
    theirs = f"{other_tenant.slug}/payroll.csv"  # where it lies, seen from the data root
    k = kit()
    named = k.source(name="s", kind="file", config={"path": theirs})
    assert named["warnings"] == [
        f"no file {theirs!r} under the data root yet: a sync fails until it is there"
    ]
    k.column("id", "integer")
    assert not k.sync(raise_on_error=False).success
    error = [p for t, p in k.events() if t == "sync.failed"][-1]["error"]
    assert "payroll" in error and "SALARY_ZQ" not in error, error  # (a slug may hold "100")
    assert k.current() is None  # nothing was published
    escaping = k.client.post(
        f"{k.url}/sources",
        json={"name": "t", "kind": "file", "config": {"path": f"../{theirs}"}},
        headers=k.tenant.admin,
    )
    assert escaping.status_code == 422, escaping.text
    assert "leaves the data root" in escaping.text


def test_retention_keeps_the_newest_versions(kit, sync_settings, files) -> None:
    write(files / "r.csv", "id\n1\n")
    k = kit()
    k.source(name="r", kind="file", config={"path": "r.csv"})
    k.column("id", "integer")
    for _ in range(7):
        assert k.sync().success
    statuses = dict(k.versions())
    assert statuses[7] == "published"
    assert [n for n, s in statuses.items() if s == "superseded"] == [3, 4, 5, 6]
    assert [n for n, s in statuses.items() if s == "dropped"] == [1, 2]


def test_duckdb_transform_runs_over_the_extract(kit, sync_settings, files) -> None:
    write(files / "t.csv", "id,amount\n1,10\n2,20\n3,30\n")
    k = kit()
    k.source(
        name="t",
        kind="file",
        config={
            "path": "t.csv",
            "transform": "SELECT id, amount * 2 AS doubled FROM source WHERE id > 1",
        },
    )
    k.column("id", "integer")
    k.column("doubled", "number")
    assert k.sync().success
    assert [(r["id"], r["doubled"]) for r in k.rows()] == [(2, 40.0), (3, 60.0)]


def test_a_transform_cannot_touch_the_servers_files(kit, sync_settings, tmp_path, files) -> None:
    secret = write(tmp_path / "secret.csv", "id,password\n1,hunter2\n")
    write(files / "t.csv", "id\n1\n")
    k = kit()
    # A transform that writes is refused at save.
    response = k.client.post(
        f"{k.url}/sources",
        json={
            "name": "t",
            "kind": "file",
            "config": {"path": "t.csv", "transform": "COPY source TO '/tmp/leak.csv'"},
        },
        headers=k.tenant.admin,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.config.transform"
    # Reading a file is a SELECT: the sync's DuckDB has no file system to read it from.
    k.source(
        name="t",
        kind="file",
        config={"path": "t.csv", "transform": f"SELECT * FROM read_csv('{secret}')"},
    )
    k.column("id", "integer")
    k.column("password", "text")
    assert not k.sync(raise_on_error=False).success
    error = [p for t, p in k.events() if t == "sync.failed"][-1]["error"]
    assert "file system operations are disabled" in error
    assert "hunter2" not in error
    assert k.current() is None


def test_formula_columns_are_evaluated_and_rerun_without_the_sources(
    kit, sync_settings, files
) -> None:
    path = write(files / "f.csv", "carrier,delay\nAA,10\nAA,-4\nUA,30\nUA,\n")
    k = kit()
    k.source(name="f", kind="file", config={"path": "f.csv"})
    k.column("carrier", "text")
    k.column("delay", "integer")
    k.column("vs_carrier", "number", formula="{delay} - AVG_ALL({delay}, {carrier})")
    late = k.column("late", "boolean", formula="{delay} > 15")
    assert k.sync().success
    assert [(r["carrier"], r["delay"], r["vs_carrier"], r["late"]) for r in k.rows()] == [
        ("AA", 10, 7.0, False),
        ("AA", -4, -7.0, False),
        ("UA", 30, 0.0, True),
        ("UA", None, -30.0, False),
    ]
    # Change a formula and the source file: the formulas-only run uses the kept extract.
    k.client.patch(
        f"{k.url}/columns/{late['id']}", json={"formula": "{delay} > 5"}, headers=k.tenant.editor
    )
    write(path, "carrier,delay\nZZ,1\n")
    result = k.sync(stages="table")
    assert result.success
    # (A panel without a key knows a row by its content: the edited row is a new one, last.)
    assert {r["delay"]: r["late"] for r in k.rows()} == {10: True, -4: False, 30: True, None: False}
    assert table_metadata(result)["formulas"]["late"] == {"errors": 0, "blank": 0}


def test_lookup_reads_another_panel_of_the_tenant(kit, sync_settings, files) -> None:
    write(files / "airlines.csv", "carrier,name\nAA,American\nUA,United\n")
    write(files / "flights.csv", "flight,carrier\n1,UA\n2,AA\n3,ZZ\n")
    airlines = kit(slug="airlines")
    airlines.source(name="a", kind="file", config={"path": "airlines.csv"})
    airlines.column("carrier", "text")
    airlines.column("name", "text")
    assert airlines.sync().success
    flights = kit()
    flights.source(name="f", kind="file", config={"path": "flights.csv"})
    flights.column("flight", "integer")
    flights.column("carrier", "text")
    flights.column("airline", "text", formula='LOOKUP("airlines", "carrier", {carrier}, "name")')
    assert flights.sync().success
    assert [(r["flight"], r["airline"]) for r in flights.rows()] == [
        (1, "United"),
        (2, "American"),
        (3, None),
    ]
