"""Versions as row validity ranges: a publish writes what changed, every retained version
reads as it was, rows keep their identity, retention deletes what no version needs."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.pipeline_fixtures import write


@pytest.fixture(scope="module")
def source_db(fresh_database: Any) -> str:
    url: str = fresh_database()
    return url


class Table:
    """A table in the source database that an incremental SQL source reads."""

    def __init__(self, url: str) -> None:
        self.url, self.name = url, f"t_{uuid.uuid4().hex[:10]}"
        self.tick = 0
        with psycopg.connect(url) as conn:
            conn.execute(f"CREATE TABLE {self.name} (id int PRIMARY KEY, v text, c int)")

    def put(self, rows: dict[int, str]) -> None:
        """Insert or update rows; each gets a newer cursor value."""
        with psycopg.connect(self.url) as conn:
            for i, v in rows.items():
                self.tick += 1
                conn.execute(
                    f"INSERT INTO {self.name} VALUES (%s, %s, %s)"
                    " ON CONFLICT (id) DO UPDATE SET v = excluded.v, c = excluded.c",
                    (i, v, self.tick),
                )


def _incremental(kit: Any, source_db: str) -> tuple[Any, Table]:
    k = kit()
    table = incremental_source(k, source_db)
    k.column("loud", "text", formula="UPPER({v})")
    return k, table


def incremental_source(k: Any, source_db: str) -> Table:
    """A new source table read incrementally (cursor ``c``, key ``id``) into the kit's panel,
    with its columns ``id`` and ``v``."""
    table = Table(source_db)
    k.source(
        name="db",
        kind="sql",
        config={
            "query": f"SELECT id, v, c FROM {table.name} WHERE c >= COALESCE(:cursor, -1)",
            "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]},
        },
        secrets={"url": source_db},
    )
    k.column("id", "integer")
    k.column("v", "text")
    return table


def _store_states(k: Any) -> list[dict[str, Any]]:
    store = k.current()["stats"]["store"]
    with k._conn() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            sql.SQL("SELECT * FROM panel_data.{} ORDER BY _row_id, _from").format(
                sql.Identifier(store)
            )
        )
        return cur.fetchall()


def _read(k: Any, **params: Any) -> dict[str, Any]:
    response = k.client.get(f"{k.url}/rows", params=params, headers=k.tenant.viewer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _values(k: Any, version: int) -> dict[int, str]:
    return {r["id"]: r["loud"] for r in _read(k, version=version, limit=500)["data"]}


def test_an_incremental_sync_writes_only_the_rows_it_read_and_time_travel_sees_each_version(
    kit, source_db
) -> None:
    k, table = _incremental(kit, source_db)
    table.put({i: f"v{i}" for i in range(1, 21)})
    assert k.sync().success
    first = k.current()
    assert first["stats"]["changes"]["store"] == "new"
    assert first["rows"] == 20
    ids = {s["id"]: s["_row_id"] for s in _store_states(k)}

    table.put({3: "changed", 21: "new"})  # one update, one insert
    assert k.sync().success
    second = k.current()
    changes = second["stats"]["changes"]
    assert (changes["store"], changes["inserted"], changes["updated"]) == ("extended", 1, 1)
    # Only the rows the incremental read brought were built, not the panel: the two new
    # ones and row 20, read again because it holds the cursor's value (``>=``).
    assert second["stats"]["progress"]["read"] == 3
    assert changes["unchanged"] == 1
    assert second["rows"] == 21
    states = _store_states(k)
    assert len(states) == 22  # 20 + a new state of row 3 + row 21: no copy of the rest
    row_3 = [s for s in states if s["id"] == 3]
    assert [(s["_row_id"], s["_from"], s["_to"] < 2**31 - 1) for s in row_3] == [
        (ids[3], 1, True),
        (ids[3], 2, False),
    ]  # the same identity, first seen in version 1, changed in version 2
    assert (row_3[1]["_created"], row_3[1]["_changed"]) == (1, 2)

    table.put({5: "again"})
    assert k.sync().success
    assert _values(k, 1) == {i: f"V{i}" for i in range(1, 21)}
    assert _values(k, 2) == {**{i: f"V{i}" for i in range(1, 21)}, 3: "CHANGED", 21: "NEW"}
    assert _values(k, 3) == {**_values(k, 2), 5: "AGAIN"}
    versions = k.client.get(f"{k.url}/versions", headers=k.tenant.viewer).json()["data"]
    assert {v["number"]: v["row_count"] for v in versions} == {1: 20, 2: 21, 3: 21}


def test_a_cursor_stays_on_its_version_across_an_incremental_publish(kit, source_db) -> None:
    k, table = _incremental(kit, source_db)
    table.put({i: f"v{i}" for i in range(1, 11)})
    assert k.sync().success
    first = _read(k, limit=4, sort="id")
    table.put({6: "moved", 11: "added"})
    assert k.sync().success
    rest = _read(k, limit=100, cursor=first["next_cursor"])
    assert rest["version"] == 1
    assert [r["loud"] for r in rest["data"]] == [f"V{i}" for i in range(5, 11)]
    assert _read(k, limit=100, sort="id")["data"][5]["loud"] == "MOVED"


def test_a_changed_formula_rebuilds_every_row_and_keeps_identities(kit, source_db) -> None:
    k, table = _incremental(kit, source_db)
    table.put({i: f"v{i}" for i in range(1, 6)})
    assert k.sync().success
    before = {s["id"]: s["_row_id"] for s in _store_states(k)}
    column = next(
        c
        for c in k.client.get(f"{k.url}/columns", headers=k.tenant.viewer).json()["data"]
        if c["key"] == "loud"
    )
    patched = k.client.patch(
        f"{k.url}/columns/{column['id']}",
        json={"formula": 'LOWER({v}) & "!"'},
        headers=k.tenant.editor,
    )
    assert patched.status_code == 200, patched.text
    table.put({2: "two"})
    assert k.sync().success
    now = k.current()
    assert now["stats"]["progress"]["read"] == 5  # every row: the formula changed
    assert now["stats"]["changes"]["store"] == "new"  # every row changed: a new store
    assert {s["id"]: s["_row_id"] for s in _store_states(k)} == before
    assert _values(k, 2) == {1: "v1!", 2: "two!", 3: "v3!", 4: "v4!", 5: "v5!"}
    assert _values(k, 1) == {i: f"V{i}" for i in range(1, 6)}  # the old store still serves v1


def test_a_full_read_that_mostly_did_not_change_writes_only_its_changes(kit, files) -> None:
    rows = {i: f"r{i}" for i in range(1, 21)}
    write(files / "full.csv", "id,v\n" + "".join(f"{i},{v}\n" for i, v in rows.items()))
    k = kit()
    k.source(name="f", kind="file", config={"path": "full.csv"})
    k.column("id", "integer")
    k.column("v", "text")
    assert k.sync().success
    del rows[4]
    rows[7] = "edited"
    rows[30] = "added"
    write(files / "full.csv", "id,v\n" + "".join(f"{i},{v}\n" for i, v in rows.items()))
    assert k.sync().success
    changes = k.current()["stats"]["changes"]
    # No key: a row is matched by its content, so an edit is a delete and an insert.
    assert (changes["store"], changes["inserted"], changes["deleted"]) == ("extended", 2, 2)
    assert changes["unchanged"] == 18
    assert len(_store_states(k)) == 22
    assert {(r["id"], r["v"]) for r in k.rows()} == set(rows.items())
    read = {r["id"]: r["v"] for r in _read(k, version=1, limit=100)["data"]}
    assert read == {i: f"r{i}" for i in range(1, 21)}


def test_a_key_that_names_two_rows_is_refused_and_the_last_version_stays(kit, source_db) -> None:
    k, table = _incremental(kit, source_db)
    table.put({1: "a", 2: "b"})
    assert k.sync().success
    listed = k.client.get(f"{k.url}/sources", headers=k.tenant.viewer).json()["data"]
    patched = k.client.patch(  # a transform that gives every row twice
        f"{k.url}/sources/{listed[0]['id']}",
        json={
            "config": {
                **listed[0]["config"],
                "transform": "SELECT * FROM source UNION ALL SELECT * FROM source",
            }
        },
        headers=k.tenant.admin,
    )
    assert patched.status_code == 200, patched.text
    table.put({3: "c"})
    result = k.sync(raise_on_error=False)
    assert not result.success
    failed = [p for t, p in k.events() if t == "sync.failed"][-1]
    assert "share their key (id)" in failed["error"], failed
    assert k.current()["number"] == 1


def test_retention_deletes_the_states_no_kept_version_sees_and_drops_unused_stores(
    kit, source_db, settings
) -> None:
    k, table = _incremental(kit, source_db)
    table.put({1: "a", 2: "b", 3: "c", 4: "d"})
    assert k.sync().success
    first_store = k.current()["stats"]["store"]
    for n in range(2, 8):  # versions 2..7 each change row 1; 5 versions are kept
        table.put({1: f"a{n}"})
        assert k.sync().success
    statuses = dict(k.versions())
    assert [n for n, s in statuses.items() if s == "dropped"] == [1, 2]
    states = _store_states(k)
    # Row 1's states of versions 1 and 2 are seen by no kept version (3..7): deleted.
    assert sorted(s["_from"] for s in states if s["id"] == 1) == [3, 4, 5, 6, 7]
    assert len(states) == 3 + 5
    assert k.current()["stats"]["store"] == first_store
    # A new column starts a new store; once no kept version reads the old one, it is gone.
    k.column("c", "integer")
    for n in range(8, 14):
        table.put({2: f"b{n}"})
        assert k.sync().success
    with k._conn() as conn:
        found = conn.execute("SELECT to_regclass(%s)", (f"panel_data.{first_store}",)).fetchone()
    assert found == (None,)
    # Its columnar snapshot went with it; the new store's is there.
    snapshots = Path(settings.snapshots) / uuid.UUID(k.panel["id"]).hex
    assert sorted(p.name for p in snapshots.iterdir()) == [k.current()["stats"]["store"]]
    assert {r["id"]: r["v"] for r in k.rows()} == {1: "a7", 2: "b13", 3: "c", 4: "d"}


def test_rows_carry_their_identity_and_history_on_request(kit, source_db) -> None:
    k, table = _incremental(kit, source_db)
    table.put({1: "a", 2: "b", 3: "c"})
    assert k.sync().success
    table.put({2: "b2", 4: "d"})
    assert k.sync().success
    page = _read(k, meta="true", sort="id")
    meta = {r["id"]: r["_meta"] for r in page["data"]}
    assert {i: (m["created_version"], m["changed_version"]) for i, m in meta.items()} == {
        1: (1, 1),
        2: (1, 2),
        3: (1, 1),
        4: (2, 2),
    }
    old = {r["id"]: r["_meta"] for r in _read(k, meta="true", version=1)["data"]}
    assert old[2]["id"] == meta[2]["id"]  # the same row, by key, in both versions
    assert old[2]["changed_version"] == 1
    assert "_meta" not in _read(k)["data"][0]  # only when asked
    refused = k.client.get(f"{k.url}/rows", params={"meta": "maybe"}, headers=k.tenant.viewer)
    assert refused.status_code == 422


def test_identical_rows_without_a_key_are_told_apart_by_their_copies(kit, files) -> None:
    write(files / "twice.csv", "v\na\na\nb\n")
    k = kit()
    k.source(name="t", kind="file", config={"path": "twice.csv"})
    k.column("v", "text")
    assert k.sync().success
    write(files / "twice.csv", "v\na\nb\nc\n")  # one copy of "a" goes, "c" comes
    assert k.sync().success
    changes = k.current()["stats"]["changes"]
    assert (changes["inserted"], changes["deleted"], changes["unchanged"]) == (1, 1, 2)
    assert sorted(r["v"] for r in k.rows()) == ["a", "b", "c"]
    assert sorted(r["v"] for r in _read(k, version=1)["data"]) == ["a", "a", "b"]


def test_a_changed_key_starts_a_new_store_and_older_versions_still_read(kit, source_db) -> None:
    k, table = _incremental(kit, source_db)
    table.put({1: "a", 2: "b", 3: "c"})
    assert k.sync().success
    first = k.current()["stats"]["store"]
    (source,) = k.client.get(f"{k.url}/sources", headers=k.tenant.admin).json()["data"]
    config = source["config"]
    config["sync"]["key"] = ["id", "v"]  # another key: rows are no longer matched by id alone
    response = k.client.patch(
        f"{k.url}/sources/{source['id']}", json={"config": config}, headers=k.tenant.admin
    )
    assert response.status_code == 200, response.text
    table.put({2: "changed"})
    assert k.sync().success
    second = k.current()["stats"]
    assert second["store"] != first
    assert second["changes"]["store"] == "new"
    assert _values(k, 1) == {1: "A", 2: "B", 3: "C"}
    assert _values(k, 2) == {1: "A", 2: "CHANGED", 3: "C"}


def test_served_states_are_looked_up_by_keys_of_every_type(source_db: str, tmp_path: Any) -> None:
    """An incremental publish reads the served identities of the changed keys only: current
    states, matched on every key column (text, date, time, JSON), typed like the built rows."""
    import datetime as dt

    import polars as pl

    from core.enums import ColumnType
    from pipelines.diff import export_served
    from pipelines.store import OPEN

    store = f"s_{uuid.uuid4().hex}_g1"
    types = {"name": ColumnType.text, "day": ColumnType.date, "at": ColumnType.datetime}
    types["doc"] = ColumnType.json
    utc = dt.UTC
    at = dt.datetime(2026, 3, 1, 12, 30, tzinfo=utc)
    with psycopg.connect(source_db) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS panel_data")
        conn.execute(
            sql.SQL(
                "CREATE TABLE panel_data.{} (_row_id bigint, _created bigint, _changed bigint,"
                " _hash bigint, _from int, _to int, name text, day date, at timestamptz,"
                " doc jsonb)"
            ).format(sql.Identifier(store))
        )
        rows = [  # id, to, name, day, at, doc
            (1, OPEN, "ann", dt.date(2026, 1, 1), at, '{"a": 1}'),
            (2, 3, "bob", dt.date(2026, 1, 2), at, '{"a": 2}'),  # closed: not served
            (3, OPEN, "bob", dt.date(2026, 1, 2), at, '{"a": 2}'),
            (4, OPEN, "cy", dt.date(2026, 1, 3), at, '{"a": 3}'),
        ]
        for row_id, to, *key in rows:
            conn.execute(
                sql.SQL(
                    "INSERT INTO panel_data.{} VALUES (%s, 1, 1, %s, 1, %s, %s, %s, %s, %s)"
                ).format(sql.Identifier(store)),
                (row_id, row_id * 10, to, *key),
            )
        only = pl.DataFrame(
            {
                "name": ["bob", "ann", "zed", "cy"],
                "day": [dt.date(2026, 1, 2), dt.date(2026, 1, 1), dt.date(2026, 1, 1), None],
                "at": [at, at, at, at],
                "doc": ['{"a": 2}', '{"a": 1}', '{"a": 1}', '{"a": 3}'],
            }
        )
        out = tmp_path / "served.parquet"
        assert export_served(conn, store, list(types), out, only, types) == 2
        conn.rollback()
    served = pl.read_parquet(out).sort("_row_id")
    assert served.get_column("_row_id").to_list() == [1, 3]
    assert served.get_column("_hash").to_list() == [10, 30]
    assert served.get_column("name").to_list() == ["ann", "bob"]
    assert served.schema["day"] == pl.Date
    assert served.schema["at"] == pl.Datetime("us", "UTC")
    assert served.get_column("at").to_list() == [at, at]


def _scans(k: Any, store: str, idx_before: int = -1) -> tuple[int, int]:
    """(sequential scans, index scans) of ``store`` so far; with ``idx_before``, waits until
    the index scans moved past it (a closed backend's statistics reach the view shortly after)."""
    import time

    for _ in range(50):
        with k._conn() as conn:
            row = conn.execute(
                "SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables"
                " WHERE schemaname = 'panel_data' AND relname = %s",
                (store,),
            ).fetchone()
        assert row is not None
        if row[1] > idx_before:
            return int(row[0]), int(row[1])
        time.sleep(0.1)
    raise AssertionError(f"the index scans of {store} never moved past {idx_before}")


def test_an_incremental_publish_that_drops_a_version_reads_the_store_through_indexes(
    kit, source_db
) -> None:
    """What a publish costs must not grow with the panel: an incremental publish, retention
    included, finds every row it touches through an index. The sync's connections run with
    sequential scans disabled, so any statement without an index path scans the store."""
    k, table = _incremental(kit, source_db)
    table.put({i: f"v{i}" for i in range(1, 201)})
    assert k.sync().success
    for n in range(2, 6):
        table.put({n: f"w{n}"})
        assert k.sync().success
    store = k.current()["stats"]["store"]
    seq, idx = _scans(k, store)
    k.database_url = f"{k.database_url}?options=-cenable_seqscan%3Doff"
    table.put({6: "x", 500: "new"})
    assert k.sync().success  # version 6: retention drops version 1
    assert k.current()["stats"]["changes"]["store"] == "extended"
    assert [n for n, s in k.versions() if s == "dropped"] == [1]
    assert sorted(s["_from"] for s in _store_states(k) if s["id"] == 2) == [2]
    assert _scans(k, store, idx)[0] == seq
