from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import ProgrammingError

from models import PanelColumn, PanelVersion, View
from models.enums import VersionStatus
from schemas.common import FieldError, Page
from schemas.rows import ColumnInfo, RowsPage, VersionPublic
from serving.deps import PagingDep, SessionDep, ViewerDep
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


@router.get("/rows", response_model=RowsPage, responses={304: {"description": "Not modified"}})
def read_rows(
    request: Request,
    session: SessionDep,
    principal: ViewerDep,
    panel_id: uuid.UUID,
    view: Annotated[
        uuid.UUID | None, Query(description="A saved view: its columns and sorts")
    ] = None,
    columns: Annotated[str | None, Query(description="Comma-separated column keys")] = None,
    sort: Annotated[str | None, Query(description="Comma-separated keys, - for descending")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    version: Annotated[int | None, Query(ge=1, description="A retained older version")] = None,
    filter: Annotated[
        str | None,
        Query(
            max_length=20_000,
            description="JSON filter tree, e.g."
            ' {"and": [{"column": "dep_delay", "op": "gt", "value": 60}]}',
        ),
    ] = None,
) -> Any:
    panel = load_panel(session, principal, panel_id)
    decoded = None
    try:
        decoded = decode_cursor(cursor) if cursor else None
    except QueryError as exc:
        raise _bad(exc) from exc
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
        return RowsPage(data=[], columns=[], version=None, total=0)
    schema: list[dict[str, str]] = list(found.schema)
    keys = [c["key"] for c in schema]
    sorts = parse_sort(sort)
    filters: list[Any] = []
    if filter:
        try:
            filters.append(json.loads(filter))
        except ValueError as exc:
            error = FieldError(field="query.filter", message="not valid JSON", type="invalid_query")
            raise ApiError(422, "query.filter: not valid JSON", errors=[error]) from exc
    if view is not None:
        saved = get_owned(session, View, view, principal, label="view", panel_id=panel.id)
        by_id = {}  # the view names columns by id; the version's schema by key
        for column_id, key in session.execute(
            select(PanelColumn.id, PanelColumn.key).where(
                PanelColumn.tenant_id == principal.tenant_id, PanelColumn.panel_id == panel.id
            )
        ):
            by_id[column_id] = key
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
        query = RowQuery(str(found.table_name), schema, keys, sorts, filters)
    except QueryError as exc:
        raise _bad(exc) from exc
    normalized = {
        "v": found.number,
        "c": keys,
        "s": [[s.key, s.descending] for s in sorts],
        "f": filters,
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
    if not filters:
        total = found.row_count
    elif decoded is not None and decoded.get("t") is not None:
        total = int(decoded["t"])
    else:
        total = int(session.scalar(count(query)) or 0)
    next_cursor = encode_cursor(found.number, sorts, rows[-1], total) if more and rows else None
    info = {c["key"]: c for c in schema}
    page = RowsPage(
        data=[{k: r[k] for k in keys} for r in rows],
        columns=[ColumnInfo(**info[k]) for k in keys],
        version=found.number,
        total=total,
        next_cursor=next_cursor,
    )
    return JSONResponse(
        jsonable_encoder(page), headers={"ETag": tag, "Cache-Control": "private, no-cache"}
    )
