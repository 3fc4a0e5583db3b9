from __future__ import annotations

import csv
import io
import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.exc import ProgrammingError

from models import Panel, PanelColumn, PanelVersion, View
from models.db import set_tenant
from models.enums import VersionStatus
from schemas.common import FieldError, Page
from schemas.rows import AggregatesPublic, ColumnInfo, GroupPublic, RowsPage, VersionPublic
from serving.aggregates import MAX_GROUPS, aggregate_selects, parse_aggregates
from serving.deps import PagingDep, Principal, SessionDep, ViewerDep
from serving.errors import ApiError, NotFound
from serving.pagination import paginate
from serving.repo import get_owned, scoped
from serving.routes.panels import load_panel
from serving.rows import (
    QueryError,
    RowQuery,
    Sort,
    count,
    decode_cursor,
    encode_cursor,
    etag,
    parse_sort,
)

router = APIRouter(prefix="/panels/{panel_id}", tags=["rows"])
READABLE = (VersionStatus.published, VersionStatus.superseded)


@router.get("/versions", response_model=Page[VersionPublic])
def list_versions(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, paging: PagingDep
) -> Page[VersionPublic]:
    """Newest first, with row counts and their Dagster run ids."""
    panel = load_panel(session, principal, panel_id)
    stmt = (
        scoped(PanelVersion, principal)
        .where(PanelVersion.panel_id == panel.id)
        .order_by(PanelVersion.number.desc())
    )
    page = paginate(session, stmt, paging, VersionPublic)
    for version in page.data:
        version.current = version.id == panel.current_version_id
    return page


def _bad(error: QueryError) -> ApiError:
    return ApiError(
        422,
        f"{error.field}: {error}",
        errors=[FieldError(field=error.field, message=str(error), type="invalid_query")],
    )


@dataclass
class Prepared:
    version: PanelVersion
    query: RowQuery
    filters: list[Any]

    @property
    def columns(self) -> list[ColumnInfo]:
        info = {c["key"]: c for c in self.version.schema}
        return [ColumnInfo(**info[k]) for k in self.query.columns]


ViewParam = Annotated[uuid.UUID | None, Query(description="A saved view: columns, sorts, filters")]
ColumnsParam = Annotated[str | None, Query(description="Comma-separated column keys")]
SortParam = Annotated[str | None, Query(description="Comma-separated keys, - for descending")]
VersionParam = Annotated[int | None, Query(ge=1, description="A retained older version")]
FilterParam = Annotated[
    str | None,
    Query(
        max_length=20_000,
        description="JSON filter tree, e.g."
        ' {"and": [{"column": "dep_delay", "op": "gt", "value": 60}]}',
    ),
]


def prepare(
    session: SessionDep,
    principal: Principal,
    panel: Panel,
    *,
    view: uuid.UUID | None,
    columns: str | None,
    sort: str | None,
    filter_json: str | None,
    version: int | None,
    decoded: dict[str, Any] | None = None,
) -> Prepared | None:
    """The version to read and the query over it; None before the first publish."""
    wanted = decoded["v"] if decoded else version
    if wanted is not None:
        found = session.scalar(
            scoped(PanelVersion, principal).where(
                PanelVersion.panel_id == panel.id,
                PanelVersion.number == wanted,
                PanelVersion.status.in_(READABLE),
            )
        )
        if found is None:
            raise NotFound("version", wanted)
    elif panel.current_version_id is not None:
        found = get_owned(
            session, PanelVersion, panel.current_version_id, principal, label="version"
        )
    else:
        return None
    schema: list[dict[str, str]] = list(found.schema)
    keys = [c["key"] for c in schema]
    sorts = parse_sort(sort)
    filters: list[Any] = []
    if filter_json:
        try:
            filters.append(json.loads(filter_json))
        except ValueError as exc:
            error = FieldError(field="query.filter", message="not valid JSON", type="invalid_query")
            raise ApiError(422, "query.filter: not valid JSON", errors=[error]) from exc
    if view is not None:
        saved = get_owned(session, View, view, principal, label="view", panel_id=panel.id)
        # The view names columns by id; the version's schema by key.
        rows = session.execute(
            select(PanelColumn.id, PanelColumn.key).where(
                PanelColumn.tenant_id == principal.tenant_id, PanelColumn.panel_id == panel.id
            )
        )
        by_id = {row.id: row.key for row in rows}
        shown = [
            by_id[vc.column_id]
            for vc in saved.view_columns
            if vc.visible and by_id.get(vc.column_id) in keys
        ]
        keys = shown or keys
        sorts = sorts or [Sort(s["column"], s.get("direction") == "desc") for s in saved.sorts]
        if saved.filters:
            filters.insert(0, saved.filters)
    if columns:
        keys = [k.strip() for k in columns.split(",") if k.strip()]
    if decoded:
        sorts = [Sort(k, bool(d)) for k, d in decoded["s"]]
    try:
        return Prepared(
            found, RowQuery(str(found.table_name), schema, keys, sorts, filters), filters
        )
    except QueryError as exc:
        raise _bad(exc) from exc


@router.get("/rows", response_model=RowsPage, responses={304: {"description": "Not modified"}})
def read_rows(
    request: Request,
    session: SessionDep,
    principal: ViewerDep,
    panel_id: uuid.UUID,
    view: ViewParam = None,
    columns: ColumnsParam = None,
    sort: SortParam = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    version: VersionParam = None,
    filter: FilterParam = None,
) -> Any:
    panel = load_panel(session, principal, panel_id)
    try:
        decoded = decode_cursor(cursor) if cursor else None
    except QueryError as exc:
        raise _bad(exc) from exc
    prepared = prepare(
        session,
        principal,
        panel,
        view=view,
        columns=columns,
        sort=sort,
        filter_json=filter,
        version=version,
        decoded=decoded,
    )
    if prepared is None:
        return RowsPage(data=[], columns=[], version=None, total=0)
    found, query = prepared.version, prepared.query
    normalized = {
        "v": found.number,
        "c": query.columns,
        "s": [[s.key, s.descending] for s in query.sorts],
        "f": prepared.filters,
        "l": limit,
        "o": offset,
        "cursor": cursor,
    }
    tag = etag(found.id, normalized)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    try:
        rows = [
            dict(r)
            for r in session.execute(
                query.select(limit=limit + 1, offset=offset, cursor=decoded)
            ).mappings()
        ]
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
        total = int(session.scalar(count(query)) or 0)
    last = rows[-1] if more and rows else None
    page = RowsPage(
        data=[{k: r[k] for k in query.columns} for r in rows],
        columns=prepared.columns,
        version=found.number,
        total=total,
        next_cursor=encode_cursor(found.number, query.sorts, last, total) if last else None,
    )
    return JSONResponse(
        jsonable_encoder(page), headers={"ETag": tag, "Cache-Control": "private, no-cache"}
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
BATCH = 5_000


def _stream(request: Request, principal: Principal, query: RowQuery, fmt: str) -> Iterator[bytes]:
    """Rows from a server-side cursor on a session of its own (the request's is closed by then)."""
    with request.app.state.sessions() as session:
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
def export_rows(
    request: Request,
    session: SessionDep,
    principal: ViewerDep,
    panel_id: uuid.UUID,
    format: Annotated[Literal["csv", "ndjson", "parquet"], Query()] = "csv",
    view: ViewParam = None,
    columns: ColumnsParam = None,
    sort: SortParam = None,
    version: VersionParam = None,
    filter: FilterParam = None,
) -> StreamingResponse:
    """The whole (filtered, sorted) version, streamed as CSV, NDJSON or Parquet."""
    panel = load_panel(session, principal, panel_id)
    prepared = prepare(
        session,
        principal,
        panel,
        view=view,
        columns=columns,
        sort=sort,
        filter_json=filter,
        version=version,
    )
    if prepared is None:  # nothing published yet: an empty file, as /rows gives an empty page
        return StreamingResponse(iter([b""]), media_type=EXPORT_TYPES[format])
    name = f"{panel.slug}-v{prepared.version.number}.{format}"
    return StreamingResponse(
        _stream(request, principal, prepared.query, format),
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
def read_aggregates(
    session: SessionDep,
    principal: ViewerDep,
    panel_id: uuid.UUID,
    group_by: Annotated[str | None, Query(description="Comma-separated column keys")] = None,
    aggregates: Annotated[
        str | None, Query(description="e.g. count,sum:amount,avg:dep_delay,count_distinct:carrier")
    ] = None,
    view: ViewParam = None,
    version: VersionParam = None,
    filter: FilterParam = None,
) -> AggregatesPublic:
    """Aggregates per group (a view's group-by and aggregates unless given) and as footers."""
    panel = load_panel(session, principal, panel_id)
    prepared = prepare(
        session,
        principal,
        panel,
        view=view,
        columns=None,
        sort=None,
        filter_json=filter,
        version=version,
    )
    if prepared is None:
        return AggregatesPublic(version=None, groups=[], footer={}, truncated=False)
    keys = [k.strip() for k in (group_by or "").split(",") if k.strip()]
    wanted = parse_aggregates(aggregates)
    if view is not None and not group_by and not aggregates:
        saved = get_owned(session, View, view, principal, label="view", panel_id=panel.id)
        keys = list(saved.group_by)
        wanted = [(a["function"], a["column"]) for a in saved.aggregates]
    try:
        grouped, footer, labels = aggregate_selects(prepared.query, keys, wanted)
    except QueryError as exc:
        raise _bad(exc) from exc
    footer_row = session.execute(footer).one()
    groups = []
    if keys:
        rows = session.execute(grouped).all()
        for row in rows[:MAX_GROUPS]:
            groups.append(
                GroupPublic(
                    group=dict(zip(keys, row[: len(keys)], strict=True)),
                    values=dict(zip(labels, map(_plain, row[len(keys) :]), strict=True)),
                )
            )
        truncated = len(rows) > MAX_GROUPS
    else:
        truncated = False
    return AggregatesPublic(
        version=prepared.version.number,
        groups=groups,
        footer=dict(zip(labels, map(_plain, footer_row), strict=True)),
        truncated=truncated,
    )
