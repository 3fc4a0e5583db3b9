"""One definition, two dialects: the read engine's aggregate statements, compiled once for
PostgreSQL and once for DuckDB, give the same answers over the same rows.

Generated panels (blanks, empty text, case and accents, NaN, dates and times around today) and
generated filter trees of every operator of every column type; the rows go to a PostgreSQL
table and to a Parquet file DuckDB reads under the same name, as a version and its snapshot.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import psycopg
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from connectors.sink import ParquetSink
from core.clock import today
from core.enums import ColumnType
from core.filters import BY_TYPE, OPERATORS, Takes
from serving.reads.aggregates import _plain, _plain_duckdb, aggregate_selects
from serving.reads.analytics import DIALECT, duckdb_sql
from serving.reads.rows import QueryError, RowQuery

COLUMNS = {
    "t": ColumnType.text,
    "n": ColumnType.integer,
    "x": ColumnType.number,
    "d": ColumnType.date,
    "at": ColumnType.datetime,
    "b": ColumnType.boolean,
}
PG = {"t": "text", "n": "bigint", "x": "double precision", "d": "date", "at": "timestamptz"}
PG["b"] = "boolean"
POLARS = {"t": pl.String, "n": pl.Int64, "x": pl.Float64, "d": pl.Date}
POLARS |= {"at": pl.Datetime("us", "UTC"), "b": pl.Boolean}
WORDS = ["", "a", "A", "ab", "Ab", "b_c", "a%c", "é", "É", "zz", " a"]
DAY = today()

texts = st.one_of(st.none(), st.sampled_from(WORDS))
integers = st.one_of(st.none(), st.integers(-5, 5))
numbers = st.one_of(st.none(), st.sampled_from([0.0, -1.5, 2.25, 3.0, math.nan]))
days = st.one_of(st.none(), st.integers(-40, 40).map(lambda n: DAY + timedelta(days=n)))
times = st.one_of(
    st.none(),
    st.tuples(st.integers(-40, 40), st.integers(0, 23)).map(
        lambda p: datetime(DAY.year, DAY.month, DAY.day, p[1], tzinfo=UTC) + timedelta(days=p[0])
    ),
)
rows = st.lists(
    st.fixed_dictionaries(
        {
            "t": texts,
            "n": integers,
            "x": numbers,
            "d": days,
            "at": times,
            "b": st.one_of(st.none(), st.booleans()),
        }
    ),
    max_size=25,
)


def _value(kind: ColumnType) -> st.SearchStrategy[Any]:
    if kind in (ColumnType.text, ColumnType.json):
        return st.sampled_from([w for w in WORDS if w] + ["b", "%", "_"])
    if kind == ColumnType.integer:
        return st.integers(-5, 5)
    if kind == ColumnType.number:
        return st.sampled_from([0, -1.5, 2.25, 3])
    if kind == ColumnType.boolean:
        return st.booleans()
    return st.one_of(  # dates and times: an ISO date, or a date relative to today
        st.integers(-40, 40).map(lambda n: (DAY + timedelta(days=n)).isoformat()),
        st.sampled_from(["today", "yesterday", "tomorrow"]),
        st.integers(0, 30).map(lambda n: {"days_ago": n}),
    )


@st.composite
def conditions(draw: Any) -> dict[str, Any]:
    key = draw(st.sampled_from(sorted(COLUMNS)))
    kind = COLUMNS[key]
    op = draw(st.sampled_from(BY_TYPE[kind].all))
    node: dict[str, Any] = {"column": key, "op": op}
    takes = OPERATORS[op].takes
    if takes == Takes.one:
        node["value"] = draw(_value(kind))
    elif takes == Takes.many:
        node["value"] = draw(st.lists(_value(kind), min_size=1, max_size=3))
    elif takes == Takes.pair:
        node["value"] = [draw(_value(kind)), draw(_value(kind))]
    elif takes == Takes.window:
        direction = draw(st.sampled_from(["past", "next"]))
        node["value"] = {
            direction: draw(st.integers(0, 6)),
            "unit": draw(st.sampled_from(["days", "weeks", "months"])),
        }
    return node


trees = st.recursive(
    conditions(),
    lambda inner: st.tuples(
        st.sampled_from(["and", "or"]), st.lists(inner, min_size=1, max_size=3)
    ).map(lambda pair: {pair[0]: pair[1]}),
    max_leaves=4,
)

BLANK: dict[str, Any] = dict.fromkeys(COLUMNS)

WANTED = [
    ("count", ""),
    ("count_empty", "t"),
    ("count_not_empty", "b"),
    ("count_distinct", "t"),
    ("sum", "n"),
    ("avg", "n"),
    ("avg", "x"),
    ("median", "n"),
    ("median", "x"),
    ("min", "t"),
    ("max", "t"),
    ("min", "at"),
    ("max", "d"),
]


@pytest.fixture(scope="module")
def engines(fresh_database: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    url: str = fresh_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS panel_data")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    db = duckdb.connect(config={"threads": 1})
    db.execute("CREATE SCHEMA panel_data")
    yield url, engine, db, tmp_path_factory.mktemp("snapshots")
    engine.dispose()
    db.close()


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON type (an integral sum reads 3 from both, never 3.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return bool(a == b)


def _load(url: str, db: Any, folder: Path, name: str, data: list[dict[str, Any]]) -> None:
    body = ", ".join(f'"{k}" {t}' for k, t in PG.items())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE panel_data."{name}" (_row_id bigint, {body})')
        with conn.cursor().copy(f'COPY panel_data."{name}" FROM STDIN') as copy:
            for i, row in enumerate(data, 1):
                copy.write_row([i, *(row[k] for k in PG)])
    frame = pl.DataFrame(
        [{"_row_id": i, **row} for i, row in enumerate(data, 1)],
        schema={"_row_id": pl.Int64, **POLARS},
        orient="row",
    )
    path = folder / f"{name}.parquet"
    sink = ParquetSink(path, batch_rows=1_000)  # as a publish writes its snapshot
    sink.write(frame)
    sink.close()
    db.execute(f"CREATE VIEW panel_data.\"{name}\" AS SELECT * FROM read_parquet('{path}')")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=rows,
    tree=st.one_of(st.none(), trees),
    group=st.sampled_from([None, "t", "d", "b"]),
    # Buckets of the first group key: dates and times by a unit, numbers by a bin width.
    bucket=st.sampled_from(
        [
            None,
            None,
            ("d", "month"),
            ("at", "week"),
            ("at", "day"),
            ("d", "quarter"),
            ("n", "5"),
            ("x", "0.5"),
            ("x", "3"),
        ]
    ),
)
# Found by this test: a list mixing whole and fractional numbers was bound with the first
# value's type, so PostgreSQL compared -1.5 as -2 (and 2.5 as 3).
@example(
    data=[{**BLANK, "x": -1.5}],
    tree={"column": "x", "op": "is_any_of", "value": [0, -1.5]},
    group=None,
    bucket=None,
).via("regression")
@example(  # a bin wider than a bigint holds: its lower bound overflowed the cast (a 500)
    data=[{**BLANK, "n": -20}],
    tree=None,
    group=None,
    bucket=("n", "1e300"),
).via("regression")
@example(  # DuckDB's Parquet filters took a row group of 0.0 and NaN for all 0.0
    data=[{**BLANK, "x": 0.0}, {**BLANK, "x": math.nan}],
    tree={"column": "x", "op": "is", "value": 0},
    group=None,
    bucket=None,
).via("regression")
@example(
    data=[{**BLANK, "n": 3}],
    tree={"column": "n", "op": "is_any_of", "value": [1, 2.5]},
    group=None,
    bucket=None,
).via("regression")
def test_duckdb_and_postgres_give_the_same_aggregates(
    engines: Any, data: Any, tree: Any, group: Any, bucket: Any
) -> None:
    url, engine, db, folder = engines
    name = f"p_{uuid.uuid4().hex}_v1"
    schema = [{"key": k, "name": k, "type": t.value} for k, t in COLUMNS.items()]
    try:
        query = RowQuery(name, schema, list(COLUMNS), [], [tree] if tree else [], [])
        if bucket is not None:
            group, by = bucket
        grouped, footer, _ = aggregate_selects(
            query, [group] if group else [], WANTED, by if bucket else None
        )
    except QueryError:
        assume(False)
        return
    _load(url, db, folder, name, data)
    statements = [footer] + ([grouped] if group else [])
    types = {k: t.value for k, t in COLUMNS.items()}
    duck = [_plain_duckdb(types.get(key, ""), fn) for fn, key in WANTED]
    with engine.connect() as conn:
        for statement in statements:
            on_pg = [
                (*r[: len(r) - len(WANTED)], *map(_plain, r[len(r) - len(WANTED) :]))
                for r in conn.execute(statement).all()
            ]
            text, params = duckdb_sql(statement)
            on_duck = [
                (
                    *r[: len(r) - len(WANTED)],
                    *(p(v) for p, v in zip(duck, r[len(r) - len(WANTED) :], strict=True)),
                )
                for r in db.execute(text, params).fetchall()
            ]
            assert len(on_pg) == len(on_duck), (tree, group)
            for pg_row, duck_row in zip(on_pg, on_duck, strict=True):
                assert all(_same(a, b) for a, b in zip(pg_row, duck_row, strict=True)), (
                    tree,
                    group,
                    pg_row,
                    duck_row,
                )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP TABLE panel_data."{name}"')
    db.execute(f'DROP VIEW panel_data."{name}"')


def test_the_duckdb_dialect_quotes_duckdb_keywords() -> None:
    """A column named like a DuckDB keyword PostgreSQL does not reserve (``at``) still reads."""
    assert DIALECT.identifier_preparer.quote("at") == '"at"'
