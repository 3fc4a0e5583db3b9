"""Reading a published panel version: columns, sorts and keyset pagination in SQL.

SQL is built with SQLAlchemy Core and bound parameters; column keys come from the version's
own schema (validated identifiers) and are quoted by SQLAlchemy, never spliced as text.
Keyset pagination orders by the sort columns with blanks last, then ``_row_id``; the cursor
holds the version it started on, so a page keeps reading that version after a new publish.

One sort column (the common case, and what saved views index) takes a faster road: a page is
read as "the non-blank rows after the cursor" (a row-value range on the ``(column, _row_id)``
index, walked forwards or backwards) and then, only when that runs out, "the blank rows after
it". Ties there are broken by ``_row_id`` in the sort's direction. Deep pages then cost what
the first page costs, where an OR-expanded predicate would scan everything before the cursor.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Text,
    and_,
    bindparam,
    column,
    false,
    func,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.types import TypeEngine

from core.storage import DATA_SCHEMA
from serving.reads.compiled import Compiled
from serving.reads.filters import FilterCompiler, FilterError, unknown_column

TYPES: dict[str, TypeEngine[Any]] = {
    "text": Text(),
    "integer": BigInteger(),
    "number": Float(),
    "boolean": Boolean(),
    "date": Date(),
    "datetime": DateTime(timezone=True),
    "json": Text(),
}


class QueryError(ValueError):
    """A request naming an unknown column or carrying a bad cursor; ``field`` says where."""

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.hint = hint

    @classmethod
    def no_column(cls, field: str, key: object, keys: Any, owner: str) -> QueryError:
        return cls(field, *unknown_column(key, keys, owner))


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False


def parse_keys(raw: str | None) -> list[str]:
    return [k.strip() for k in (raw or "").split(",") if k.strip()]


def parse_sort(raw: str | None) -> list[Sort]:
    if not raw:
        return []
    out = []
    for part in raw.split(","):
        item = part.strip()
        if item:
            out.append(Sort(item.lstrip("-+"), item.startswith("-")))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return {"$t": value.isoformat()}
    return value


def _restore(value: Any, kind: str) -> Any:
    if isinstance(value, dict) and "$t" in value:
        text = value["$t"]
        return datetime.fromisoformat(text) if kind == "datetime" else date.fromisoformat(text)
    return value


def encode_cursor(
    version: int,
    sorts: list[Sort],
    row: dict[str, Any],
    total: int | None,
    group_by: list[str] | None = None,
) -> str:
    payload = {
        "v": version,
        "s": [[s.key, s.descending] for s in sorts],
        "g": group_by or [],
        "k": [_jsonable(row[s.key]) for s in sorts],
        "id": row["_row_id"],
        "t": total,
    }
    return (
        base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not {"v", "s", "k", "id"} <= payload.keys():
        raise QueryError("query.cursor", "the cursor is not one this API gave out")
    return payload


@dataclass
class RowQuery:
    table_name: str
    schema: list[dict[str, str]]
    columns: list[str]
    sorts: list[Sort]
    filters: list[Any] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    owner: str = "the panel"  # what a missing column is missing from ("version 3" for old ones)

    def __post_init__(self) -> None:
        self.types = {c["key"]: c["type"] for c in self.schema}
        for i, key in enumerate(self.columns):
            if key not in self.types:
                raise self.no_column(f"query.columns.{i}", key)
        for i, key in enumerate(self.group_by):
            if key not in self.types:
                raise self.no_column(f"query.group_by.{i}", key)
        for i, sort in enumerate(self.sorts):
            if sort.key not in self.types:
                raise self.no_column(f"query.sort.{i}", sort.key)
        # Grouped rows come group by group: the group keys lead the ordering (ascending unless
        # the sort names a direction for them), then the sorts. (A cursor's sorts are already
        # in this order: merging them again changes nothing.)
        named = {s.key: s for s in self.sorts}
        self.sorts = [named.get(k, Sort(k)) for k in self.group_by] + [
            s for s in self.sorts if s.key not in self.group_by
        ]
        # Sort and group keys the page does not show are still read: cursors and group counts
        # are made of them.
        self.extra = [
            k
            for k in dict.fromkeys([s.key for s in self.sorts] + self.group_by)
            if k not in self.columns
        ]
        self.table = table(
            self.table_name,
            column("_row_id", BigInteger()),
            *(column(k, TYPES[t]) for k, t in self.types.items()),
            schema=DATA_SCHEMA,
        )
        self._templates: dict[tuple[Any, ...], list[Compiled]] = {}
        compiler = FilterCompiler(self.table.c, self.types, self.owner)
        try:
            self.where = [compiler.compile(f) for f in self.filters]
        except FilterError as exc:
            raise QueryError(f"query.{exc.path}", str(exc), exc.hint) from exc

    def no_column(self, field: str, key: object) -> QueryError:
        return QueryError.no_column(field, key, self.types, self.owner)

    def _col(self, key: str) -> ColumnElement[Any]:
        return self.table.c[key]

    def order_by(self) -> list[ColumnElement[Any]]:
        out: list[ColumnElement[Any]] = []
        for s in self.sorts:
            col = self._col(s.key)
            out.append(col.is_(None))  # blanks last, whatever the direction
            out.append(col.desc() if s.descending else col.asc())
        row_id = self._col("_row_id")
        out.append(row_id.desc() if self.ties_descending else row_id.asc())
        return out

    @property
    def ties_descending(self) -> bool:
        """Ties go by ``_row_id``, descending under one descending sort (its index walk)."""
        return len(self.sorts) == 1 and self.sorts[0].descending

    def after(self, cursor: dict[str, Any]) -> ColumnElement[bool]:
        """Rows strictly after the cursor's row in this ordering (lexicographic expansion)."""
        values = [
            _restore(v, self.types[s.key]) for s, v in zip(self.sorts, cursor["k"], strict=True)
        ]
        clauses: list[ColumnElement[bool]] = []
        equal_prefix: list[ColumnElement[bool]] = []
        for i, (sort, value) in enumerate(zip(self.sorts, values, strict=True)):
            col = self._col(sort.key)
            if value is None:
                # Among blanks only: nothing sorts after a blank except other blanks.
                greater: ColumnElement[bool] = false()
                same: ColumnElement[bool] = col.is_(None)
            else:
                bound = bindparam(f"k{i}", value, type_=col.type)
                greater = or_(col.is_(None), col < bound if sort.descending else col > bound)
                same = col == bound
            clauses.append(and_(*equal_prefix, greater) if equal_prefix else greater)
            equal_prefix.append(same)
        row_id = self._col("_row_id")
        kid = bindparam("kid", cursor["id"], type_=BigInteger())
        tie = row_id < kid if self.ties_descending else row_id > kid
        clauses.append(and_(*equal_prefix, tie) if equal_prefix else tie)
        return or_(*clauses)

    def select(
        self, *, limit: int | None, offset: int = 0, cursor: dict[str, Any] | None = None
    ) -> Select[Any]:
        read = [*self.columns, *self.extra]
        stmt = select(self._col("_row_id"), *(self._col(k) for k in read)).select_from(self.table)
        if self.where:
            stmt = stmt.where(*self.where)
        if cursor is not None:
            stmt = stmt.where(self.after(cursor))
        stmt = stmt.order_by(*self.order_by()).limit(limit)
        return stmt.offset(bindparam("off", offset)) if offset and cursor is None else stmt

    def page_selects(
        self, *, offset: int = 0, cursor: dict[str, Any] | None = None
    ) -> list[Select[Any]]:
        """The statements for one page, to run in order (each limited to what is still needed)."""
        if len(self.sorts) != 1 or (offset and cursor is None):
            return [self.select(limit=None, offset=offset, cursor=cursor)]
        sort = self.sorts[0]
        col, row_id = self._col(sort.key), self._col("_row_id")
        read = [*self.columns, *self.extra]
        base = select(row_id, *(self._col(k) for k in read)).select_from(self.table)
        base = base.where(*self.where)
        value = _restore(cursor["k"][0], self.types[sort.key]) if cursor is not None else None
        out = []
        kid = bindparam("kid", cursor["id"] if cursor else None, type_=BigInteger())
        if cursor is None or value is not None:
            present = base.where(col.is_not(None))
            if cursor is not None:
                here = tuple_(col, row_id)
                after = tuple_(bindparam("k0", value, type_=col.type), kid)
                present = present.where(here < after if sort.descending else here > after)
            if sort.descending:
                out.append(present.order_by(col.desc(), row_id.desc()))
            else:
                out.append(present.order_by(col.asc(), row_id.asc()))
        blank = base.where(col.is_(None))
        if cursor is not None and value is None:
            blank = blank.where(row_id < kid if sort.descending else row_id > kid)
        out.append(blank.order_by(row_id.desc() if sort.descending else row_id.asc()))
        return out

    def page_sql(
        self, *, offset: int = 0, cursor: dict[str, Any] | None = None
    ) -> list[tuple[Compiled, dict[str, Any]]]:
        """``page_selects`` compiled once per shape (which cursor values are blank, whether
        there is an offset), each with this page's values; ``lim`` is left to the caller."""
        values: dict[str, Any] = {}
        blanks: tuple[bool, ...] = ()
        if cursor is not None:
            restored = [
                _restore(v, self.types[s.key]) for s, v in zip(self.sorts, cursor["k"], strict=True)
            ]
            blanks = tuple(v is None for v in restored)
            values = {f"k{i}": v for i, v in enumerate(restored)} | {"kid": cursor["id"]}
        elif offset:
            values["off"] = offset
        shape = (cursor is None, blanks, bool(offset) and cursor is None)
        compiled = self._templates.get(shape)
        if compiled is None:
            stmts = self.page_selects(offset=offset, cursor=cursor)
            compiled = [Compiled(stmt.limit(bindparam("lim", 1))) for stmt in stmts]
            self._templates[shape] = compiled
        return [(c, values) for c in compiled]


def count(query: RowQuery) -> Select[Any]:
    return select(func.count()).select_from(query.table).where(*query.where)


def etag(version_id: object, normalized: dict[str, Any]) -> str:
    digest = hashlib.sha256(
        json.dumps([str(version_id), normalized], sort_keys=True, default=str).encode()
    )
    return f'W/"{digest.hexdigest()[:32]}"'
