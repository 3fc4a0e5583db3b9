"""Versions as row validity ranges: a panel's versions share one store table per generation.

A generation's store ``panel_data.s_<panel>_g<G>`` (G: the version that created it) holds row
*states*:

- ``_row_id``: the row's identity, stable across versions (matched by the panel's key, or by
  the row's content when the panel has no key);
- ``_created``: the version the row first appeared in; ``_changed``: the version its values
  last changed in; ``_from``: the first version this state is in (``_changed``, or the
  generation's first version for a row carried into a new generation unchanged); ``_to``:
  the first version it is no longer in (``OPEN`` while it is current);
- ``_hash``: a hash of the state's values, to tell a changed row from an unchanged one;
- ``_source`` and the panel's columns.

Version N is the view ``p_<panel>_vN`` over its generation (``_from <= N AND _to > N``), so
every reader (rows, aggregates, exports, LOOKUP) reads a version by its name as before. A
publish that changes k rows inserts k states and closes the superseded ones, in one
transaction with the switch; a schema change, a rollback or a change of most rows starts a
new generation, loaded with ``COPY FREEZE`` like the first. Retention deletes the states no
retained version can see, and drops a generation no retained version reads.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from core.enums import ColumnType
from core.storage import APP_ROLE, DATA_SCHEMA, store_name, table_names
from pipelines.loader import TableColumn, ident
from pipelines.spec import PanelSpec

OPEN = 2**31 - 1  # ``_to`` of a current state

META_COLUMNS = [
    TableColumn("_row_id", ColumnType.integer, not_null=True),
    TableColumn("_created", ColumnType.integer, not_null=True, narrow=True),
    TableColumn("_changed", ColumnType.integer, not_null=True, narrow=True),
    TableColumn("_from", ColumnType.integer, not_null=True, narrow=True),
    TableColumn("_to", ColumnType.integer, not_null=True, narrow=True),
    TableColumn("_hash", ColumnType.integer, not_null=True),
    TableColumn("_source", ColumnType.text, not_null=True),
]


def store_columns(spec: PanelSpec) -> list[TableColumn]:
    return [*META_COLUMNS, *(TableColumn(c.key, c.type) for c in spec.columns)]


def key_columns(spec: PanelSpec) -> list[str]:
    """The panel's key, as column keys: the key of its incremental source, when every field
    of it is mapped to a column (else the panel has no key and rows are matched by content)."""
    keys: list[str] = []
    for source in spec.sources:
        fields = [str(k) for k in (source.incremental or {}).get("key") or []]
        if not fields:
            continue
        by_field = {
            str(c.mapping["field"]): c.key
            for c in spec.columns
            if c.mapping is not None and c.maps(source.name)
        }
        if not all(f in by_field for f in fields):
            return []
        keys += [by_field[f] for f in fields]
    return list(dict.fromkeys(keys)) if len(spec.sources) == 1 else []


def layout(spec: PanelSpec) -> dict[str, Any]:
    """What a store's rows look like: a later version may add its states to the same store
    only when this is equal (same columns, types and key)."""
    return {"columns": [[c.key, c.type.value] for c in spec.columns], "key": key_columns(spec)}


def fingerprint(spec: PanelSpec) -> str:
    """Everything that decides a row's values from its source fields: when it is unchanged,
    a row that did not change at the source keeps its values."""
    described = {
        "columns": [[c.key, c.type.value, c.mapping, c.formula] for c in spec.columns],
        "sources": [[s.name, s.kind.value, s.config] for s in spec.sources],
    }
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def create_view(conn: psycopg.Connection[Any], spec: PanelSpec, store: str, number: int) -> str:
    """Version ``number``'s view over its store: the states valid in it."""
    view, _ = table_names(spec.panel_id, number)
    columns = sql.SQL(", ").join(sql.Identifier(c.key) for c in spec.columns)
    conn.execute(
        sql.SQL(
            "CREATE VIEW {view} AS SELECT _row_id, _created, _changed, _hash, _source, {cols}"
            " FROM {store} WHERE _from <= {n} AND _to > {n}"
        ).format(view=ident(view), cols=columns, store=ident(store), n=sql.Literal(number))
    )
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(ident(view), sql.Identifier(APP_ROLE)))
    return view


def build_indexes(conn: psycopg.Connection[Any], spec: PanelSpec, store: str) -> None:
    """The store's identity index, its key (unique among current states), the indexes saved
    views sort and filter by, each ending in ``_row_id`` for keyset pages, and its closed
    states."""
    table = ident(store)
    conn.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (_row_id, _from)").format(table))
    keys = key_columns(spec)
    if keys:
        conn.execute(
            sql.SQL("CREATE UNIQUE INDEX ON {} ({}) WHERE _to = {}").format(
                table, sql.SQL(", ").join(map(sql.Identifier, keys)), sql.Literal(OPEN)
            )
        )
    for key in spec.indexed_columns:
        conn.execute(sql.SQL("CREATE INDEX ON {} ({}, _row_id)").format(table, sql.Identifier(key)))
    # The closed states, empty when the store is made: retention deletes the ones no kept
    # version sees through it, in time proportional to them (stores made before it scan).
    conn.execute(
        sql.SQL("CREATE INDEX ON {} (_to) WHERE _to <> {}").format(table, sql.Literal(OPEN))
    )


def drop_relation(conn: psycopg.Connection[Any], name: str) -> None:
    """Drop ``panel_data.<name>``, a view or a table (versions before generations were
    tables), if it exists."""
    row = conn.execute(
        "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s",
        (DATA_SCHEMA, name),
    ).fetchone()
    if row is None:
        return
    kind = sql.SQL("VIEW" if row[0] == "v" else "TABLE")
    conn.execute(sql.SQL("DROP {} IF EXISTS {}").format(kind, ident(name)))


def drop_version(conn: psycopg.Connection[Any], panel_id: uuid.UUID, number: int) -> None:
    """A version's view and rejects, and the store it created if it created one."""
    for name in (*table_names(panel_id, number), store_name(panel_id, number)):
        drop_relation(conn, name)


@dataclass(frozen=True)
class Head:
    """The served version, as a later publish builds on it."""

    number: int
    store: str | None  # None: a version from before generations (a table of its own)
    layout: dict[str, Any] | None
    fingerprint: str | None
    row_count: int
    reject_count: int
    open: bool  # its states are the store's current ones (no later version wrote there)

    def extends(self, spec: PanelSpec) -> bool:
        """Whether the next version may add its states to this one's store."""
        return self.store is not None and self.open and self.layout == layout(spec)

    def rejects(self, spec: PanelSpec) -> str:
        return table_names(spec.panel_id, self.number)[1]


def head(conn: psycopg.Connection[Any], spec: PanelSpec) -> Head | None:
    row = conn.execute(
        "SELECT v.number, v.stats->>'store', v.stats->'layout', v.stats->>'fingerprint',"
        " coalesce(v.row_count, 0), coalesce(v.reject_count, 0) FROM panels p JOIN panel_versions v"
        " ON v.id = p.current_version_id WHERE p.id = %s",
        (spec.panel_id,),
    ).fetchone()
    if row is None:
        return None
    number, store, shape, printed, rows, rejects = row
    is_open = False
    if store is not None:
        (newest,) = conn.execute(
            "SELECT max(number) FROM panel_versions WHERE panel_id = %s"
            " AND stats->>'store' = %s AND status IN ('published', 'superseded')",
            (spec.panel_id, store),
        ).fetchone() or (None,)
        exists = conn.execute("SELECT to_regclass(%s)", (f"{DATA_SCHEMA}.{store}",)).fetchone()
        is_open = newest == number and exists is not None and exists[0] is not None
    return Head(int(number), store, shape, printed, int(rows), int(rejects), is_open)


def next_row_id(conn: psycopg.Connection[Any], store: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT coalesce(max(_row_id), 0) + 1 FROM {}").format(ident(store))
    ).fetchone()
    return int(row[0]) if row else 1


def forget(conn: psycopg.Connection[Any], panel_id: uuid.UUID, dropped: list[int]) -> set[str]:
    """After retention dropped versions: delete the states no retained version sees, drop
    the stores no retained version reads. Runs in the caller's transaction; returns the
    stores kept."""
    for number in dropped:
        for name in table_names(panel_id, number):
            drop_relation(conn, name)
    kept = conn.execute(
        "SELECT stats->>'store', min(number) FROM panel_versions WHERE panel_id = %s"
        " AND status IN ('published', 'superseded', 'running') AND stats->>'store' IS NOT NULL"
        " GROUP BY 1",
        (panel_id,),
    ).fetchall()
    oldest = {str(store): int(first) for store, first in kept}
    stores = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname LIKE %s",
        (DATA_SCHEMA, f"s\\_{panel_id.hex}\\_g%"),
    ).fetchall()
    for (store,) in stores:
        if store not in oldest:
            drop_relation(conn, store)
        elif dropped:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE _to <= {} AND _to <> {}").format(
                    ident(store), sql.Literal(oldest[store]), sql.Literal(OPEN)
                )
            )
    return set(oldest)
