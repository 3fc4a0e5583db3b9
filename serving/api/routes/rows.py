"""Reading a panel's rows: its versions, a page of rows, an export, aggregates.

The handlers only translate HTTP: the read engine (``serving.reads``) prepares the query over
the version and answers it; held answers (``Reading.hold``) and the optional Redis cache keep
what was answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from schemas.common import Page
from schemas.rows import AggregatesPublic, RowsPage, VersionPublic
from serving.api.deps import PagingDep, ReadDep
from serving.api.state import app_state
from serving.http.metrics import ANALYTIC_READS
from serving.reads import lookups
from serving.reads.aggregates import parse_aggregates, summarise
from serving.reads.export import BATCH, EXPORT_TYPES, stream, stream_batches
from serving.reads.page import read_page
from serving.reads.prepare import Prepared, cursor_of, prepare
from serving.reads.rows import etag
from serving.reads.session import Reading

router = APIRouter(prefix="/panels/{panel_id}", tags=["rows"])
JSON = "application/json"

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


@router.get("/versions", response_model=Page[VersionPublic])
async def list_versions(reading: ReadDep, panel_id: uuid.UUID, paging: PagingDep) -> Any:
    """Newest first, with row counts and their Dagster run ids."""
    panel = await lookups.panel(reading, panel_id)
    stmt = lookups.versions(reading, panel_id).order_by(lookups.VERSION.c.number.desc())
    page = await lookups.page(reading, stmt, paging, VersionPublic)
    for version in page.data:
        version.current = version.id == panel["current_version_id"]
    return page


def _json(body: bytes, tag: str | None = None) -> Response:
    headers = {"Cache-Control": "private, no-cache"}
    if tag:
        headers["ETag"] = tag
    return Response(body, media_type=JSON, headers=headers)


async def _shared(
    request: Request,
    reading: Reading,
    kind: str,
    prepared: Prepared,
    normalized: dict[str, Any],
    answer: Callable[[], Awaitable[bytes]],
) -> bytes:
    """The answer's body from the Redis cache processes share, else answered (and shared)."""
    shared = app_state(request.app).read_cache
    key = shared.key(kind, reading.tenant_id, prepared.version.id, normalized) if shared else None
    body = await shared.get(key) if shared and key else None
    if body is None:
        body = await answer()
        if shared and key:
            await shared.put(key, body)
    return body


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
    meta: Annotated[
        bool,
        Query(
            description="Add each row's _meta: its id (stable across versions where the panel"
            " has a key), the version it first appeared in and the one it last changed in"
        ),
    ] = False,
) -> Response:
    decoded = cursor_of(cursor)
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
    normalized = prepared.normalized(l=limit, o=offset, cursor=cursor, m=meta)
    tag = etag(prepared.version.id, normalized)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    counts = app_state(request.app).filtered_counts

    async def page() -> bytes:
        found = await read_page(
            reading,
            prepared,
            limit=limit,
            offset=offset,
            decoded=decoded,
            counts=counts,
            meta=meta,
            analytics=app_state(request.app).analytics,
        )
        return found.model_dump_json().encode()

    body = await _shared(request, reading, "rows", prepared, normalized, page)
    return reading.hold(request, _json(body, tag), tag)


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
    state = app_state(request.app)
    # DuckDB over the version's snapshot when it has one: the filter and the order compiled
    # from the same statement, its Arrow batches written as PostgreSQL's rows are.
    statement = prepared.query.select(limit=None)
    batches = (
        await state.analytics.batches(reading, prepared, statement, BATCH)
        if state.analytics is not None
        else None
    )
    ANALYTIC_READS.labels("postgres" if batches is None else "duckdb").inc()
    if batches is not None:
        body = stream_batches(batches, prepared.query.columns, format)
    else:
        body = stream(state.sessions, reading.principal, prepared.query, format)
    return StreamingResponse(
        body,
        media_type=EXPORT_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Panel-Version": str(prepared.version.number),
        },
    )


@router.get("/aggregates", response_model=AggregatesPublic)
async def read_aggregates(
    request: Request,
    reading: ReadDep,
    panel_id: uuid.UUID,
    group_by: GroupParam = None,
    aggregates: Annotated[
        str | None, Query(description="e.g. count,sum:amount,avg:dep_delay,count_distinct:carrier")
    ] = None,
    bucket: Annotated[
        str | None,
        Query(
            max_length=32,
            description="Group the first group_by column by buckets: day, week, month, quarter"
            " or year for dates and times (in UTC), a bin width for numbers (e.g. 100)",
        ),
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
    wanted = parse_aggregates(aggregates)
    if prepared.view is not None and not aggregates:
        wanted = [(a["function"], a["column"]) for a in prepared.view.aggregates]
    normalized = prepared.normalized(a=wanted, b=bucket)

    async def summary() -> bytes:
        analytics = app_state(request.app).analytics
        found = await summarise(reading, prepared, wanted, analytics, bucket)
        return found.model_dump_json().encode()

    body = await _shared(request, reading, "aggregates", prepared, normalized, summary)
    return reading.hold(request, _json(body))
