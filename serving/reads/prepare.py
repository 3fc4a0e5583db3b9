"""What a rows, export or aggregates read asks for, resolved: the version and its query."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from core.clock import today
from schemas.common import FieldError
from schemas.rows import ColumnInfo
from serving.http.errors import ApiError
from serving.memory.cache import Memo
from serving.reads import lookups
from serving.reads.rows import QueryError, RowQuery, Sort, decode_cursor, parse_keys, parse_sort
from serving.reads.session import Reading

QUERIES = Memo(2000)  # row queries per version and shape, with their compiled page statements


def bad(error: QueryError) -> ApiError:
    """A query the caller got wrong: 422 naming the parameter, with a hint where there is one."""
    return ApiError(
        422,
        f"{error.field}: {error}",
        errors=[
            FieldError(field=error.field, message=str(error), type="invalid_query", hint=error.hint)
        ],
    )


def cursor_of(cursor: str | None) -> dict[str, Any] | None:
    try:
        return decode_cursor(cursor) if cursor else None
    except QueryError as exc:
        raise bad(exc) from exc


@dataclass
class Prepared:
    slug: str
    version: Any
    query: RowQuery
    filters: list[Any]
    group_by: list[str] = field(default_factory=list)
    view: Any = None
    panel_id: uuid.UUID | None = None

    @property
    def columns(self) -> list[ColumnInfo]:
        info = {c["key"]: c for c in self.version.schema}
        return [ColumnInfo(**info[k]) for k in self.query.columns]

    def normalized(self, **extra: Any) -> dict[str, Any]:
        """What the answer depends on besides the version: the ETag and cache key input."""
        return {
            "v": self.version.number,
            "c": self.query.columns,
            "s": [[s.key, s.descending] for s in self.query.sorts],
            "f": self.filters,
            "g": self.group_by,
            "d": today().isoformat(),  # relative date filters resolve against it
            **extra,
        }


def _filters(filter_json: str | None) -> list[Any]:
    if not filter_json:
        return []
    try:
        return [json.loads(filter_json)]
    except ValueError as exc:
        error = FieldError(field="query.filter", message="not valid JSON", type="invalid_query")
        raise ApiError(422, "query.filter: not valid JSON", errors=[error]) from exc


async def prepare(
    reading: Reading,
    panel_id: uuid.UUID,
    *,
    view: str | None,
    columns: str | None,
    sort: str | None,
    filter_json: str | None,
    version: int | None,
    group_by: str | None = None,
    decoded: dict[str, Any] | None = None,
) -> Prepared | None:
    """The version to read and the query over it; None before the first publish."""
    view_id = await lookups.view_id(reading, panel_id, view) if view else None
    resolved = await lookups.target(
        reading, panel_id, decoded["v"] if decoded else version, view_id
    )
    panel, found, saved = resolved.panel, resolved.version, resolved.view
    if found is None:
        return None
    schema: list[dict[str, str]] = list(found.schema)
    # A column missing from an older version is missing from that version, not the panel.
    owner = "the panel" if found.id == panel.current_version_id else f"version {found.number}"
    keys = [c["key"] for c in schema]
    sorts = parse_sort(sort)
    groups = parse_keys(group_by)
    filters = _filters(filter_json)
    if saved is not None:
        keys = [k for k in resolved.view_keys if k in keys] or keys
        sorts = sorts or [Sort(s["column"], s.get("direction") == "desc") for s in saved.sorts]
        if group_by is None:
            groups = list(saved.group_by)
        if saved.filters:
            filters.insert(0, saved.filters)
    if columns:
        keys = parse_keys(columns)
    if decoded:
        sorts = [Sort(k, bool(d)) for k, d in decoded["s"]]
        groups = list(decoded.get("g") or [])
    # A version never changes: the same query over it is built (and compiled) once.
    shape = (
        found.id,
        owner,
        tuple(keys),
        tuple((s.key, s.descending) for s in sorts),
        json.dumps(filters, sort_keys=True, default=str) if filters else "",
        tuple(groups),
        today(),
    )
    query = QUERIES.get(shape)
    if query is None:
        try:
            query = RowQuery(str(found.table_name), schema, keys, sorts, filters, groups, owner)
        except QueryError as exc:
            raise bad(exc) from exc
        QUERIES.put(shape, query)
    return Prepared(panel.slug, found, query, filters, groups, saved, panel.id)
