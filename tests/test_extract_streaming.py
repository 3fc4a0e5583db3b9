"""Connectors stream a source into a Parquet file of bounded row groups, typed as before."""

from __future__ import annotations

import ipaddress
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import polars as pl
import psycopg
import pyarrow.parquet as pq
import pytest

from connectors import Extracted, SourceError, extract
from connectors.spec import SourceSpec
from connectors.sql_text import replace_cursor
from core.enums import SourceKind
from core.netguard import NetworkPolicy
from pipelines.incremental import merge_incremental
from tests.pipeline_fixtures import write

LOOPBACK = NetworkPolicy(allow_networks=(ipaddress.ip_network("127.0.0.0/8"),))


def source(kind: str, config: dict[str, Any], secrets: dict[str, Any] | None = None) -> SourceSpec:
    return SourceSpec(uuid.uuid4(), "src", SourceKind(kind), config, secrets or {}, {})


def run(
    spec: SourceSpec, tmp_path: Path, batch_rows: int, **kwargs: Any
) -> tuple[Extracted, list[int]]:
    seen: list[int] = []
    got = extract(
        spec,
        data_root=tmp_path,
        out=tmp_path / "out.parquet",
        batch_rows=batch_rows,
        progress=seen.append,
        **kwargs,
    )
    return got, seen


def row_groups(path: Path) -> list[int]:
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def test_csv_is_written_in_row_groups_with_the_rows_and_types_read_csv_gave(tmp_path) -> None:
    lines = [
        f"{i},item {i},{i * 1.5},{'true' if i % 2 else 'false'},2024-01-{i + 1:02d}"
        for i in range(10)
    ]
    path = write(tmp_path / "d.csv", "id,name,price,ok,day\n" + "\n".join(lines) + "\n")
    got, progress = run(source("file", {"path": "d.csv"}), tmp_path, batch_rows=3)
    assert (got.rows, got.fields) == (10, 5)
    assert row_groups(got.path) == [3, 3, 3, 1]
    assert progress == [3, 6, 9, 10]
    before = pl.read_csv(path, infer_schema_length=10_000, try_parse_dates=False)
    assert pl.read_parquet(got.path).equals(before)
    assert pl.read_parquet(got.path).schema == before.schema


def test_a_csv_value_past_the_inferred_rows_widens_its_column(tmp_path) -> None:
    """read_csv failed the sync here ("could not parse `1.5` as dtype i64")."""
    rows = ["1,1,a"] * 10_000 + ["2,1.5,b", "3,lots,c"]
    path = write(tmp_path / "w.csv", "id,amount,note\n" + "\n".join(rows) + "\n")
    with pytest.raises(pl.exceptions.ComputeError):
        pl.read_csv(path, infer_schema_length=10_000)
    got, _ = run(source("file", {"path": "w.csv"}), tmp_path, batch_rows=4_000)
    frame = pl.read_parquet(got.path)
    assert frame.schema == pl.Schema({"id": pl.Int64, "amount": pl.String, "note": pl.String})
    assert frame.height == 10_002
    assert frame.get_column("amount").tail(3).to_list() == ["1", "1.5", "lots"]
    assert row_groups(got.path) == [4_000, 4_000, 2_002]


def test_ndjson_and_parquet_stream_in_row_groups(tmp_path) -> None:
    frame = pl.DataFrame(
        {
            "id": list(range(7)),
            "at": [datetime(2024, 1, 1, i, tzinfo=UTC) for i in range(7)],
            "tags": [{"a": i} for i in range(7)],
        }
    ).with_columns(pl.col("at").dt.convert_time_zone("Europe/Paris"))
    frame.write_ndjson(tmp_path / "d.ndjson")
    frame.write_parquet(tmp_path / "d.parquet", row_group_size=5)
    got, _ = run(source("file", {"path": "d.ndjson"}), tmp_path, batch_rows=2)
    assert row_groups(got.path) == [2, 2, 2, 1]
    assert pl.read_parquet(got.path).equals(pl.read_ndjson(tmp_path / "d.ndjson"))
    got, _ = run(source("file", {"path": "d.parquet"}), tmp_path, batch_rows=3)
    assert row_groups(got.path) == [3, 3, 1]
    assert pl.read_parquet(got.path).equals(frame)
    assert pl.read_parquet(got.path).schema == frame.schema


PAGES = [
    [{"id": 1, "score": None, "meta": {"a": 1}}, {"id": 2, "score": None, "meta": {"a": 2}}],
    [{"id": 3, "score": 7, "meta": {"a": 3}}, {"id": 4, "score": 8, "meta": {"b": "x"}}],
    [{"id": 5, "score": 8.5, "extra": "new"}],
    [],
]


class _Pages(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        page = int(parse_qs(urlparse(self.path).query).get("page", ["1"])[0])
        body = json.dumps({"items": PAGES[page - 1] if page <= len(PAGES) else []}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def pages_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/items"
    server.shutdown()
    server.server_close()


def test_http_pages_are_written_as_they_come_and_wider_pages_widen_the_schema(
    tmp_path, pages_api
) -> None:
    config = {"url": pages_api, "record_path": "items", "pagination": {"type": "page"}}
    got, progress = run(source("http", config), tmp_path, batch_rows=2, policy=LOOPBACK)
    everything = pl.from_dicts([r for page in PAGES for r in page], infer_schema_length=None)
    frame = pl.read_parquet(got.path)
    assert frame.schema == everything.schema  # score: null, then integers, then a float
    assert frame.equals(everything)
    assert (got.rows, got.fields) == (5, 4)
    assert row_groups(got.path) == [2, 2, 1]
    assert progress[0] == 2  # the first page was written before the second was asked for


def test_an_http_source_with_no_records_writes_an_empty_file(tmp_path, pages_api) -> None:
    PAGES.insert(0, [])
    try:
        config = {"url": pages_api, "record_path": "items", "pagination": {"type": "page"}}
        got, _ = run(source("http", config), tmp_path, batch_rows=2, policy=LOOPBACK)
    finally:
        PAGES.pop(0)
    assert (got.rows, got.fields) == (0, 0)
    assert pl.read_parquet(got.path).shape == (0, 0)


# -- PostgreSQL through ADBC -----------------------------------------------------------------


@pytest.fixture(scope="module")
def pg(fresh_database: Any) -> str:
    url: str = fresh_database()
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE things (id int, price numeric(10, 2), big numeric, at timestamptz,"
            " day date, ok boolean, note text, doc json, docb jsonb, uid uuid, span interval)"
        )
        conn.execute("INSERT INTO things (id) SELECT g FROM generate_series(1, 3) g")  # nulls
        conn.execute(
            "INSERT INTO things VALUES (4, 9.99, 12345678901234567890.5, '2024-01-02 12:00+02',"
            " '2024-01-31', true, 'it''s', '{\"a\": [1, 2]}', '{\"b\": null}',"
            " '12345678-1234-5678-1234-567812345678', '1 day 02:00:00'),"
            " (5, -1, 'NaN', '2024-06-01 00:00Z', '2024-02-29', false, '', 'null', '[]',"
            " NULL, '1 mon')"
        )
    return url


def sql(pg: str, query: str) -> SourceSpec:
    return source("sql", {"query": query}, {"url": pg})


def test_postgres_types_come_through_arrow(tmp_path, pg) -> None:
    got, progress = run(sql(pg, "SELECT * FROM things ORDER BY id"), tmp_path, batch_rows=2)
    assert row_groups(got.path) == [2, 2, 1]
    assert progress == [2, 4, 5]
    frame = pl.read_parquet(got.path)
    assert frame.schema == pl.Schema(
        {
            "id": pl.Int32,
            "price": pl.Decimal(38, 2),
            "big": pl.Float64,  # numeric without a scale: no decimal type fits every value
            "at": pl.Datetime("us", "UTC"),
            "day": pl.Date,
            "ok": pl.Boolean,
            "note": pl.String,
            "doc": pl.String,
            "docb": pl.String,
            "uid": pl.String,
            "span": pl.Duration("us"),
        }
    )
    first, fourth, fifth = (
        frame.row(0, named=True),
        frame.row(3, named=True),
        frame.row(4, named=True),
    )
    assert all(v is None for k, v in first.items() if k != "id")
    assert fourth["price"] == Decimal("9.99") and fifth["price"] == Decimal("-1.00")
    assert fourth["big"] == 12345678901234567890.5 and fifth["big"] != fifth["big"]  # NaN
    assert fourth["at"] == datetime(2024, 1, 2, 10, tzinfo=UTC)
    assert (fourth["day"], fifth["day"]) == (date(2024, 1, 31), date(2024, 2, 29))
    assert (fourth["ok"], fifth["ok"], fourth["note"], fifth["note"]) == (True, False, "it's", "")
    assert json.loads(fourth["doc"]) == {"a": [1, 2]} and json.loads(fourth["docb"]) == {"b": None}
    assert (fifth["doc"], fifth["docb"]) == ("null", "[]")
    assert fourth["uid"] == "12345678-1234-5678-1234-567812345678"
    assert fourth["span"].total_seconds() == 26 * 3600
    assert fifth["span"].days == 30


def test_an_empty_postgres_result_keeps_its_columns(tmp_path, pg) -> None:
    got, _ = run(sql(pg, "SELECT id, day FROM things WHERE false"), tmp_path, batch_rows=2)
    assert (got.rows, got.fields) == (0, 2)
    assert pl.read_parquet(got.path).schema == pl.Schema({"id": pl.Int32, "day": pl.Date})


def test_a_postgres_query_error_names_the_source_and_leaves_no_file(tmp_path, pg) -> None:
    with pytest.raises(SourceError) as caught:
        run(sql(pg, "SELECT * FROM no_such_table"), tmp_path, batch_rows=2)
    assert "source 'src': query failed" in str(caught.value)
    assert 'relation "no_such_table" does not exist' in str(caught.value)
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize(
    "query",
    [
        "INSERT INTO things (id) VALUES (99) RETURNING id",
        "WITH w AS (INSERT INTO things (id) VALUES (99) RETURNING id) SELECT * FROM w",
    ],
)
def test_a_postgres_source_reads_in_a_read_only_transaction(tmp_path, pg, query) -> None:
    with pytest.raises(SourceError) as caught:
        run(sql(pg, query), tmp_path, batch_rows=2)
    assert "read-only transaction" in str(caught.value)
    with psycopg.connect(pg) as conn:
        assert conn.execute("SELECT count(*) FROM things WHERE id = 99").fetchone() == (0,)


def test_the_cursor_is_a_quoted_literal_of_its_type(tmp_path, pg) -> None:
    query = (
        "SELECT id FROM things WHERE at >= COALESCE(:cursor, '-infinity'::timestamptz) ORDER BY id"
    )
    got, _ = run(sql(pg, query), tmp_path, batch_rows=2, cursor=datetime(2024, 3, 1, tzinfo=UTC))
    assert pl.read_parquet(got.path).get_column("id").to_list() == [5]
    got, _ = run(sql(pg, query), tmp_path, batch_rows=2, cursor=None)
    assert pl.read_parquet(got.path).get_column("id").to_list() == [4, 5]
    sneaky = "' OR true OR note <> '"
    got, _ = run(
        sql(pg, "SELECT id FROM things WHERE note = :cursor"), tmp_path, batch_rows=2, cursor=sneaky
    )
    assert got.rows == 0


def test_cursor_placeholders_inside_literals_and_comments_stay() -> None:
    query = (
        "SELECT ':cursor', \"a:cursor\", x::cursor, $q$ :cursor $q$, E'\\' :cursor'"
        " -- :cursor\n /* :cursor /* nested */ :cursor */ FROM t WHERE c >= :cursor"
        " AND d = (:cursor)"
    )
    replaced, count = replace_cursor(query, lambda: "42")
    assert count == 2
    assert replaced.endswith("WHERE c >= 42 AND d = (42)")
    assert replaced.count(":cursor") == query.count(":cursor") - 2


# -- incremental merge, file to file ---------------------------------------------------------


def test_merge_upserts_batch_by_batch_as_one_frame_would(tmp_path) -> None:
    previous = pl.DataFrame({"id": [1, 2, 3, 4, 5], "v": list("abcde"), "c": [1, 2, 3, 4, 5]})
    new = pl.DataFrame(
        {
            "id": [2, 6, 2, 1, 7, None],
            "v": ["old", "f", "b2", "a2", "g", "n"],
            "c": [1, 5, 6, 7, 8, 9],
        }
    ).with_columns(extra=pl.lit("x"))
    previous.write_parquet(tmp_path / "prev.parquet")
    new.write_parquet(tmp_path / "new.parquet", row_group_size=2)
    spec = source(
        "file", {"path": "-", "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]}}
    )
    seen: list[int] = []
    merged = merge_incremental(
        tmp_path / "prev.parquet",
        tmp_path / "new.parquet",
        spec,
        5,
        out=tmp_path / "out.parquet",
        batch_rows=2,
        progress=seen.append,
    )
    # The whole-frame merge: rows at or after the cursor, the last of each key kept, in order.
    expected = pl.concat([previous, new.filter(pl.col("c") >= 5)], how="diagonal_relaxed").unique(
        subset=["id"], keep="last", maintain_order=True
    )
    assert pl.read_parquet(merged.path).equals(expected)
    assert (merged.rows, merged.fields, merged.cursor) == (8, 4, 9)
    assert row_groups(merged.path) == [2, 2, 2, 2]
    assert seen == [2, 4, 6, 8]


@pytest.mark.parametrize("in_memory", [1_000, 0], ids=["keys in memory", "keys in DuckDB"])
@pytest.mark.parametrize("ids", [[3, 1, 2, 5], [3, 1, None, 3, None, 1, 4]])
def test_a_first_read_keeps_the_last_row_of_each_key(tmp_path, ids, in_memory, monkeypatch) -> None:
    # Small reads compare their keys in memory, big ones out of core: both give the same.
    monkeypatch.setattr("pipelines.incremental.IN_MEMORY", in_memory)
    new = pl.DataFrame({"id": ids, "v": [f"v{i}" for i in range(len(ids))], "c": range(len(ids))})
    new.write_parquet(tmp_path / "new.parquet", row_group_size=2)
    spec = source(
        "file", {"path": "-", "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]}}
    )
    merged = merge_incremental(
        None, tmp_path / "new.parquet", spec, None, out=tmp_path / "out.parquet", batch_rows=2
    )
    expected = new.unique(subset=["id"], keep="last", maintain_order=True)
    assert pl.read_parquet(merged.path).equals(expected)
    assert (merged.rows, merged.cursor) == (expected.height, len(ids) - 1)
    assert (tmp_path / "new.parquet").exists()  # the fetched file may be merged elsewhere too


def test_merge_with_nothing_new_keeps_the_extract(tmp_path) -> None:
    pl.DataFrame(
        {"id": [1, 2], "c": ["2024-01-01T10:00:00+02:00", "2024-01-01T09:00:00Z"]}
    ).write_parquet(tmp_path / "prev.parquet")
    pl.DataFrame().write_parquet(tmp_path / "new.parquet")
    spec = source(
        "http", {"url": "-", "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]}}
    )
    merged = merge_incremental(
        tmp_path / "prev.parquet",
        tmp_path / "new.parquet",
        spec,
        None,
        out=tmp_path / "o",
        batch_rows=1,
    )
    assert merged.path == tmp_path / "prev.parquet" and not (tmp_path / "o").exists()
    assert merged.cursor == "2024-01-01T09:00:00Z"  # the newest instant, in the source's spelling


def test_a_sink_given_only_rowless_frames_writes_an_empty_typed_file(tmp_path) -> None:
    """A source page with fields and no rows: the file has the fields, typed, and no rows."""
    from connectors.sink import ParquetSink

    sink = ParquetSink(tmp_path / "out.parquet", batch_rows=10)
    sink.write(pl.DataFrame(schema={"id": pl.Int64, "name": pl.String, "score": pl.Float64}))
    written = sink.close()
    assert written.rows == 0
    assert pl.read_parquet(written.path).schema == pl.Schema(
        {"id": pl.Int64, "name": pl.String, "score": pl.Float64}
    )
