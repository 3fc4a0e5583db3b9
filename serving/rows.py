"""Reading a published panel version: columns, sorts and keyset pagination in SQL.

SQL is built with SQLAlchemy Core and bound parameters; column keys come from the version's
own schema (validated identifiers) and are quoted by SQLAlchemy, never spliced as text.
Keyset pagination orders by the sort columns with blanks last, then ``_row_id``; the cursor
holds the version it started on, so a page keeps reading that version after a new publish.
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
    column,
    false,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.types import TypeEngine

from serving.filters import FilterCompiler, FilterError

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

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False


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


def encode_cursor(version: int, sorts: list[Sort], row: dict[str, Any], total: int | None) -> str:
    payload = {
        "v": version,
        "s": [[s.key, s.descending] for s in sorts],
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

    def __post_init__(self) -> None:
        self.types = {c["key"]: c["type"] for c in self.schema}
        for i, key in enumerate(self.columns):
            if key not in self.types:
                raise QueryError(f"query.columns.{i}", f"the panel has no column {key!r}")
        for i, sort in enumerate(self.sorts):
            if sort.key not in self.types:
                raise QueryError(f"query.sort.{i}", f"the panel has no column {sort.key!r}")
        self.table = table(
            self.table_name,
            column("_row_id", BigInteger()),
            *(column(k, TYPES[t]) for k, t in self.types.items()),
            schema="panel_data",
        )
        compiler = FilterCompiler(self.table.c, self.types)
        try:
            self.where = [compiler.compile(f) for f in self.filters]
        except FilterError as exc:
            raise QueryError(f"query.{exc.path}", str(exc)) from exc

    def _col(self, key: str) -> ColumnElement[Any]:
        return self.table.c[key]

    def order_by(self) -> list[ColumnElement[Any]]:
        out: list[ColumnElement[Any]] = []
        for s in self.sorts:
            col = self._col(s.key)
            out.append(col.is_(None))  # blanks last, whatever the direction
            out.append(col.desc() if s.descending else col.asc())
        out.append(self._col("_row_id").asc())
        return out

    def after(self, cursor: dict[str, Any]) -> ColumnElement[bool]:
        """Rows strictly after the cursor's row in this ordering (lexicographic expansion)."""
        values = [
            _restore(v, self.types[s.key]) for s, v in zip(self.sorts, cursor["k"], strict=True)
        ]
        clauses: list[ColumnElement[bool]] = []
        equal_prefix: list[ColumnElement[bool]] = []
        for sort, value in zip(self.sorts, values, strict=True):
            col = self._col(sort.key)
            if value is None:
                # Among blanks only: nothing sorts after a blank except other blanks.
                greater: ColumnElement[bool] = false()
                same = col.is_(None)
            else:
                greater = or_(col.is_(None), col < value if sort.descending else col > value)
                same = col == value
            clauses.append(and_(*equal_prefix, greater) if equal_prefix else greater)
            equal_prefix.append(same)
        clauses.append(
            and_(*equal_prefix, self._col("_row_id") > cursor["id"])
            if equal_prefix
            else self._col("_row_id") > cursor["id"]
        )
        return or_(*clauses)

    def select(
        self, *, limit: int | None, offset: int = 0, cursor: dict[str, Any] | None = None
    ) -> Select[Any]:
        stmt = select(self._col("_row_id"), *(self._col(k) for k in self.columns)).select_from(
            self.table
        )
        if self.where:
            stmt = stmt.where(*self.where)
        if cursor is not None:
            stmt = stmt.where(self.after(cursor))
        stmt = stmt.order_by(*self.order_by()).limit(limit)
        return stmt.offset(offset) if offset and cursor is None else stmt


def count(query: RowQuery) -> Select[Any]:
    return select(func.count()).select_from(query.table).where(*query.where)


def etag(version_id: object, normalized: dict[str, Any]) -> str:
    digest = hashlib.sha256(
        json.dumps([str(version_id), normalized], sort_keys=True, default=str).encode()
    )
    return f'W/"{digest.hexdigest()[:32]}"'
