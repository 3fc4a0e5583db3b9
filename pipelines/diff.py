"""What changed between the served version and the rows a sync built, out of core.

The built rows (every column, ``_hash`` of their values, ``_pos`` their order) are staged in
local Parquet files; the served version's identities (``_row_id``, ``_created``, ``_changed``,
``_hash`` and the key columns) are exported beside it: every row through ADBC (Arrow, binary
COPY) on a thread during a full read's build, the changed keys' through the key index. DuckDB
joins the two with a memory limit, spilling to a private folder:

- a keyed panel matches rows by key; a row whose hash differs is *updated* (same ``_row_id``);
- a panel without a key matches rows by content: the i-th copy of a row's hash to the i-th;
- a built row without a match is *inserted* (a new ``_row_id``), a served row without one is
  *deleted* (on a full read; an incremental read only brings rows that changed).

Only the changed rows and the ids to close then go to PostgreSQL.

The DuckDB statements are built from column keys (validated ``[a-z0-9_]`` names, quoted here
too) and server-made file paths: no request value reaches them.
"""
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import polars as pl
import psycopg
import pyarrow.parquet as pq
from adbc_driver_postgresql import dbapi
from psycopg import sql

from connectors.casting import PG_TYPES, POLARS_TYPES
from core.enums import ColumnType
from core.errors import SourceError
from pipelines.loader import ident
from pipelines.store import OPEN

MEMORY = "512MB"
IDENTITY = ["_row_id", "_created", "_changed", "_hash"]
KEY_CHUNK = 50_000


def row_hash(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A 64-bit hash of each row's values (stable within a Polars version; a new Polars may
    hash differently, and the next publish then sees every row as changed)."""
    hashed = frame.select(columns).hash_rows(seed=7)
    return hashed.reinterpret(signed=True).alias("_hash")


class Staged:
    """The built rows, written batch by batch as Parquet files in ``folder`` (Polars' writer:
    read once, for the changed rows only, so written fast rather than small)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self._parts = 0

    @property
    def path(self) -> str:
        """A glob of the staged files (Polars and DuckDB read it as one table)."""
        return str(self.folder / "*.parquet")

    def _write(self, frame: pl.DataFrame) -> None:
        frame.write_parquet(
            self.folder / f"{self._parts:06d}.parquet", compression="lz4", statistics=False
        )
        self._parts += 1

    def add(self, frame: pl.DataFrame) -> None:
        self._write(
            frame.with_columns(
                pl.int_range(self.rows, self.rows + frame.height, dtype=pl.Int64).alias("_pos")
            )
        )
        self.rows += frame.height

    def close(self, empty: pl.DataFrame) -> None:
        if self._parts == 0:
            self._write(empty.with_columns(pl.lit(0, pl.Int64).alias("_pos")))


def _identities(relation: str, keys: list[str], carried: Mapping[str, ColumnType]) -> sql.Composed:
    listed: list[sql.Composable] = [sql.Identifier(c) for c in [*IDENTITY, *keys]]
    listed += [_exported(sql.SQL(""), k, t) for k, t in carried.items() if k not in keys]
    return sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(listed), ident(relation))


def _exported(prefix: sql.SQL, key: str, type_: ColumnType) -> sql.Composed:
    """A column as exported: JSON as text."""
    cast = sql.SQL("::text AS {}").format(sql.Identifier(key))
    return sql.SQL("{}{}{}").format(
        prefix, sql.Identifier(key), cast if type_ is ColumnType.json else sql.SQL("")
    )


def every_identity(
    pg: psycopg.Connection[Any],
    relation: str,
    keys: list[str],
    carried: Mapping[str, ColumnType] | None = None,
) -> str:
    """The statement exporting the identities of every row of a version's view (with the
    ``carried`` columns: the values the row-metadata columns compare, ``pipelines.rowmeta``)."""
    return _identities(relation, keys, carried or {}).as_string(pg)


def export_served(
    pg: psycopg.Connection[Any],
    store: str,
    keys: list[str],
    out: Path,
    only: pl.DataFrame,
    types: dict[str, ColumnType],
    carried: Mapping[str, ColumnType] | None = None,
) -> int:
    """The identities of the current states of ``store`` with the keys of ``only`` into
    ``out`` (with the ``carried`` columns), looked up through the key index, ``KEY_CHUNK``
    keys a statement bound as binary arrays, on the publish's own connection (an empty file,
    typed, for no key). Every row of a version is exported with ``every_identity``."""
    extra = {k: t for k, t in (carried or {}).items() if k not in keys}
    schema: dict[str, Any] = {
        **dict.fromkeys(IDENTITY, pl.Int64),
        **{k: POLARS_TYPES[types[k]] for k in keys},
        **{k: POLARS_TYPES[t] for k, t in extra.items()},
    }
    listed = sql.SQL(", ").join(
        [
            *(
                sql.SQL("s.{}::text" if types[k] is ColumnType.json else "s.{}").format(
                    sql.Identifier(k)
                )
                for k in keys
            ),
            *(_exported(sql.SQL("s."), k, t) for k, t in extra.items()),
        ]
    )
    arrays = sql.SQL(", ").join(
        sql.SQL("%s::{}[]").format(sql.SQL(PG_TYPES[types[k]])) for k in keys
    )
    statement = sql.SQL(
        "SELECT {ids}, {listed} FROM unnest({arrays}) AS k({names})"
        " JOIN {store} s ON {same} AND s._to = {open}"
    ).format(
        ids=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in IDENTITY),
        listed=listed,
        arrays=arrays,
        names=sql.SQL(", ").join(sql.Identifier(f"k{i}") for i in range(len(keys))),
        store=ident(store),
        same=sql.SQL(" AND ").join(
            sql.SQL("s.{} = k.{}").format(sql.Identifier(k), sql.Identifier(f"k{i}"))
            for i, k in enumerate(keys)
        ),
        open=sql.Literal(OPEN),
    )
    rows = 0
    arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
    with pq.ParquetWriter(out, arrow_schema) as writer, pg.cursor(binary=True) as cur:
        for start in range(0, only.height, KEY_CHUNK):
            chunk = only.slice(start, KEY_CHUNK)
            cur.execute(statement, [chunk.get_column(k).to_list() for k in keys])
            found = pl.DataFrame(cur.fetchall(), schema=schema, orient="row")
            writer.write_table(found.to_arrow())
            rows += found.height
    return rows


def export(conninfo: str, statements: list[str], out: Path) -> int:
    """The rows of ``statements`` into the Parquet file ``out``, through ADBC (its own
    connection: this may run on a thread beside the build)."""
    rows = 0
    writer: pq.ParquetWriter | None = None
    with dbapi.connect(conninfo) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
            reader = cur.fetch_record_batch()
            if writer is None:
                writer = pq.ParquetWriter(out, reader.schema)
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    assert writer is not None
    writer.close()
    return rows


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


class Diff:
    """The built rows against the served ones (a DuckDB connection; use as a context).

    Rows are matched on narrow columns only (position, hash, key); the full rows are read
    back from the staged file for the changed ones. Without a key, a hash seen once on each
    side pairs directly; only hashes repeated on a side are paired copy by copy.
    """

    def __init__(
        self,
        staged: str,
        served: Path,
        keys: list[str],
        *,
        deletes: bool,
        spill: Path,
        carried: Sequence[str] = (),
    ) -> None:
        self.keys, self.deletes = keys, deletes
        # Served columns given beside each built row as ``_old.<column>`` (pipelines.rowmeta).
        self._carried = "".join(f', o."{c}" AS "_old.{c}"' for c in carried)
        self._carried_names = "".join(f', m."_old.{c}"' for c in carried)
        self._conn = duckdb.connect(
            config={"memory_limit": MEMORY, "temp_directory": str(spill), "threads": 2}
        )
        self._staged = f"read_parquet('{quoted_path(staged)}')"
        key_list = "".join(f', "{k}"' for k in keys)
        self._conn.execute(
            f"CREATE TABLE built AS SELECT _pos, _hash{key_list} FROM {self._staged}"
        )
        self._conn.execute(
            f"CREATE TABLE old AS SELECT * FROM read_parquet('{quoted_path(served)}')"
        )
        if keys:
            self._on = " AND ".join(f'b."{k}" = o."{k}"' for k in keys)
            self._built, self._old = "built", "old"
            return
        self._conn.execute(
            "CREATE TABLE repeated AS SELECT _hash FROM built GROUP BY _hash HAVING count(*) > 1"
            " UNION SELECT _hash FROM old GROUP BY _hash HAVING count(*) > 1"
        )
        self._built = (
            "(SELECT _pos, _hash, 1 AS _occ FROM built ANTI JOIN repeated USING (_hash)"
            " UNION ALL SELECT _pos, _hash,"
            " row_number() OVER (PARTITION BY _hash ORDER BY _pos) AS _occ"
            " FROM built SEMI JOIN repeated USING (_hash))"
        )
        self._old = (
            "(SELECT *, 1 AS _occ FROM old ANTI JOIN repeated USING (_hash)"
            " UNION ALL SELECT *, row_number() OVER (PARTITION BY _hash ORDER BY _row_id) AS _occ"
            " FROM old SEMI JOIN repeated USING (_hash))"
        )
        self._on = "b._hash = o._hash AND b._occ = o._occ"

    def __enter__(self) -> Diff:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._conn.close()

    def duplicate_keys(self) -> tuple[int, list[Any]]:
        """Built rows that share a key with another (a key must name one row)."""
        if not self.keys:
            return 0, []
        cols = ", ".join(f'"{k}"' for k in self.keys)
        nonnull = " AND ".join(f'"{k}" IS NOT NULL' for k in self.keys)
        found = self._conn.execute(
            f"SELECT {cols}, count(*) AS n FROM built WHERE {nonnull}"
            f" GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC LIMIT 5"
        ).fetchall()
        total = self._conn.execute(
            f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM built"
            f" WHERE {nonnull} GROUP BY {cols} HAVING count(*) > 1)"
        ).fetchall()
        return int(total[0][0]) if total else 0, [r[: len(self.keys)] for r in found]

    def _matches(self, condition: str = "") -> str:
        """Each built row's position and hash with the identity of the served row it matches
        (``_old_*``, null for none), where ``condition`` holds."""
        return (
            f"SELECT b._pos, b._hash, o._row_id AS _old_id, o._created AS _old_created,"
            f" o._changed AS _old_changed, o._hash AS _old_hash{self._carried}"
            f" FROM {self._built} b LEFT JOIN {self._old} o ON {self._on}"
            + (f" WHERE {condition}" if condition else "")
        )

    def prepare(self) -> Counts:
        """Find the changed rows: built ones that match no served row or one of other values
        (only those are kept: most rows of a re-read did not change), and, on a full read,
        the served rows no built row matches."""
        self._conn.execute(
            "CREATE TABLE changed AS "
            + self._matches("o._row_id IS NULL OR o._hash IS DISTINCT FROM b._hash")
        )
        row = self._conn.execute(
            "SELECT count(*) FILTER (WHERE _old_id IS NULL),"
            " count(*) FILTER (WHERE _old_id IS NOT NULL),"
            " (SELECT count(*) FROM built) FROM changed"
        ).fetchall()[0]
        inserted, updated, built = int(row[0]), int(row[1]), int(row[2])
        counts = Counts(inserted=inserted, updated=updated, unchanged=built - inserted - updated)
        if self.deletes:
            self._conn.execute(
                f"CREATE TABLE gone AS SELECT o._row_id FROM {self._old} o"
                f" ANTI JOIN {self._built} b ON {self._on}"
            )
            counts.deleted = int(self._conn.execute("SELECT count(*) FROM gone").fetchall()[0][0])
        return counts

    def _frames(self, query: str, batch_rows: int) -> Iterator[pl.DataFrame]:
        reader = self._conn.cursor().sql(query).to_arrow_reader(batch_rows)
        for batch in reader:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame

    def rows(self, batch_rows: int, *, changed_only: bool) -> Iterator[pl.DataFrame]:
        """Built rows with their served identity (``_old_*``, null for a new row): the changed
        ones (in build order), or all of them (a new store keeps identities too)."""
        matched = "changed" if changed_only else f"({self._matches()})"
        return self._frames(
            f"SELECT s.*, m._old_id, m._old_created, m._old_changed, m._old_hash"
            f"{self._carried_names} FROM {self._staged} s JOIN {matched} m USING (_pos)"
            + (" ORDER BY _pos" if changed_only else ""),
            batch_rows,
        )

    def versions(self, *, changed_only: bool) -> set[int]:
        """The versions the served rows of the written ones (the changed rows, or all) name
        as ``_created`` or ``_changed``."""
        if changed_only:
            query = (
                "SELECT _old_created FROM changed WHERE _old_id IS NOT NULL"
                " UNION SELECT _old_changed FROM changed WHERE _old_id IS NOT NULL"
            )
        else:
            query = "SELECT _created FROM old UNION SELECT _changed FROM old"
        return {int(v) for (v,) in self._conn.execute(query).fetchall() if v is not None}

    def closed(self, batch_rows: int) -> Iterator[pl.DataFrame]:
        """The served ``_row_id`` s whose state ends: updated rows, and deleted ones."""
        query = "SELECT _old_id AS _row_id FROM changed WHERE _old_id IS NOT NULL"
        if self.deletes:
            query += " UNION ALL SELECT _row_id FROM gone"
        return self._frames(query, batch_rows)


def quoted_path(path: Path | str) -> str:
    text = str(path)
    if "'" in text:
        raise SourceError(f"unsupported character in the build folder {text!r}")
    return text


__all__ = ["Counts", "Diff", "Staged", "export_served", "row_hash"]
