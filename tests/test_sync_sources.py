"""HTTP and SQL sources, incremental syncs, interrupted publishes, schedules and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dagster as dg
import polars as pl
import psycopg
import pytest
import yaml

from pipelines import publish
from pipelines.resources import PanelsDatabase
from pipelines.schedules import Schedule, due, panel_refresh_scheduler
from pipelines.sync import SyncEnv
from serving.admin.demo import dagster_storage_url
from tests.pipeline_fixtures import table_metadata, write

RECORDS = [{"id": i, "name": f"item {i}", "meta": {"score": i * 1.5}} for i in range(1, 6)]


class _Api(BaseHTTPRequestHandler):
    calls: list[str] = []
    throttled = False

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).calls.append(self.path)
        if self.headers.get("Authorization") != "Bearer s3cret":
            self._send(401, {"error": "no"})
            return
        if url.path == "/pages":
            page = int(query.get("page", 1))
            if page == 2 and not type(self).throttled:
                type(self).throttled = True
                self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
                return
            self._send(200, {"data": {"items": RECORDS[(page - 1) * 2 : page * 2]}})
        elif url.path == "/cursor":
            start = int(query.get("cursor", 0))
            nxt = start + 2 if start + 2 < len(RECORDS) else None
            self._send(200, {"results": RECORDS[start : start + 2], "next": nxt})
        elif url.path == "/linked":
            page = int(query.get("p", 1))
            headers = {"Link": f'</linked?p={page + 1}>; rel="next"'} if page < 3 else {}
            self._send(200, RECORDS[(page - 1) * 2 : page * 2], headers)
        elif url.path == "/broken":
            self._send(503, {"error": "down"})
        else:
            self._send(404, {})


@pytest.fixture
def api_server():
    _Api.calls, _Api.throttled = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SECRETS = {"headers": {"Authorization": "Bearer s3cret"}}


@pytest.mark.parametrize(
    ("path", "config"),
    [
        (
            "/pages",
            {
                "record_path": "data.items",
                "pagination": {"type": "page", "page_size": 2, "size_param": "size"},
            },
        ),
        (
            "/cursor",
            {"record_path": "results", "pagination": {"type": "cursor", "cursor_path": "next"}},
        ),
        ("/linked", {"pagination": {"type": "link"}}),
    ],
)
def test_http_source_paginates_retries_and_authenticates(kit, api_server, path, config) -> None:
    k = kit()
    k.source(name="api", kind="http", config={"url": api_server + path, **config}, secrets=SECRETS)
    k.column("id", "integer")
    k.column("name", "text")
    k.column("score", "number", field="meta.score")
    result = k.sync()
    assert table_metadata(result)["dagster/row_count"] == 5
    assert [(r["id"], r["score"]) for r in k.rows()] == [(i, i * 1.5) for i in range(1, 6)]
    if path == "/pages":
        assert any("page=2" in c for c in _Api.calls[:-1]), "the 429 was retried"
    assert "s3cret" not in json.dumps(
        k.client.get(f"{k.url}/sources", headers=k.tenant.admin).json()
    )


def test_http_source_gives_up_on_a_persistent_5xx_and_keeps_the_old_version(
    kit, api_server
) -> None:
    k = kit()
    source = k.source(
        name="api",
        kind="http",
        config={
            "url": api_server + "/pages",
            "record_path": "data.items",
            "pagination": {"type": "page", "page_size": 2},
        },
        secrets=SECRETS,
    )
    k.column("id", "integer")
    assert k.sync().success
    k.client.patch(
        f"{k.url}/sources/{source['id']}",
        json={"config": {"url": api_server + "/broken", "retries": 1}},
        headers=k.tenant.admin,
    )
    result = k.sync(raise_on_error=False)
    assert not result.success
    assert k.current()["number"] == 1
    assert len(k.rows()) == 5
    error = [p for t, p in k.events() if t == "sync.failed"][-1]["error"]
    assert "HTTP 503" in error


def test_sql_source_reads_in_a_read_only_transaction(kit, fresh_database) -> None:
    url = fresh_database()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE orders (id int, amount numeric(10,2), placed timestamptz)")
        conn.execute(
            "INSERT INTO orders VALUES (1, 9.99, '2024-01-01 10:00+00'),"
            " (2, 20, '2024-01-02 12:00+02')"
        )
    k = kit()
    k.source(
        name="db",
        kind="sql",
        config={"query": "SELECT id, amount, placed FROM orders ORDER BY id"},
        secrets={"url": url},
    )
    k.column("id", "integer")
    k.column("amount", "number")
    k.column("placed", "datetime")
    assert k.sync().success
    assert [(r["id"], r["amount"], r["placed"]) for r in k.rows()] == [
        (1, 9.99, datetime(2024, 1, 1, 10, tzinfo=UTC)),
        (2, 20.0, datetime(2024, 1, 2, 10, tzinfo=UTC)),
    ]
    with psycopg.connect(url) as conn:
        conn.execute("CREATE SEQUENCE ids")
    writer = kit()
    # A write refused at save (tests/test_source_checks.py) never gets here; a SELECT that
    # writes through a function does, and the read-only transaction stops it.
    writer.source(
        name="db",
        kind="sql",
        config={"query": "SELECT nextval('ids') AS id"},
        secrets={"url": url},
    )
    writer.column("id", "integer")
    result = writer.sync(raise_on_error=False)
    assert not result.success
    assert "read-only" in [p for t, p in writer.events() if t == "sync.failed"][-1]["error"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (2,)
        assert conn.execute("SELECT last_value, is_called FROM ids").fetchone() == (1, False)


def test_incremental_sync_upserts_on_the_key_and_keeps_ties_at_the_cursor(
    kit,
    sync_settings,
    files,
) -> None:
    path = write(
        files / "inc.csv",
        "id,updated,value\n1,2024-01-01,a\n2,2024-01-02,b\n",
    )
    k = kit()
    k.source(
        name="inc",
        kind="file",
        config={
            "path": "inc.csv",
            "sync": {"mode": "incremental", "cursor_field": "updated", "key": ["id"]},
        },
    )
    k.column("id", "integer")
    k.column("updated", "date")
    k.column("value", "text")
    assert k.sync().success
    # Row 1 changed before the cursor (an incremental sync does not see it); row 2 changed at
    # the cursor, row 3 is new at the same cursor value, row 4 is after it.
    write(
        path,
        "id,updated,value\n1,2024-01-01,a-changed\n2,2024-01-02,b2\n3,2024-01-02,c\n4,2024-01-03,d\n",
    )
    result = k.sync()
    assert [(r["id"], r["value"]) for r in k.rows()] == [(1, "a"), (2, "b2"), (3, "c"), (4, "d")]
    (extract,) = result.asset_materializations_for_node("panel_extract")
    assert extract.metadata["sources"].value["inc"]["cursor"] == "2024-01-03"


def test_an_interrupted_publish_leaves_the_old_version_served(
    kit,
    sync_settings,
    database_url,
    files,
) -> None:
    write(files / "i.csv", "id\n1\n2\n")
    k = kit()
    k.source(name="i", kind="file", config={"path": "i.csv"})
    k.column("id", "integer")
    assert k.sync().success
    db = PanelsDatabase(url=database_url)
    env = SyncEnv(settings=sync_settings.settings(), engine=db.engine)
    spec = env.spec(k.key)
    with psycopg.connect(env.conninfo, autocommit=True) as conn:
        _, number = publish.begin_version(conn, spec, "killed-run")
        publish.load_table(
            conn,
            spec,
            number,
            pl.DataFrame({"_row_id": [1], "_source": ["i"], "id": [99]}),
            pl.DataFrame(
                schema={
                    "_source": pl.String,
                    "_source_row": pl.Int64,
                    "reason": pl.String,
                    "raw": pl.String,
                }
            ),
        )
        # ...and the process dies here, before the switch.
    db.dispose()
    assert k.current()["number"] == 1
    assert [r["id"] for r in k.rows()] == [1, 2]
    assert k.sync().success
    assert dict(k.versions()) == {1: "superseded", 2: "failed", 3: "published"}
    with psycopg.connect(env.conninfo) as conn:
        orphan = conn.execute(
            "SELECT to_regclass(%s)", (f"panel_data.p_{spec.panel_id.hex}_v2",)
        ).fetchone()
    assert orphan == (None,)


def test_due_evaluates_each_cron_in_its_time_zone() -> None:
    since = datetime(2024, 6, 1, 3, 58, tzinfo=UTC)
    now = datetime(2024, 6, 1, 4, 1, tzinfo=UTC)
    schedules = [
        Schedule("t.hourly", "0 * * * *", "UTC"),
        Schedule("t.new-york-midnight", "0 0 * * *", "America/New_York"),  # 04:00 UTC in June
        Schedule("t.paris-midnight", "0 0 * * *", "Europe/Paris"),  # 22:00 UTC: not due
        Schedule("t.broken", "not a cron", "UTC"),
    ]
    assert due(schedules, since, now) == ["t.hourly", "t.new-york-midnight"]
    assert due(schedules, now, now + timedelta(seconds=30)) == []


def test_scheduler_sensor_requests_only_due_panels(kit, database_url, dagster_instance) -> None:
    every_minute = kit(refresh_cron="* * * * *")
    yearly = kit(refresh_cron="0 0 1 1 *", timezone="Asia/Tokyo")
    db = PanelsDatabase(url=database_url)
    cursor = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    with dg.build_sensor_context(
        instance=dagster_instance, cursor=cursor, resources={"panels_db": db}
    ) as context:
        result = panel_refresh_scheduler(context)
    db.dispose()
    requested = [
        k
        for r in result.run_requests
        for k in r.run_config["ops"]["sync_panels"]["config"]["partitions"]
    ]
    assert every_minute.key in requested
    assert yearly.key not in requested
    assert all(r.run_key and r.run_key.startswith("cron:") for r in result.run_requests)
    assert datetime.fromisoformat(result.cursor) > datetime.fromisoformat(cursor)


def test_batch_job_through_the_dagster_cli(
    kit,
    sync_settings,
    database_url,
    fresh_database,
    tmp_path,
    files,
) -> None:
    write(files / "cli.csv", "id\n1\n2\n3\n")
    panels = []
    for _ in range(2):
        k = kit()
        k.source(name="c", kind="file", config={"path": "cli.csv"})
        k.column("id", "integer")
        panels.append(k)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        yaml.safe_dump(
            {
                "storage": {"postgres": {"postgres_url": dagster_storage_url(fresh_database())}},
                "telemetry": {"enabled": False},
            }
        )
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        yaml.safe_dump(
            {"ops": {"sync_panels": {"config": {"partitions": [k.key for k in panels]}}}}
        )
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "PANELS_DATABASE_URL": database_url,
        "PANELS_STATE_DIR": sync_settings.state_dir,
        "PANELS_DATA_ROOT": sync_settings.data_root,
    }
    dagster = str(Path(sys.executable).parent / "dagster")
    done = subprocess.run(
        [
            dagster,
            "job",
            "execute",
            "-m",
            "pipelines.definitions",
            "-j",
            "sync_panels_batch",
            "-c",
            str(config),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for k in panels:
        assert [r["id"] for r in k.rows()] == [1, 2, 3]


def test_decimal_values_are_numbers() -> None:
    from connectors.casting import cast_series
    from core.enums import ColumnType

    series = pl.Series([Decimal("1.10"), None])
    assert cast_series(series, ColumnType.number).to_list() == [1.1, None]


def test_incremental_source_without_its_kept_extract_is_read_in_full(
    kit, sync_settings, files
) -> None:
    path = write(files / "full.csv", "id,updated\n1,2024-01-01\n2,2024-01-05\n")
    k = kit()
    k.source(
        name="full",
        kind="file",
        config={
            "path": "full.csv",
            "sync": {"mode": "incremental", "cursor_field": "updated", "key": ["id"]},
        },
    )
    k.column("id", "integer")
    assert k.sync().success
    for extract in (Path(sync_settings.state_dir) / "extracts").rglob("*.parquet"):
        extract.unlink()  # a new machine: the state dir is gone, the stored cursor is not
    write(path, "id,updated\n1,2024-01-01\n2,2024-01-05\n3,2024-01-06\n")
    assert k.sync().success
    assert [r["id"] for r in k.rows()] == [1, 2, 3]
