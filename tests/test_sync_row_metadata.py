"""RECORD_ID(), CREATED_TIME() and LAST_MODIFIED_TIME() in a synced panel: values consistent
with the identity and history the rows API gives in ``_meta``, on every publish path (an
incremental cursor + key publish, a full re-read compared with the served version, a new
store), and never making a row changed by themselves (pipelines/rowmeta.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from tests.pipeline_fixtures import write


@pytest.fixture(scope="module")
def source_db(fresh_database: Any) -> str:
    url: str = fresh_database()
    return url


class Items:
    """A source table read incrementally: cursor ``c``, key ``id``."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.url, self.name, self.tick = url, f"items_{uuid.uuid4().hex[:10]}", 0
        with psycopg.connect(url) as conn:
            conn.execute(
                f"CREATE TABLE {self.name} (id int PRIMARY KEY, price float8, name text, c int)"
            )

    def put(self, rows: dict[int, tuple[float, str]]) -> None:
        import psycopg

        with psycopg.connect(self.url) as conn:
            for i, (price, name) in rows.items():
                self.tick += 1
                conn.execute(
                    f"INSERT INTO {self.name} VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE"
                    " SET price = excluded.price, name = excluded.name, c = excluded.c",
                    (i, price, name, self.tick),
                )


def _panel(kit: Any, source_db: str, *, full: bool) -> tuple[Any, Items]:
    k = kit()
    items = Items(source_db)
    k.source(
        name="db",
        kind="sql",
        config={
            "query": f"SELECT * FROM {items.name} WHERE c >= COALESCE(:cursor, -1)",
            "sync": {"mode": "incremental", "cursor_field": "c", "key": ["id"]},
        },
        secrets={"url": source_db},
    )
    for key, type_ in (("id", "integer"), ("price", "number"), ("name", "text")):
        k.column(key, type_)
    k.column("rid", "text", formula="RECORD_ID()")
    k.column("made", "datetime", formula="CREATED_TIME()")
    k.column("touched", "datetime", formula="LAST_MODIFIED_TIME()")
    k.column("priced", "datetime", formula="LAST_MODIFIED_TIME({price})")
    # Through other columns: a plain formula watched, a formula over row-metadata columns.
    k.column("double", "number", formula="{price} * 2")
    k.column("doubled", "date", formula="LAST_MODIFIED_TIME({double})")
    k.column("label", "text", formula="{name} & '#' & RECORD_ID() & '@' & DATESTR({touched})")
    if full:  # a whole-panel formula: every publish reads every row and compares them
        k.column("all_positive", "boolean", formula="MIN_ALL({id}) > 0")
    return k, items


TIMES = ("made", "touched", "priced", "named", "watched")


def _read(k: Any, by: str = "id", **params: Any) -> dict[Any, dict[str, Any]]:
    """The rows (with ``_meta``) by ``by``, their times parsed."""
    response = k.client.get(
        f"{k.url}/rows", params={"meta": "true", "limit": 500, **params}, headers=k.tenant.viewer
    )
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    for row in rows:
        for key in TIMES:
            if row.get(key):
                row[key] = datetime.fromisoformat(row[key])
    return {r[by]: r for r in rows}


def _started(k: Any) -> dict[int, datetime]:
    with k._conn() as conn:
        found = conn.execute(
            "SELECT number, started_at FROM panel_versions WHERE panel_id = %s",
            (k.panel["id"],),
        ).fetchall()
    return {int(n): t for n, t in found}


@pytest.mark.parametrize("path", ["incremental", "full"])
def test_row_metadata_follows_the_rows_identity_and_history(kit, source_db, path) -> None:
    k, items = _panel(kit, source_db, full=path == "full")
    # Rows 1-3, then 5-8 unchanged throughout (fewer than half the rows change: the publish
    # writes the changes into the served store).
    items.put({1: (10.0, "a"), 2: (20.0, "b"), 3: (30.0, "c")})
    items.put({i: (i * 10.0, "x") for i in range(5, 9)})
    assert k.sync().success
    first = _read(k)
    items.put({1: (11.0, "a"), 2: (20.0, "b2"), 4: (40.0, "d")})  # price, name, a new row
    assert k.sync().success
    current = k.current()
    changes = current["stats"]["changes"]
    assert (changes["store"], changes["inserted"], changes["updated"]) == ("extended", 1, 2)
    # An incremental publish builds the rows read (and row 8, at the cursor); a full one all.
    assert current["stats"]["progress"]["read"] == (4 if path == "incremental" else 8)
    t = _started(k)
    rows = _read(k)
    for i, row in rows.items():
        assert row["rid"] == str(row["_meta"]["id"])  # the rows API's identity, as text
        assert row["made"] == t[row["_meta"]["created_version"]]
        assert row["touched"] == t[row["_meta"]["changed_version"]]
        assert row["label"] == f"{row['name']}#{row['rid']}@{row['touched'].date()}"
        if i in first:
            assert row["rid"] == first[i]["rid"]  # stable across versions: the panel has a key
    same = dict.fromkeys((3, 5, 6, 7, 8), t[1])
    assert {i: r["made"] for i, r in rows.items()} == {1: t[1], 2: t[1], 4: t[2], **same}
    assert {i: r["touched"] for i, r in rows.items()} == {1: t[2], 2: t[2], 4: t[2], **same}
    # Only the price of row 1 changed: row 2's name change does not move it.
    assert {i: r["priced"] for i, r in rows.items()} == {1: t[2], 2: t[1], 4: t[2], **same}
    days = {i: r["doubled"] for i, r in rows.items()}
    assert days == {i: r["priced"].date().isoformat() for i, r in rows.items()}

    # Nothing changed at the source: no row changes, whatever these columns read.
    items.put({3: (30.0, "c")})  # read again (a newer cursor), its values the same
    assert k.sync().success
    changes = k.current()["stats"]["changes"]
    assert (changes["inserted"], changes["updated"], changes["deleted"]) == (0, 0, 0)
    assert _read(k) == rows
    assert _read(k, version=1) == first


def test_row_metadata_added_later_starts_from_the_served_history(kit, source_db) -> None:
    k, items = _panel(kit, source_db, full=False)
    items.put({1: (10.0, "a"), 2: (20.0, "b")})
    assert k.sync().success
    items.put({2: (21.0, "b")})
    assert k.sync().success
    k.column("named", "datetime", formula="LAST_MODIFIED_TIME({name})")
    k.column("since", "number", formula="DATETIME_DIFF(NOW(), CREATED_TIME(), 'milliseconds')")
    assert k.sync().success  # a new column: a new store, identities and history kept
    current = k.current()["stats"]["changes"]
    assert (current["store"], current["inserted"], current["updated"]) == ("new", 0, 0)
    t = _started(k)
    rows = _read(k)
    # The served rows' last change bounds when their name last changed.
    assert {i: r["named"] for i, r in rows.items()} == {1: t[1], 2: t[2]}
    since = {i: r["since"] for i, r in rows.items()}
    # NOW() with row metadata: a row that did not change may get another value, so every
    # row is written again, and none is counted as changed.
    assert k.sync().success
    after = k.current()["stats"]["changes"]
    assert (after["store"], after["inserted"], after["updated"]) == ("new", 0, 0)
    later = _read(k)
    assert all(later[i]["since"] > since[i] for i in since)
    # The rest carried into the new store as it was, LAST_MODIFIED_TIME({field}) included.
    unchanged = [c for c in rows[1] if c != "since"]
    assert [[r[c] for c in unchanged] for r in later.values()] == [
        [r[c] for c in unchanged] for r in rows.values()
    ]


def test_without_a_key_an_edited_row_is_a_new_row(kit, files) -> None:
    write(files / "plain.csv", "v,w\na,1\nb,2\n")
    k = kit()
    k.source(name="f", kind="file", config={"path": "plain.csv"})
    k.column("v", "text")
    k.column("w", "integer")
    k.column("rid", "text", formula="RECORD_ID()")
    k.column("made", "datetime", formula="CREATED_TIME()")
    k.column("watched", "datetime", formula="LAST_MODIFIED_TIME({v})")
    assert k.sync().success
    before = _read(k, by="v")
    write(files / "plain.csv", "v,w\na,1\nb,3\n")  # b's w changes: b is another row
    assert k.sync().success
    after = _read(k, by="v")
    t = _started(k)
    assert after["a"] == before["a"]
    assert after["b"]["rid"] == str(after["b"]["_meta"]["id"]) != before["b"]["rid"]
    # Even LAST_MODIFIED_TIME({v}): v did not change, but the row is not the same row.
    assert (after["b"]["made"], after["b"]["watched"]) == (t[2], t[2])


def test_a_formula_preview_reads_the_served_rows_metadata(kit, source_db) -> None:
    k, items = _panel(kit, source_db, full=False)
    items.put({1: (10.0, "a"), 2: (20.0, "b")})
    assert k.sync().success
    items.put({2: (21.0, "b"), 3: (30.0, "c")})
    assert k.sync().success
    served = {r["_meta"]["id"]: r for r in _read(k).values()}

    def preview(formula: str) -> tuple[dict[int, Any], list[str]]:
        response = k.client.post(
            f"{k.url}/formula-preview", json={"formula": formula}, headers=k.tenant.editor
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return {r["row_id"]: r["value"] for r in body["rows"]}, body["notes"]

    ids, notes = preview("RECORD_ID()")
    assert ids == {i: r["rid"] for i, r in served.items()} and not notes
    for formula, column in (("CREATED_TIME()", "made"), ("LAST_MODIFIED_TIME()", "touched")):
        times, _ = preview(formula)
        assert {i: datetime.fromisoformat(v) for i, v in times.items()} == {
            i: r[column] for i, r in served.items()
        }
    watched, notes = preview("LAST_MODIFIED_TIME({price})")
    assert set(watched.values()) == {None}
    assert "a sync computes it" in notes[0]


def test_a_watched_field_is_compared_as_a_value() -> None:
    import polars as pl

    from core.enums import ColumnType
    from pipelines.rowmeta import _differs

    frame = pl.DataFrame(
        {
            "j": ['{"b": 1, "a": [1, 2]}', '{"a":1}', None, "[1]"],
            "_old.j": ['{"a": [1, 2], "b": 1}', '{"a": 2}', None, None],
            "t": pl.Series([datetime(2024, 1, 1, 12)] * 4, dtype=pl.Datetime("us", "UTC")),
            "_old.t": pl.Series(  # the same instants in another zone, as DuckDB may give them
                [datetime(2024, 1, 1, 12)] * 3 + [datetime(2024, 1, 1, 15)],
                dtype=pl.Datetime("us", "UTC"),
            ).dt.convert_time_zone("Europe/Paris"),
            "n": [1.0, None, 2.0, 3.0],
            "_old.n": [1.0, None, None, 3.5],
        }
    )

    def differs(key: str, type_: ColumnType) -> list[bool]:
        return frame.with_columns(_differs(frame, key, type_).alias("d"))["d"].to_list()

    # JSON as values: PostgreSQL gives it back in its own form (keys ordered, spaced).
    assert differs("j", ColumnType.json) == [False, True, False, True]
    assert differs("t", ColumnType.datetime) == [False, False, False, True]
    assert differs("n", ColumnType.number) == [False, False, True, True]
    assert differs("missing", ColumnType.text) == [True] * 4
