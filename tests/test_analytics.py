"""Columnar snapshots of every published version, and DuckDB answering the aggregates.

A publish writes its version's segment (the states it opened, the ones it closed) beside the
load; ``/aggregates`` is answered by DuckDB over the segments, with PostgreSQL's answers; a
version whose snapshot is lost is answered by PostgreSQL; another tenant reads nothing.
"""

from __future__ import annotations

import io
import json
import shutil
import statistics
import uuid
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from serving.http.metrics import ANALYTIC_READS
from tests.test_version_store import _incremental, incremental_source


@pytest.fixture(scope="module")
def source_db(fresh_database: Any) -> str:
    url: str = fresh_database()
    return url


def _engine_reads(engine: str) -> float:
    return float(ANALYTIC_READS.labels(engine)._value.get())


def _folder(settings: Any, k: Any) -> Path:
    current = k.current()
    return Path(settings.snapshots) / uuid.UUID(k.panel["id"]).hex / current["stats"]["store"]


def _aggregates(k: Any, **params: Any) -> dict[str, Any]:
    response = k.client.get(f"{k.url}/aggregates", params=params, headers=k.tenant.viewer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(k: Any, **params: Any) -> dict[str, Any]:
    response = k.client.get(f"{k.url}/rows", params=params, headers=k.tenant.viewer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _expected(rows: dict[int, str], keep: Any = lambda i, v: True) -> dict[str, Any]:
    ids = [i for i, v in rows.items() if keep(i, v)]
    values = [rows[i] for i in ids]
    return {
        "count": len(ids),
        "sum:id": sum(ids),
        "avg:id": (sum(ids) / len(ids)) if ids else None,
        "median:id": statistics.median(ids) if ids else None,
        "count_distinct:v": len(set(values)),
        "min:v": min(values) if values else None,
        "max:v": max(values) if values else None,
    }


WANTED = "count,sum:id,avg:id,median:id,count_distinct:v,min:v,max:v"


def _close(found: dict[str, Any], expected: dict[str, Any]) -> None:
    assert found.keys() == expected.keys()
    for name, value in expected.items():
        if isinstance(value, float):
            assert found[name] == pytest.approx(value), name
        else:
            assert found[name] == value, name


def test_each_version_has_a_snapshot_and_duckdb_answers_its_aggregates(
    kit, source_db, settings
) -> None:
    k, table = _incremental(kit, source_db)
    first = {i: f"v{i % 7}" for i in range(1, 41)}
    table.put(first)
    assert k.sync().success
    folder = _folder(settings, k)
    assert sorted(p.name for p in folder.iterdir()) == ["v1.closed.parquet", "v1.parquet"]
    assert pl.read_parquet(folder / "v1.parquet").height == 40
    assert k.current()["stats"]["snapshot"]["bytes"] > 0

    second = {**first, 3: "changed", 8: "changed", 41: "new", 42: "v1"}
    table.put({3: "changed", 8: "changed", 41: "new", 42: "v1"})
    assert k.sync().success
    assert k.current()["stats"]["changes"]["store"] == "extended"
    # Version 2's segment holds what it changed: 2 updated, 2 inserted (and the row read
    # again for the cursor's value is unchanged, so it is in neither file).
    assert pl.read_parquet(folder / "v2.parquet").height == 4
    closed = pl.read_parquet(folder / "v2.closed.parquet")
    assert closed.height == 2 and set(closed.get_column("_to")) == {2}

    before = _engine_reads("duckdb")
    _close(_aggregates(k, aggregates=WANTED)["footer"], _expected(second))
    _close(_aggregates(k, aggregates=WANTED, version=1)["footer"], _expected(first))
    wanted = {"and": [{"column": "id", "op": "gt", "value": 5}]}
    found = _aggregates(k, aggregates=WANTED, filter=json.dumps(wanted))
    _close(found["footer"], _expected(second, lambda i, v: i > 5))
    grouped = _aggregates(k, aggregates="count,sum:id", group_by="v")
    expected_groups = {}
    for i, v in second.items():
        count, total = expected_groups.get(v, (0, 0))
        expected_groups[v] = (count + 1, total + i)
    found_groups = {
        g["group"]["v"]: (g["values"]["count"], g["values"]["sum:id"]) for g in grouped["groups"]
    }
    assert found_groups == expected_groups
    assert [g["group"]["v"] for g in grouped["groups"]] == sorted(expected_groups)
    assert _engine_reads("duckdb") == before + 4

    # The rows page stays PostgreSQL's; a new filter's total and the group counts are DuckDB's.
    newer = {"column": "id", "op": "gte", "value": 30}
    page = _rows(k, filter=json.dumps(newer), limit=2)
    assert page["total"] == sum(1 for i in second if i >= 30) and len(page["data"]) == 2
    assert _engine_reads("duckdb") == before + 5
    page = _rows(k, group_by="v", limit=3)
    assert {g["group"]["v"]: g["count"] for g in page["groups"]} == {
        v: expected_groups[v][0] for v in {r["v"] for r in page["data"]}
    }
    assert _engine_reads("duckdb") == before + 6


def test_a_version_whose_snapshot_is_lost_is_answered_by_postgres(kit, source_db, settings) -> None:
    k, table = _incremental(kit, source_db)
    rows = {i: f"v{i % 3}" for i in range(1, 11)}
    table.put(rows)
    assert k.sync().success
    _close(_aggregates(k, aggregates=WANTED)["footer"], _expected(rows))
    shutil.rmtree(_folder(settings, k))
    before = _engine_reads("postgres")
    wanted = '{"column": "id", "op": "lte", "value": 4}'
    _close(
        _aggregates(k, aggregates=WANTED, filter=wanted)["footer"],
        _expected(rows, lambda i, v: i <= 4),
    )
    assert _engine_reads("postgres") == before + 1


ANALYTIC_ROUTES = [
    ("aggregates", {"aggregates": WANTED}),
    ("aggregates", {"aggregates": "count,max:v", "group_by": "v"}),
    ("aggregates", {"aggregates": "count", "group_by": "id", "bucket": "2"}),
    ("aggregates", {"aggregates": "count", "version": 1}),
    ("rows", {"filter": '{"column": "id", "op": "gt", "value": 1}'}),
    ("rows", {"group_by": "v"}),
    ("rows/export", {"format": "csv"}),
    ("rows/export", {"format": "parquet", "filter": '{"column": "v", "op": "is_not_empty"}'}),
]


def _without_request(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


def test_another_tenant_reads_no_snapshot_through_any_analytic_route(
    kit, source_db, other_tenant, dagster_instance
) -> None:
    """Tenant B asks every route DuckDB answers for tenant A's panel (its id, a version
    number): each is a 404 that shows nothing of A's, and no snapshot is read. B's own panel,
    snapshot and all, answers B's rows only."""
    from tests.pipeline_fixtures import PanelKit

    k, table = _incremental(kit, source_db)
    table.put({1: "secret-a", 2: "secret-a2"})
    assert k.sync().success
    theirs = PanelKit(k.client, other_tenant, k.database_url, dagster_instance, k.sync_settings)
    other = incremental_source(theirs, source_db)
    other.put({1: "b-only"})
    assert theirs.sync().success

    for route, params in ANALYTIC_ROUTES:
        before = _engine_reads("duckdb")
        response = k.client.get(f"{k.url}/{route}", params=params, headers=other_tenant.viewer)
        assert response.status_code == 404, (route, params, response.text)
        # As if the panel did not exist: the same answer as for an id nobody has.
        nobody = k.client.get(
            f"{k.url}/{route}".replace(k.panel["id"], str(uuid.UUID(int=7))),
            params=params,
            headers=other_tenant.viewer,
        )
        assert _without_request(response.json()) == _without_request(nobody.json()) | {
            "detail": nobody.json()["detail"].replace(str(uuid.UUID(int=7)), k.panel["id"])
        }
        assert "secret" not in response.text
        assert _engine_reads("duckdb") == before, (route, params)
        own = k.client.get(
            f"{theirs.url}/{route}",
            params={key: value for key, value in params.items() if key != "version"},
            headers=other_tenant.viewer,
        )
        assert own.status_code == 200, (route, params, own.text)
        assert b"secret" not in own.content
    assert _aggregates(k, aggregates="count")["footer"] == {"count": 2}


def _cross_join(tmp_path: Path, rows: int) -> tuple[Any, Any, Any]:
    """A snapshot of ``rows`` numbers, a query pairing every row with every other (``rows``
    squared products summed: seconds of work at 20,000, minutes at 200,000) and a count."""
    from sqlalchemy import column, func, select, table, true

    from serving.reads.analytics import Snapshot

    path = tmp_path / "v1.parquet"
    pl.DataFrame(
        {"_row_id": range(rows), "_created": 1, "_changed": 1, "n": range(rows)}
    ).with_columns(
        pl.col("_created", "_changed").cast(pl.Int64), pl.col("_row_id", "n").cast(pl.Int64)
    ).write_parquet(path)
    snapshot = Snapshot("p_timeout_v1", (str(path),), ())
    version = table("p_timeout_v1", column("n"), schema="panel_data")
    other = version.alias("o")
    heavy = select(func.sum(version.c.n * other.c.n)).select_from(version.join(other, true()))
    light = select(func.count()).select_from(version)
    return snapshot, heavy, light


def _interrupts(reason: str) -> float:
    from serving.http.metrics import ANALYTIC_INTERRUPTS

    return float(ANALYTIC_INTERRUPTS.labels(reason)._value.get())


def test_a_duckdb_read_past_its_timeout_is_interrupted(tmp_path) -> None:
    """PANELS_ANALYTICS_TIMEOUT_SECONDS: a query still running is interrupted and reported as
    a timeout (504 on the routes); the worker slot is free for the next one."""
    import anyio

    from core.snapshots import SnapshotRoot
    from serving.reads.analytics import Analytics

    snapshot, heavy, light = _cross_join(tmp_path, 20_000)
    root = SnapshotRoot(tmp_path / "root")
    analytics = Analytics(root, threads=1, memory_mb=256, timeout_seconds=0.2)
    before = _interrupts("timeout")
    try:
        with pytest.raises(TimeoutError):
            anyio.run(analytics.rows, snapshot, ["n"], [heavy])
        assert _interrupts("timeout") == before + 1
        assert anyio.run(analytics.rows, snapshot, ["n"], [light]) == [[(20_000,)]]
    finally:
        analytics.close()


def test_a_duckdb_read_whose_client_went_away_is_interrupted(tmp_path) -> None:
    """A request cancelled while DuckDB works (its client went away) interrupts the query at
    once, rather than leaving minutes of work running for nobody."""
    import anyio

    from core.snapshots import SnapshotRoot
    from serving.reads.analytics import Analytics

    snapshot, heavy, light = _cross_join(tmp_path, 200_000)
    analytics = Analytics(
        SnapshotRoot(tmp_path / "root"), threads=1, memory_mb=256, timeout_seconds=600
    )
    before = _interrupts("cancelled")

    async def go_away() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(analytics.rows, snapshot, ["n"], [heavy])
            await anyio.sleep(0.5)
            group.cancel_scope.cancel()
        # Uninterrupted, the query would run for minutes: it stops within seconds.
        with anyio.fail_after(30):
            while _interrupts("cancelled") == before:
                await anyio.sleep(0.05)

    try:
        anyio.run(go_away)
        assert anyio.run(analytics.rows, snapshot, ["n"], [light]) == [[(200_000,)]]
    finally:
        analytics.close()


def _keeper(k: Any, settings: Any) -> list[Any]:
    """The snapshot_keeper sensor's run requests for this kit's panel."""
    import dagster as dg

    from pipelines.resources import PanelsDatabase
    from pipelines.snapshot_keeper import snapshot_keeper

    db = PanelsDatabase(url=k.database_url)
    try:
        with dg.build_sensor_context(
            instance=k.instance, resources={"panels_db": db, "sync_settings": settings}
        ) as context:
            result = snapshot_keeper(context)
    finally:
        db.dispose()
    return [r for r in result.run_requests or [] if r.tags["panels/panel"] == k.key]


def _rebuild(k: Any, request: Any, settings: Any) -> None:
    from pipelines.resources import PanelsDatabase
    from pipelines.snapshot_keeper import snapshot_rebuild

    db = PanelsDatabase(url=k.database_url)
    try:
        result = snapshot_rebuild.execute_in_process(
            run_config=request.run_config,
            instance=k.instance,
            resources={"panels_db": db, "sync_settings": settings},
            tags=request.tags,
        )
    finally:
        db.dispose()
    assert result.success


def test_a_version_published_without_a_snapshot_is_rebuilt_in_the_background(
    kit, source_db, settings
) -> None:
    """PostgreSQL answers a served version without a snapshot, the snapshot_keeper sensor asks
    for one run that writes its base from PostgreSQL, and DuckDB answers from then on, the same
    answers; a later version extends it with its own segment."""
    from tests.pipeline_fixtures import batched

    k, table = _incremental(kit, source_db)
    writing = k.sync_settings
    k.sync_settings = batched(writing, 3)
    k.sync_settings = type(writing)(**{**k.sync_settings.__dict__, "write_snapshots": False})
    first = {i: f"v{i % 5}" for i in range(1, 31)}
    table.put(first)
    assert k.sync().success
    assert not k.current()["stats"]["snapshot"]
    assert not _folder(settings, k).exists()
    before = _engine_reads("postgres")
    _close(_aggregates(k, aggregates=WANTED)["footer"], _expected(first))
    assert _engine_reads("postgres") == before + 1

    (request,) = _keeper(k, writing)
    assert request.tags["panels/snapshot"] == "missing"
    _rebuild(k, request, writing)
    assert sorted(p.name for p in _folder(settings, k).iterdir()) == ["base-v1.parquet"]
    assert _keeper(k, writing) == []  # served version readable: nothing more is asked for

    before = _engine_reads("duckdb")
    wanted = '{"column": "id", "op": "gt", "value": 12}'
    _close(
        _aggregates(k, aggregates=WANTED, filter=wanted)["footer"],
        _expected(first, lambda i, v: i > 12),
    )
    assert _engine_reads("duckdb") == before + 1

    # The next version (snapshots on) writes its segment; DuckDB reads the base plus it.
    k.sync_settings = writing
    table.put({2: "changed", 31: "new"})
    assert k.sync().success
    second = {**first, 2: "changed", 31: "new"}
    _close(_aggregates(k, aggregates=WANTED)["footer"], _expected(second))
    assert _engine_reads("duckdb") == before + 2


def test_a_store_extended_by_many_versions_is_compacted(
    kit, source_db, settings, monkeypatch
) -> None:
    """Past PANELS_SNAPSHOT_COMPACT_SEGMENTS segments, the sensor asks for a base at the served
    version: it is read alone (the older segments may go) and gives the same answers, in an
    API process that read the segments before too (it looks for the snapshot again)."""
    from tests.pipeline_fixtures import batched

    k, table = _incremental(kit, source_db)
    compacting = type(k.sync_settings)(
        **{**batched(k.sync_settings, 3).__dict__, "snapshot_compact_segments": 2}
    )
    rows = {i: f"v{i % 4}" for i in range(1, 21)}
    table.put(rows)
    assert k.sync().success
    assert _keeper(k, compacting) == []  # one segment
    for change in ({1: "x"}, {21: "y"}):
        table.put(change)
        rows.update(change)
        assert k.sync().success
    folder = _folder(settings, k)
    _close(_aggregates(k, aggregates=WANTED)["footer"], _expected(rows))  # segments read
    (request,) = _keeper(k, compacting)
    assert request.tags["panels/snapshot"] == "compact"
    monkeypatch.setattr("serving.reads.analytics.RECHECK_SECONDS", 0.0)
    _rebuild(k, request, compacting)
    assert (folder / "base-v3.parquet").is_file()
    for name in ("v1", "v2", "v3"):
        (folder / f"{name}.parquet").unlink()
    before = _engine_reads("duckdb")
    wanted = '{"column": "id", "op": "gt", "value": 3}'  # not answered before: no held answer
    _close(
        _aggregates(k, aggregates=WANTED, filter=wanted)["footer"],
        _expected(rows, lambda i, v: i > 3),
    )
    assert _engine_reads("duckdb") == before + 1


EXPORT_CSV = "id,name,score,ok,day,at\n" + "".join(
    f"{i},{['Zoë', 'anna', '', 'Émile', 'bob'][i % 5]},{'' if i % 7 == 0 else i * 1.25},"
    f"{['true', 'false', ''][i % 3]},{'' if i % 6 == 0 else f'2024-0{1 + i % 9}-1{i % 10}'},"
    f"{f'2024-03-1{i % 10}T0{i % 10}:30:0{i % 6}Z' if i % 4 else ''}\n"
    for i in range(1, 41)
)


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "parquet"])
def test_an_export_from_the_snapshot_is_the_export_postgres_gives(
    kit, files, settings, fmt
) -> None:
    """A filtered, sorted export is streamed by DuckDB from the snapshot, and is what
    PostgreSQL streams for the same version: the same bytes for CSV and NDJSON, the same
    columns and values for Parquet."""
    import io

    from tests.pipeline_fixtures import write

    write(files / "export.csv", EXPORT_CSV)
    k = kit()
    k.source(name="e", kind="file", config={"path": "export.csv"})
    for key, type_ in [
        ("id", "integer"),
        ("name", "text"),
        ("score", "number"),
        ("ok", "boolean"),
        ("day", "date"),
        ("at", "datetime"),
    ]:
        k.column(key, type_)
    assert k.sync().success
    params = {
        "format": fmt,
        "sort": "-name,day",
        "filter": json.dumps(
            {"or": [{"column": "id", "op": "gt", "value": 8}, {"column": "ok", "op": "is_empty"}]}
        ),
    }

    def export() -> bytes:
        response = k.client.get(f"{k.url}/rows/export", params=params, headers=k.tenant.viewer)
        assert response.status_code == 200, response.text
        return response.content

    before = _engine_reads("duckdb")
    from_duckdb = export()
    assert _engine_reads("duckdb") == before + 1
    shutil.rmtree(_folder(settings, k))
    before = _engine_reads("postgres")
    from_postgres = export()
    assert _engine_reads("postgres") == before + 1
    if fmt == "parquet":
        duck = pl.read_parquet(io.BytesIO(from_duckdb))
        assert duck.height > 20
        assert duck.to_dicts() == pl.read_parquet(io.BytesIO(from_postgres)).to_dicts()
    else:
        assert from_duckdb.count(b"\n") > 20
        assert from_duckdb == from_postgres


def test_aggregates_group_by_buckets_of_dates_and_numbers(kit, files) -> None:
    """``bucket`` groups the first group_by column by month (a date stays a date) or by a bin
    width; a bucket that does not fit its column is refused, naming query.bucket."""
    import collections
    import datetime as dt

    from tests.pipeline_fixtures import write

    write(files / "export.csv", EXPORT_CSV)
    k = kit()
    k.source(name="e", kind="file", config={"path": "export.csv"})
    for key, type_ in [("id", "integer"), ("name", "text"), ("score", "number"), ("day", "date")]:
        k.column(key, type_)
    assert k.sync().success
    rows = pl.read_csv(io.BytesIO(EXPORT_CSV.encode()), try_parse_dates=True).to_dicts()

    months = _aggregates(k, group_by="day", bucket="month", aggregates="count")
    expected = collections.Counter(
        r["day"].replace(day=1).isoformat() if r["day"] else None for r in rows
    )
    assert {g["group"]["day"]: g["values"]["count"] for g in months["groups"]} == expected
    assert all(dt.date.fromisoformat(g["group"]["day"]).day == 1 for g in months["groups"][:-1])

    bins = _aggregates(k, group_by="id", bucket="10", aggregates="count,sum:id")
    assert [(g["group"]["id"], g["values"]["count"]) for g in bins["groups"]] == [
        (0, 9),
        (10, 10),
        (20, 10),
        (30, 10),
        (40, 1),
    ]

    for params, message in [
        ({"group_by": "day", "bucket": "mnth"}, "bucket by day, week, month"),
        ({"group_by": "name", "bucket": "month"}, "only dates, times and numbers"),
        ({"group_by": "score", "bucket": "-2"}, "a bin width above 0"),
        ({"bucket": "month"}, "give group_by"),
    ]:
        response = k.client.get(f"{k.url}/aggregates", params=params, headers=k.tenant.viewer)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["errors"][0]["field"] == "query.bucket" and message in body["detail"]
    refused = k.client.get(
        f"{k.url}/aggregates", params={"group_by": "day", "bucket": "mnth"}, headers=k.tenant.viewer
    ).json()
    assert refused["errors"][0]["hint"] == 'did you mean "month"?'


def test_store_text_orders_by_code_point_under_a_linguistic_database_collation(
    database_url,
) -> None:
    """A store's text is collated "C": in a database whose default collation is linguistic
    (ICU en-US), its sorts, groups and min/max still come in DuckDB's order (code point)."""
    import duckdb
    import psycopg
    from sqlalchemy.engine import make_url

    from core.enums import ColumnType
    from pipelines.loader import TableColumn, create_table

    server = make_url(database_url).set(drivername="postgresql", database="postgres")
    name = f"panels_icu_{uuid.uuid4().hex[:8]}"
    values = ["b", "B", "a", "é", "A", "e", "Z"]
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu"
            " ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        )
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(url) as conn:
            conn.execute("CREATE SCHEMA panel_data")
            create_table(conn, "s_text", [TableColumn("t", ColumnType.text)])
            for v in values:
                conn.execute("INSERT INTO panel_data.s_text VALUES (%s)", (v,))
            in_store = [r[0] for r in conn.execute("SELECT t FROM panel_data.s_text ORDER BY t")]
            grouped = conn.execute(
                "SELECT min(t), max(t), array_agg(t ORDER BY t) FROM panel_data.s_text"
            ).fetchone()
            linguistic = [
                r[0]
                for r in conn.execute("SELECT v FROM unnest(%s::text[]) v ORDER BY v", (values,))
            ]
        duck = [r[0] for r in duckdb.sql(f"SELECT unnest({values!r}) t ORDER BY t").fetchall()]
        assert in_store == duck == sorted(values)
        assert grouped is not None and grouped[:2] == (min(values), max(values))
        assert linguistic != in_store  # the database's own order differs: the collation matters
    finally:
        with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_snapshots_on_object_storage_are_written_listed_and_read_through_fsspec(
    settings, tenant, database_url, dagster_instance, sync_settings, source_db
) -> None:
    """PANELS_SNAPSHOT_ROOT as a URL (here fsspec's in-memory filesystem, standing in for
    s3://): the publish uploads its segments, the API lists them and DuckDB reads them through
    the same filesystem, an export too; the keeper writes a base there; retention removes a
    dropped store's folder."""
    import fsspec
    from fastapi.testclient import TestClient

    from serving.api.app import create_app
    from tests.pipeline_fixtures import PanelKit

    root = f"memory://snapshots-{uuid.uuid4().hex[:8]}"
    remote = type(sync_settings)(**{**sync_settings.__dict__, "snapshot_root": root})
    app = create_app(settings.model_copy(update={"snapshot_root": root}))
    memory = fsspec.filesystem("memory")
    with TestClient(app, raise_server_exceptions=False) as client:
        k = PanelKit(client, tenant, database_url, dagster_instance, remote)
        table = incremental_source(k, source_db)
        rows = {i: f"v{i % 3}" for i in range(1, 13)}
        table.put(rows)
        assert k.sync().success
        store = k.current()["stats"]["store"]
        folder = f"/{root.removeprefix('memory://')}/{uuid.UUID(k.panel['id']).hex}/{store}"
        assert sorted(p.rsplit("/", 1)[-1] for p in memory.ls(folder, detail=False)) == [
            "v1.closed.parquet",
            "v1.parquet",
        ]
        assert not Path(settings.snapshots, uuid.UUID(k.panel["id"]).hex).exists()
        table.put({2: "changed", 13: "new"})
        rows.update({2: "changed", 13: "new"})
        assert k.sync().success

        before = _engine_reads("duckdb")
        _close(_aggregates(k, aggregates=WANTED)["footer"], _expected(rows))
        exported = client.get(
            f"{k.url}/rows/export", params={"format": "ndjson"}, headers=tenant.viewer
        )
        assert sorted(json.loads(line)["id"] for line in exported.text.splitlines()) == sorted(rows)
        assert _engine_reads("duckdb") == before + 2

        compacting = type(remote)(**{**remote.__dict__, "snapshot_compact_segments": 1})
        (request,) = _keeper(k, compacting)
        _rebuild(k, request, compacting)
        assert memory.exists(f"{folder}/base-v2.parquet")

        # A new column starts a new store; once no kept version (5) reads the old one, its
        # folder is removed from the object store too.
        k.column("c", "integer")
        for n in range(6):
            table.put({1: f"again{n}"})
            assert k.sync().success
        assert k.current()["stats"]["store"] != store
        assert not memory.exists(folder)


def test_a_deleted_panels_snapshots_are_removed_and_nobody_elses(kit, source_db, settings) -> None:
    """The keeper removes the folder of a panel deleted through the API; a folder no panel of
    this database ever had (another deployment sharing the root) is left alone."""
    k, table = _incremental(kit, source_db)
    table.put({1: "a", 2: "b"})
    assert k.sync().success
    folder = _folder(settings, k).parent
    stranger = Path(settings.snapshots) / uuid.uuid4().hex / "s_x_g1"
    stranger.mkdir(parents=True)
    (stranger / "v1.parquet").write_bytes(b"not ours")
    assert _keeper(k, k.sync_settings) == []
    assert folder.is_dir()  # a live panel keeps its snapshot
    deleted = k.client.delete(k.url, headers=k.tenant.editor)
    assert deleted.status_code == 204
    _keeper(k, k.sync_settings)
    assert not folder.exists()
    assert (stranger / "v1.parquet").read_bytes() == b"not ours"
