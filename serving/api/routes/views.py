from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import column

from models import PanelColumn, View, ViewColumn
from schemas.common import FieldError, Page, did_you_mean
from schemas.views import ViewColumnIn, ViewCreate, ViewPublic, ViewUpdate
from serving.api.deps import EditorDep, PagingDep, SessionDep, ViewerDep
from serving.api.repo import get_owned, scoped
from serving.api.routes.panels import load_panel
from serving.auth.principal import Principal
from serving.http.errors import ApiError
from serving.reads.aggregates import TIME_BUCKETS, bin_width
from serving.reads.filters import FilterCompiler, FilterError, unknown_column
from serving.reads.paging import paginate
from serving.writes import audit, mutations

router = APIRouter(prefix="/panels/{panel_id}/views", tags=["views"])


def _panel_columns(
    session: SessionDep, principal: Principal, panel_id: uuid.UUID
) -> list[PanelColumn]:
    stmt = (
        scoped(PanelColumn, principal)
        .where(PanelColumn.panel_id == panel_id)
        .order_by(PanelColumn.position, PanelColumn.key)
    )
    return list(session.scalars(stmt))


def _unknown(field: str, what: str, hint: str | None = None) -> ApiError:
    return ApiError(
        422,
        f"{field}: {what}",
        errors=[FieldError(field=field, message=what, type="unknown_column", hint=hint)],
    )


def _no_column(field: str, key: object, keys: set[str]) -> ApiError:
    return _unknown(field, *unknown_column(key, keys))


def _check_references(data: dict[str, Any], columns: list[PanelColumn]) -> None:
    keys = {c.key for c in columns}
    for i, sort in enumerate(data.get("sorts") or []):
        if sort["column"] not in keys:
            raise _no_column(f"body.sorts.{i}.column", sort["column"], keys)
    for i, key in enumerate(data.get("group_by") or []):
        if key not in keys:
            raise _no_column(f"body.group_by.{i}", key, keys)
    for i, agg in enumerate(data.get("aggregates") or []):
        if agg["column"] not in keys:
            raise _no_column(f"body.aggregates.{i}.column", agg["column"], keys)
    if data.get("chart"):
        _check_chart(data["chart"], {c.key: c.type.value for c in columns})
    if data.get("filters"):
        types = {c.key: c.type.value for c in columns}
        compiler = FilterCompiler({k: column(k) for k in types}, types)
        try:
            compiler.compile(data["filters"], "filters")
        except FilterError as exc:
            error = FieldError(
                field=f"body.{exc.path}", message=str(exc), type="invalid_filter", hint=exc.hint
            )
            raise ApiError(422, f"body.{exc.path}: {exc}", errors=[error]) from exc


CHART_DIMENSIONS = {
    "bar": ("text", "integer", "number", "boolean", "date", "datetime"),
    "line": ("date", "datetime"),
    "histogram": ("integer", "number"),
}


def _bad_chart(field: str, message: str, hint: str | None = None) -> ApiError:
    return ApiError(
        422,
        f"body.chart.{field}: {message}",
        errors=[
            FieldError(
                field=f"body.chart.{field}", message=message, type="invalid_chart", hint=hint
            )
        ],
    )


def _check_chart(chart: dict[str, Any], types: dict[str, str]) -> None:
    """A chart's columns exist and fit it: its dimension, measure and bucket are what
    ``/aggregates`` answers for that kind of chart."""
    kind, key = chart["kind"], chart["dimension"]
    if key not in types:
        raise _no_column("body.chart.dimension", key, set(types))
    if types[key] not in CHART_DIMENSIONS[kind]:
        raise _bad_chart(
            "dimension",
            f"a {kind} chart's dimension is a {' or '.join(CHART_DIMENSIONS[kind])} column;"
            f" {key!r} is {types[key]}",
        )
    measure = chart.get("measure")
    if measure is not None:
        if measure["column"] not in types:
            raise _no_column("body.chart.measure.column", measure["column"], set(types))
        # A chart's value axis is a number: these functions take a number column's values.
        numeric_only = measure["function"] in ("sum", "avg", "median", "min", "max")
        if numeric_only and types[measure["column"]] not in ("integer", "number"):
            raise _bad_chart(
                "measure.function",
                f"{measure['function']} needs a number column;"
                f" {measure['column']!r} is {types[measure['column']]}",
            )
    bucket = chart.get("bucket")
    if bucket is None:
        return
    if kind == "line" and bucket not in TIME_BUCKETS:
        hint = did_you_mean(bucket, TIME_BUCKETS).removeprefix("; ") or None
        raise _bad_chart(
            "bucket", f"a line chart's bucket is {', '.join(TIME_BUCKETS)}, not {bucket!r}", hint
        )
    if kind == "histogram" and bin_width(bucket) is None:
        raise _bad_chart("bucket", f"a histogram's bucket is a bin width above 0, not {bucket!r}")
    if kind == "bar":
        raise _bad_chart("bucket", "a bar chart has a bar per value: it takes no bucket")


def _view_columns(
    principal: Principal,
    columns: list[PanelColumn],
    wanted: list[ViewColumnIn] | None,
    existing: Sequence[ViewColumn] = (),
) -> list[ViewColumn]:
    """The view's column rows in order; rows kept from ``existing`` are updated in place."""
    kept = {vc.column_id: vc for vc in existing}
    if wanted is None:
        wanted = [ViewColumnIn(column_id=c.id) for c in columns]
    ids = {c.id for c in columns}
    by_key = {c.key: c.id for c in columns}
    seen: set[uuid.UUID] = set()
    out = []
    for position, given in enumerate(wanted):
        item = given
        if given.column is not None:
            if given.column not in by_key:
                raise _no_column(f"body.columns.{position}.column", given.column, set(by_key))
            item = given.model_copy(update={"column_id": by_key[given.column]})
        if item.column_id not in ids:
            raise _unknown(
                f"body.columns.{position}.column_id", f"the panel has no column {item.column_id}"
            )
        assert item.column_id is not None
        if item.column_id in seen:
            raise ApiError(
                422,
                f"column {item.column_id} is listed twice",
                errors=[
                    FieldError(
                        field=f"body.columns.{position}.column_id",
                        message="listed twice",
                        type="duplicate",
                    )
                ],
            )
        seen.add(item.column_id)
        row = kept.get(item.column_id) or ViewColumn(
            tenant_id=principal.tenant_id, column_id=item.column_id
        )
        row.position, row.visible, row.width = position, item.visible, item.width
        out.append(row)
    return out


@router.get("", response_model=Page[ViewPublic])
def list_views(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, paging: PagingDep
) -> Page[ViewPublic]:
    load_panel(session, principal, panel_id)
    stmt = scoped(View, principal).where(View.panel_id == panel_id).order_by(View.name)
    return paginate(session, stmt, paging, ViewPublic)


@router.post("", response_model=ViewPublic, status_code=status.HTTP_201_CREATED)
def create_view(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, view_in: ViewCreate
) -> ViewPublic:
    load_panel(session, principal, panel_id)
    columns = _panel_columns(session, principal, panel_id)
    data = view_in.model_dump(exclude={"columns"})
    _check_references(data, columns)
    view = View(tenant_id=principal.tenant_id, panel_id=panel_id, **data)
    view.view_columns = _view_columns(principal, columns, view_in.columns)
    return mutations.create(session, principal, view, ViewPublic, object_type="view")


@router.get("/{view_id}", response_model=ViewPublic)
def read_view(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, view_id: uuid.UUID
) -> ViewPublic:
    return ViewPublic.model_validate(
        get_owned(session, View, view_id, principal, label="view", panel_id=panel_id)
    )


@router.patch("/{view_id}", response_model=ViewPublic)
def update_view(
    session: SessionDep,
    principal: EditorDep,
    panel_id: uuid.UUID,
    view_id: uuid.UUID,
    view_in: ViewUpdate,
) -> ViewPublic:
    view = get_owned(session, View, view_id, principal, label="view", panel_id=panel_id)
    before = audit.snapshot(ViewPublic, view)
    columns = _panel_columns(session, principal, panel_id)
    changes = view_in.model_dump(exclude_unset=True, exclude={"columns"})
    _check_references(changes, columns)
    if view_in.columns is not None:
        changes["view_columns"] = _view_columns(
            principal, columns, view_in.columns, list(view.view_columns)
        )
    return mutations.update(
        session, principal, view, changes, ViewPublic, object_type="view", before=before
    )


@router.delete("/{view_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_view(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, view_id: uuid.UUID
) -> Response:
    view = get_owned(session, View, view_id, principal, label="view", panel_id=panel_id)
    mutations.delete(session, principal, view, ViewPublic, object_type="view")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
