from __future__ import annotations

import csv
import io
import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import ProgrammingError

from core.clock import today
from models.db import set_tenant
from schemas.common import FieldError, Page
from schemas.rows import (
    AggregatesPublic,
    ColumnInfo,
    GroupPublic,
    RowGroup,
    RowsPage,
    VersionPublic,
)
from serving.api.deps import PagingDep, ReadDep
from serving.api.state import app_state
from serving.auth.principal import Principal
from serving.http.errors import ApiError, NotFound
from serving.memory.cache import Memo, cache_key
from serving.reads import lookups as reads
from serving.reads.aggregates import MAX_GROUPS, aggregate_selects, parse_aggregates
from serving.reads.rows import (
    QueryError,
    RowQuery,
    Sort,
    count,
    decode_cursor,
    encode_cursor,
    etag,
    parse_keys,
    parse_sort,
)
from serving.reads.session import Reading

router = APIRouter(prefix="/panels/{panel_id}", tags=["rows"])
QUERIES = Memo(2000)  # row queries per version and shape, with their compiled page statements
JSON = "application/json"


@router.get("/versions", response_model=Page[VersionPublic])
async def list_versions(reading: ReadDep, panel_id: uuid.UUID, paging: PagingDep) -> Any:
    """Newest first, with row counts and their Dagster run ids."""
    panel = await reads.panel(reading, panel_id)
    stmt = reads.versions(reading, panel_id).order_by(reads.VERSION.c.number.desc())
    page = await reads.page(reading, stmt, paging, VersionPublic)
    for version in page.data:
        version.current = version.id == panel["current_version_id"]
    return page


def _bad(error: QueryError) -> ApiError:
    return ApiError(
        422,
        f"{error.field}: {error}",
        errors=[
            FieldError(field=error.field, message=str(error), type="invalid_query", hint=error.hint)
        ],
    )


@dataclass
class Prepared:
    slug: str
    version: Any
    query: RowQuery
    filters: list[Any]
    group_by: list[str] = field(default_factory=list)
    view: Any = None

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


ViewParam = Annotated[
    str | None,
    Query(max_length=200, description="A saved view (its id or name): columns, sorts, filters"),
]
ColumnsParam = Annotated[str | None, Query(description="Comma-separated column keys")]
SortParam = Annotated[str | None, Query(description="Comma-separated keys, - for descending")]
GroupParam = Annotated[str | None, Query(description="Comma-separated column keys")]
VersionParam = Annotated[int | None, Query(ge=1, description="A retained older version")]
FilterParam = Annotated[
    str | None,
    Query(
        max_length=20_000,
        description="JSON filter tree, e.g."
        ' {"and": [{"column": "dep_delay", "op": "gt", "value": 60}]}',
    ),
]


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
    view_id = await reads.view_id(reading, panel_id, view) if view else None
    resolved = await reads.target(reading, panel_id, decoded["v"] if decoded else version, view_id)
    panel, found, saved, shown = (
        resolved.panel,
        resolved.version,
        resolved.view,
        resolved.view_keys,
    )
    if found is None:
        return None
    schema: list[dict[str, str]] = list(found.schema)
    # A column missing from an older version is missing from that version, not the panel.
    owner = "the panel" if found.id == panel.current_version_id else f"version {found.number}"
    keys = [c["key"] for c in schema]
    found_types = set(keys)
    sorts = parse_sort(sort)
    groups = parse_keys(group_by)
    filters: list[Any] = []
    if filter_json:
        try:
            filters.append(json.loads(filter_json))
        except ValueError as exc:
            error = FieldError(field="query.filter", message="not valid JSON", type="invalid_query")
            raise ApiError(422, "query.filter: not valid JSON", errors=[error]) from exc
    if saved is not None:
        keys = [k for k in shown if k in keys] or keys
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
    else:
        for i, s in enumerate(sorts):
            if s.key not in found_types:
                raise _bad(QueryError.no_column(f"query.sort.{i}", s.key, found_types, owner))
        # Grouped rows come group by group: the group keys lead the ordering (ascending unless
        # the sort names a direction for them), then the sorts.
        named = {s.key: s for s in sorts}
        sorts = [named.get(k, Sort(k)) for k in groups] + [s for s in sorts if s.key not in groups]
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
            raise _bad(exc) from exc
        QUERIES.put(shape, query)
    return Prepared(panel.slug, found, query, filters, groups, saved)


def _json(body: bytes, tag: str | None = None) -> Response:
    headers = {"Cache-Control": "private, no-cache"}
    if tag:
        headers["ETag"] = tag
    return Response(body, media_type=JSON, headers=headers)


async def _cached(
    request: Request, reading: Reading, key_parts: tuple[str, Any, dict[str, Any]]
) -> tuple[str | None, bytes | None]:
    cache = app_state(request.app).read_cache
    if cache is None:
        return None, None
    kind, version_id, normalized = key_parts
    key = cache_key(cache.prefix, kind, reading.tenant_id, version_id, normalized)
    return key, await cache.get(key)


async def _group_counts(
    reading: Reading, query: RowQuery, rows: list[dict[str, Any]]
) -> list[RowGroup]:
    """The groups on this page, in page order, with their row counts over the whole result."""
    keys = query.group_by
    seen: dict[tuple[Any, ...], int] = {}
    for i, row in enumerate(rows):
        seen.setdefault(tuple(row[k] for k in keys), i)
    if not seen:
        return []
    cols = [query.table.c[k] for k in keys]
    wanted = or_(
        *(
            and_(*(c.is_not_distinct_from(v) for c, v in zip(cols, values, strict=True)))
            for values in seen
        )
    )
    stmt = select(*cols, func.count()).where(*query.where, wanted).group_by(*cols)
    counts = {tuple(r[: len(keys)]): r[-1] for r in (await reading.execute(stmt)).all()}
    return [
        RowGroup(group=dict(zip(keys, values, strict=True)), count=counts.get(values, 0), start=i)
        for values, i in seen.items()
    ]


@router.get(
    "/rows",
    response_model=RowsPage,
    responses={200: {"model": RowsPage}, 304: {"description": "Not modified"}},
)
async def read_rows(
    request: Request,
    reading: ReadDep,
    panel_id: uuid.UUID,
    view: ViewParam = None,
    columns: ColumnsParam = None,
    sort: SortParam = None,
    group_by: GroupParam = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    version: VersionParam = None,
    filter: FilterParam = None,
) -> Response:
    try:
        decoded = decode_cursor(cursor) if cursor else None
    except QueryError as exc:
        raise _bad(exc) from exc
    prepared = await prepare(
        reading,
        panel_id,
        view=view,
        columns=columns,
        sort=sort,
        filter_json=filter,
        version=version,
        group_by=group_by,
        decoded=decoded,
    )
    if prepared is None:
        empty = RowsPage(data=[], columns=[], version=None, total=0).model_dump_json().encode()
        return reading.hold(request, _json(empty))
    found, query = prepared.version, prepared.query
    normalized = prepared.normalized(l=limit, o=offset, cursor=cursor)
    tag = etag(found.id, normalized)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    key, body = await _cached(request, reading, ("rows", found.id, normalized))
    if body is not None:
        return reading.hold(request, _json(body, tag), tag)
    rows: list[dict[str, Any]] = []
    try:
        for stmt, values in query.page_sql(offset=offset, cursor=decoded):
            rows += await stmt.rows(reading, **values, lim=limit + 1 - len(rows))
            if len(rows) > limit:
                break
    except ProgrammingError as exc:  # its table was dropped by retention meanwhile
        raise NotFound("version", found.number) from exc
    more = len(rows) > limit
    rows = rows[:limit]
    # A filtered read is counted once, on its first page; the cursor carries the total on:
    # no count(*) on every page.
    if not prepared.filters:
        total = found.row_count
    elif decoded is not None and decoded.get("t") is not None:
        total = int(decoded["t"])
    else:
        # A version's table never changes: its filtered counts are memoised per process.
        counts = app_state(request.app).filtered_counts
        count_key = (found.id, json.dumps([prepared.filters, today().isoformat()], default=str))
        total = counts.get(count_key)
        if total is None:
            total = int((await reading.execute(count(query))).scalar_one())
            counts.put(count_key, total)
    last = rows[-1] if more and rows else None
    next_cursor = (
        encode_cursor(found.number, query.sorts, last, total, query.group_by) if last else None
    )
    groups = await _group_counts(reading, query, rows) if query.group_by else None
    if query.extra:  # sort or group keys read but not shown
        rows = [{k: r[k] for k in query.columns} for r in rows]
    else:  # the page statements select _row_id, then the columns in order
        for row in rows:
            del row["_row_id"]
    # Built from values the database typed and our own models: nothing to validate.
    page = RowsPage.model_construct(
        data=rows,
        columns=prepared.columns,
        version=found.number,
        total=total,
        next_cursor=next_cursor,
        groups=groups,
    )
    body = page.model_dump_json().encode()
    cache = app_state(request.app).read_cache
    if key is not None and cache is not None:
        await cache.put(key, body)
    return reading.hold(request, _json(body, tag), tag)


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
BATCH = 5_000


def _stream(request: Request, principal: Principal, query: RowQuery, fmt: str) -> Iterator[bytes]:
    """Rows from a server-side cursor on a session of its own (the request's is closed by then)."""
    with app_state(request.app).sessions() as session:
        set_tenant(session, principal.tenant_id)
        stmt = query.select(limit=None).execution_options(stream_results=True, yield_per=BATCH)
        result = session.execute(stmt).mappings()
        keys = query.columns
        if fmt == "parquet":
            yield from _parquet(result, keys)
            return
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(keys)
            for i, row in enumerate(result, 1):
                writer.writerow(["" if row[k] is None else _text(row[k]) for k in keys])
                if i % BATCH == 0:
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue().encode()
            return
        chunk: list[str] = []
        for row in result:
            chunk.append(json.dumps({k: row[k] for k in keys}, default=_text))
            if len(chunk) == BATCH:
                yield ("\n".join(chunk) + "\n").encode()
                chunk = []
        if chunk:
            yield ("\n".join(chunk) + "\n").encode()


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _parquet(result: Any, keys: list[str]) -> Iterator[bytes]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        writer = None
        for batch in result.partitions(BATCH):
            table = pa.Table.from_pylist([{k: r[k] for k in keys} for r in batch])
            if writer is None:
                writer = pq.ParquetWriter(spool, table.schema)
            writer.write_table(table.cast(writer.schema))
        if writer is None:
            writer = pq.ParquetWriter(spool, pa.schema([(k, pa.string()) for k in keys]))
        writer.close()
        spool.seek(0)
        while data := spool.read(1 << 20):
            yield data


@router.get(
    "/rows/export",
    response_class=StreamingResponse,
    responses={200: {"content": {t: {} for t in EXPORT_TYPES.values()}}},
)
async def export_rows(
    request: Request,
    reading: ReadDep,
    panel_id: uuid.UUID,
    format: Annotated[Literal["csv", "ndjson", "parquet"], Query()] = "csv",
    view: ViewParam = None,
    columns: ColumnsParam = None,
    sort: SortParam = None,
    version: VersionParam = None,
    filter: FilterParam = None,
) -> StreamingResponse:
    """The whole (filtered, sorted) version, streamed as CSV, NDJSON or Parquet."""
    prepared = await prepare(
        reading,
        panel_id,
        view=view,
        columns=columns,
        sort=sort,
        filter_json=filter,
        version=version,
    )
    if prepared is None:  # nothing published yet: an empty file, as /rows gives an empty page
        return StreamingResponse(iter([b""]), media_type=EXPORT_TYPES[format])
    name = f"{prepared.slug}-v{prepared.version.number}.{format}"
    return StreamingResponse(
        _stream(request, reading.principal, prepared.query, format),
        media_type=EXPORT_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Panel-Version": str(prepared.version.number),
        },
    )


def _plain(value: Any) -> Any:
    """PostgreSQL sums integers as numeric: give JSON numbers, not strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@router.get("/aggregates", response_model=AggregatesPublic)
async def read_aggregates(
    request: Request,
    reading: ReadDep,
    panel_id: uuid.UUID,
    group_by: GroupParam = None,
    aggregates: Annotated[
        str | None, Query(description="e.g. count,sum:amount,avg:dep_delay,count_distinct:carrier")
    ] = None,
    view: ViewParam = None,
    version: VersionParam = None,
    filter: FilterParam = None,
) -> Response:
    """Aggregates per group (a view's group-by and aggregates unless given) and as footers."""
    prepared = await prepare(
        reading,
        panel_id,
        view=view,
        columns=None,
        sort=None,
        filter_json=filter,
        version=version,
        group_by=group_by,
    )
    if prepared is None:
        empty = AggregatesPublic(version=None, groups=[], footer={}, truncated=False)
        return reading.hold(request, _json(empty.model_dump_json().encode()))
    keys = prepared.group_by
    wanted = parse_aggregates(aggregates)
    if prepared.view is not None and not aggregates:
        wanted = [(a["function"], a["column"]) for a in prepared.view.aggregates]
    normalized = prepared.normalized(a=wanted)
    key, body = await _cached(request, reading, ("aggregates", prepared.version.id, normalized))
    if body is not None:
        return reading.hold(request, _json(body))
    try:
        grouped, footer, labels = aggregate_selects(prepared.query, keys, wanted)
    except QueryError as exc:
        raise _bad(exc) from exc
    footer_row = (await reading.execute(footer)).one()
    groups = []
    truncated = False
    if keys:
        rows = (await reading.execute(grouped)).all()
        for row in rows[:MAX_GROUPS]:
            groups.append(
                GroupPublic(
                    group=dict(zip(keys, row[: len(keys)], strict=True)),
                    values=dict(zip(labels, map(_plain, row[len(keys) :]), strict=True)),
                )
            )
        truncated = len(rows) > MAX_GROUPS
    result = AggregatesPublic(
        version=prepared.version.number,
        groups=groups,
        footer=dict(zip(labels, map(_plain, footer_row), strict=True)),
        truncated=truncated,
    )
    body = result.model_dump_json().encode()
    cache = app_state(request.app).read_cache
    if key is not None and cache is not None:
        await cache.put(key, body)
    return reading.hold(request, _json(body))
