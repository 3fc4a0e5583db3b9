"""Incremental syncs over integer, date, naive and aware datetime cursors, from every source kind.

Each case syncs four times against a real source (a PostgreSQL table, an HTTP API on loopback
that filters on the cursor it is sent, a Parquet file) with rows changed between syncs, and
reads the published rows after each sync.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import polars as pl
import psycopg
import pytest

from core.storage import tenant_files

Rows = dict[int, tuple[str, Any]]  # id -> (v, cursor value)
PLUS_2 = timezone(timedelta(hours=2))

# t1 < t2 < t3 < t4 for each cursor type.
TIMES: dict[str, list[Any]] = {
    "integer": [1, 2, 3, 4],
    "date": [date(2024, 1, d) for d in (1, 2, 3, 4)],
    "naive": [
        datetime(2024, 1, 1, 10),
        datetime(2024, 1, 2, 10, 0, 0, 500000),
        datetime(2024, 1, 3, 9),
        datetime(2024, 1, 3, 9, 30),
    ],
    "aware": [
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 0, 0, 500000, tzinfo=UTC),
        datetime(2024, 1, 3, 10, tzinfo=UTC),
        datetime(2024, 1, 3, 11, tzinfo=UTC),
    ],
}
COLUMN_TYPES = {"integer": "integer", "date": "date", "naive": "datetime", "aware": "datetime"}
SQL_TYPES = {"integer": "bigint", "date": "date", "naive": "timestamp", "aware": "timestamptz"}


def states(kind: str) -> list[Rows]:
    """What the source holds before each of the four syncs."""
    t1, t2, t3, t4 = TIMES[kind]
    first = {1: ("a", t1), 2: ("b", t2)}
    # Row 1 changes without moving its cursor (an incremental sync does not see it), row 2 is
    # updated, row 3 is new.
    second = {1: ("a-silent", t1), 2: ("b2", t3), 3: ("c", t3)}
    # Row 1 is updated, row 4 is new, row 5 arrives late at the last cursor value (a tie).
    third = {**second, 1: ("a2", t4), 4: ("d", t4), 5: ("e", t3)}
    return [first, second, third, third]  # the fourth sync finds nothing new


def published(kind: str, rows: Rows) -> list[tuple[int, str, Any]]:
    """The rows a panel should serve: datetimes in UTC, naive ones taken as UTC."""

    def stored(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    return sorted((i, v, stored(c)) for i, (v, c) in rows.items())


def expected(kind: str) -> list[Rows]:
    """What each sync publishes: row 1's silent change is never seen."""
    first, second, third, fourth = states(kind)
    return [first, {**second, 1: first[1]}, third, fourth]


# -- the sources ---------------------------------------------------------------------------


def wire(kind: str, value: Any) -> Any:
    """How the HTTP API spells a value: aware datetimes in varying offsets (as real APIs do)."""
    if kind == "aware":
        # 10:00Z is sent as 12:00+02:00: as text it sorts after 11:00Z, as a time before it.
        return (value.astimezone(PLUS_2) if value.hour == 10 else value).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def parse_wire(kind: str, text: str) -> Any:
    if kind == "integer":
        return int(text)
    if kind == "date":
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


class _Api(BaseHTTPRequestHandler):
    rows: Rows = {}
    kind = "integer"
    sent: list[str | None] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        since = parse_qs(urlparse(self.path).query).get("since", [None])[0]
        cls = type(self)
        cls.sent.append(since)
        bound = None if since is None else parse_wire(cls.kind, since)
        body = json.dumps(
            [
                {"id": i, "v": v, "c": wire(cls.kind, c)}
                for i, (v, c) in cls.rows.items()
                if bound is None or c >= bound
            ]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api() -> Iterator[str]:
    _Api.rows, _Api.sent = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/items"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def source_db(fresh_database: Any) -> str:
    url: str = fresh_database()
    return url


def sql_source(k: Any, kind: str, url: str) -> Callable[[Rows], None]:
    table = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v text, c {SQL_TYPES[kind]})")
    floor = "-1" if kind == "integer" else f"'-infinity'::{SQL_TYPES[kind]}"
    k.source(
        name="db",
        kind="sql",
        config={
            "query": f"SELECT id, v, c FROM {table} WHERE c >= COALESCE(:cursor, {floor})",
            "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]},
        },
        secrets={"url": url},
    )

    def put(rows: Rows) -> None:
        with psycopg.connect(url) as conn:
            conn.execute(f"TRUNCATE {table}")
            for i, (v, c) in rows.items():
                conn.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", (i, v, c))

    return put


def http_source(k: Any, kind: str, url: str) -> Callable[[Rows], None]:
    _Api.kind = kind
    k.source(
        name="api",
        kind="http",
        config={
            "url": url,
            "sync": {
                "mode": "incremental",
                "cursor_field": "c",
                "key": ["id"],
                "cursor_param": "since",
            },
        },
    )

    def put(rows: Rows) -> None:
        _Api.rows = dict(rows)

    return put


def file_source(k: Any, kind: str, data_root: Path) -> Callable[[Rows], None]:
    name = f"{uuid.uuid4().hex[:8]}.parquet"
    k.source(
        name="file",
        kind="file",
        config={
            "path": name,
            "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]},
        },
    )

    def put(rows: Rows) -> None:
        frame = pl.DataFrame({"id": list(rows), "v": [v for v, _ in rows.values()]}).with_columns(
            c=pl.Series([c for _, c in rows.values()])
        )
        if kind == "aware":  # a file written in local time, not UTC
            frame = frame.with_columns(pl.col("c").dt.convert_time_zone("Europe/Paris"))
        data_root.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(data_root / name)

    return put


# -- the tests -----------------------------------------------------------------------------


def panel_with(kind: str, source: str, kit: Any, api: str, source_db: str, settings: Any) -> Any:
    k = kit()
    if source == "sql":
        put = sql_source(k, kind, source_db)
    elif source == "http":
        put = http_source(k, kind, api)
    else:
        put = file_source(k, kind, tenant_files(Path(settings.data_root), k.tenant.slug))
    k.column("id", "integer")
    k.column("v", "text")
    k.column("c", COLUMN_TYPES[kind])
    k.put = put
    return k


@pytest.mark.parametrize("kind", list(TIMES))
@pytest.mark.parametrize("source", ["sql", "http", "file"])
def test_incremental_syncs(kind, source, kit, api, source_db, sync_settings) -> None:
    k = panel_with(kind, source, kit, api, source_db, sync_settings)
    for n, (state, want) in enumerate(zip(states(kind), expected(kind), strict=True), 1):
        k.put(state)
        result = k.sync(raise_on_error=False)
        assert result.success, (n, [p for t, p in k.events() if t == "sync.failed"][-1:])
        rows = sorted((r["id"], r["v"], r["c"]) for r in k.rows())
        assert rows == published(kind, want), f"after sync {n}"
    if source == "http":  # the API was asked from the newest value it had sent, in its spelling
        _, t2, t3, t4 = TIMES[kind]
        assert _Api.sent == [None, *(str(wire(kind, t)) for t in (t2, t3, t4))]


LEGACY = {
    # What the previous version stored: ``str()`` of the column's newest value.
    ("sql", "aware"): str(datetime(2024, 1, 2, 10, 0, 0, 500000, tzinfo=UTC)),
    ("file", "aware"): str(datetime(2024, 1, 2, 10, 0, 0, 500000, tzinfo=UTC).astimezone(PLUS_2)),
    ("file", "naive"): str(datetime(2024, 1, 2, 10, 0, 0, 500000)),
    ("sql", "date"): "2024-01-02",
}


@pytest.mark.parametrize(("source", "kind"), list(LEGACY))
def test_a_cursor_stored_as_text_by_an_older_version_still_works(
    source, kind, kit, api, source_db, sync_settings
) -> None:
    k = panel_with(kind, source, kit, api, source_db, sync_settings)
    first, second, *_ = states(kind)
    k.put(first)
    assert k.sync().success
    with k._conn() as conn:  # the state as an older release left it
        conn.execute(
            "UPDATE data_sources SET state = jsonb_set(state, '{cursor}', to_jsonb(%s::text))"
            " WHERE panel_id = %s",
            (LEGACY[(source, kind)], k.panel["id"]),
        )
    k.put(second)
    assert k.sync().success
    rows = sorted((r["id"], r["v"], r["c"]) for r in k.rows())
    assert rows == published(kind, expected(kind)[1])
