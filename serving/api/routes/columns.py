from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import func, select

from connectors.preview import safe_key
from core.names import unknown_name
from models import DataSource, PanelColumn
from schemas.columns import (
    ColumnCreate,
    ColumnPublic,
    ColumnsFromSource,
    ColumnsFromSourcePublic,
    ColumnUpdate,
    SkippedField,
)
from schemas.common import FieldError, Page
from schemas.sources import PreviewOptions
from serving.api.deps import EditorDep, PagingDep, SessionDep, ViewerDep
from serving.api.repo import get_owned, scoped
from serving.api.routes.panels import load_panel
from serving.api.state import app_state
from serving.auth.principal import Principal
from serving.http.errors import ApiError, Conflict
from serving.reads.paging import paginate
from serving.writes import mutations, previews
from serving.writes.formula_check import Candidate, check_panel_formulas, current_columns

router = APIRouter(prefix="/panels/{panel_id}/columns", tags=["columns"])
# POST /panels/{panel_id}/columns:from-source (a custom method on the collection, AIP-136 style)
actions = APIRouter(prefix="/panels/{panel_id}", tags=["columns"])


def _check_mapping_source(
    session: SessionDep, principal: Principal, panel_id: uuid.UUID, mapping: dict[str, Any] | None
) -> None:
    source = (mapping or {}).get("source")
    if source is None:
        return
    exists = session.scalar(
        scoped(DataSource, principal)
        .where(DataSource.panel_id == panel_id, DataSource.name == source)
        .with_only_columns(func.count())
    )
    if not exists:
        message = f"the panel has no data source named {source!r}"
        raise ApiError(
            422,
            message,
            errors=[
                FieldError(field="body.mapping.source", message=message, type="unknown_source")
            ],
        )


@router.get("", response_model=Page[ColumnPublic])
def list_columns(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, paging: PagingDep
) -> Page[ColumnPublic]:
    load_panel(session, principal, panel_id)
    stmt = (
        scoped(PanelColumn, principal)
        .where(PanelColumn.panel_id == panel_id)
        .order_by(PanelColumn.position, PanelColumn.key)
    )
    return paginate(session, stmt, paging, ColumnPublic)


def _next_position(session: SessionDep, principal: Principal, panel_id: uuid.UUID) -> int:
    last = session.scalar(
        select(func.max(PanelColumn.position)).where(
            PanelColumn.tenant_id == principal.tenant_id, PanelColumn.panel_id == panel_id
        )
    )
    return 0 if last is None else last + 1


def _field_error(status_code: int, field: str, message: str, kind: str) -> ApiError:
    return ApiError(
        status_code,
        f"{field}: {message}",
        errors=[FieldError(field=field, message=message, type=kind)],
    )


def _source_named(
    session: SessionDep, principal: Principal, panel_id: uuid.UUID, name: str | None
) -> DataSource:
    sources = list(
        session.scalars(
            scoped(DataSource, principal)
            .where(DataSource.panel_id == panel_id)
            .order_by(DataSource.name)
        )
    )
    names = [s.name for s in sources]
    if name is None:
        if len(sources) == 1:
            return sources[0]
        message = (
            "the panel has no data source"
            if not sources
            else f"the panel has {len(sources)} sources ({', '.join(names)}): name one"
        )
        raise _field_error(422, "body.source", message, "missing_source")
    for source in sources:
        if source.name == name:
            return source
    message = (
        f"{unknown_name(name, names, 'source of the panel')} (its sources: {', '.join(names)})"
    )
    raise _field_error(422, "body.source", message, "unknown_source")


@actions.post(
    "/columns:from-source",
    response_model=ColumnsFromSourcePublic,
    status_code=status.HTTP_201_CREATED,
)
def columns_from_source(
    request: Request,
    session: SessionDep,
    principal: EditorDep,
    panel_id: uuid.UUID,
    body: ColumnsFromSource,
) -> ColumnsFromSourcePublic:
    """A column for every field of a source (or the ones listed), typed from a preview.

    Keys are the field names made safe (lower case, ``[a-z0-9_]``, unique); fields a column
    already maps are skipped and said so. All the columns are created in one transaction.
    """
    load_panel(session, principal, panel_id)
    source = _source_named(session, principal, panel_id, body.source)
    spec = previews.saved_spec(source, app_state(request.app).secret_box)
    options = PreviewOptions(limit=body.limit, timeout=body.timeout)
    settings = app_state(request.app).settings
    found = previews.read_preview(settings, principal.tenant_slug, spec, options, "body.source")
    by_name = {f.name: f for f in found.fields}
    wanted = body.fields if body.fields is not None else list(by_name)
    for i, name in enumerate(wanted):
        if name not in by_name:
            message = unknown_name(name, by_name, f"field of source {source.name!r}")
            raise _field_error(422, f"body.fields.{i}", message, "unknown_field")
    existing = list(
        session.scalars(scoped(PanelColumn, principal).where(PanelColumn.panel_id == panel_id))
    )
    taken = {c.key for c in existing}
    mapped = {
        c.mapping.get("field"): c.key
        for c in existing
        if c.mapping and c.mapping.get("source") in (None, source.name)
    }
    position = _next_position(session, principal, panel_id)
    created, skipped = [], []
    for name in dict.fromkeys(wanted):
        if name in mapped:
            skipped.append(SkippedField(field=name, reason=f"column {mapped[name]!r} maps it"))
            continue
        field = by_name[name]
        column = PanelColumn(
            tenant_id=principal.tenant_id,
            panel_id=panel_id,
            key=safe_key(name, taken),
            name=name[:200],
            type=field.type,
            position=position,
            mapping={"source": source.name, "field": name, "cast": None},
            formula=None,
        )
        position += 1
        created.append(
            mutations.create(session, principal, column, ColumnPublic, object_type="column")
        )
    return ColumnsFromSourcePublic(created=created, skipped=skipped)


@router.post("", response_model=ColumnPublic, status_code=status.HTTP_201_CREATED)
def create_column(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, column_in: ColumnCreate
) -> ColumnPublic:
    load_panel(session, principal, panel_id)
    data = column_in.model_dump()
    _check_mapping_source(session, principal, panel_id, data["mapping"])
    if data["position"] is None:
        data["position"] = _next_position(session, principal, panel_id)
    candidates = current_columns(session, principal, panel_id)
    candidates.append(Candidate(None, data["key"], data["name"], data["type"], data["formula"]))
    check_panel_formulas(session, principal, candidates, saving=data["key"])
    column = PanelColumn(tenant_id=principal.tenant_id, panel_id=panel_id, **data)
    return mutations.create(session, principal, column, ColumnPublic, object_type="column")


@router.get("/{column_id}", response_model=ColumnPublic)
def read_column(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, column_id: uuid.UUID
) -> ColumnPublic:
    column = get_owned(
        session, PanelColumn, column_id, principal, label="column", panel_id=panel_id
    )
    return ColumnPublic.model_validate(column)


@router.patch("/{column_id}", response_model=ColumnPublic)
def update_column(
    session: SessionDep,
    principal: EditorDep,
    panel_id: uuid.UUID,
    column_id: uuid.UUID,
    column_in: ColumnUpdate,
) -> ColumnPublic:
    column = get_owned(
        session, PanelColumn, column_id, principal, label="column", panel_id=panel_id
    )
    changes = column_in.model_dump(exclude_unset=True)
    # Switching a column between mapped and formula clears the other side.
    if changes.get("mapping") is not None:
        changes["formula"] = None
        _check_mapping_source(session, principal, panel_id, changes["mapping"])
    if changes.get("formula") is not None:
        changes["mapping"] = None
    candidates = current_columns(session, principal, panel_id)
    for c in candidates:
        if c.id == column.id:
            c.key, c.name = changes.get("key", c.key), changes.get("name", c.name)
            c.type, c.formula = changes.get("type", c.type), changes.get("formula", c.formula)
    check_panel_formulas(session, principal, candidates, saving=changes.get("key", column.key))
    return mutations.update(session, principal, column, changes, ColumnPublic, object_type="column")


@router.delete("/{column_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_column(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, column_id: uuid.UUID
) -> Response:
    column = get_owned(
        session, PanelColumn, column_id, principal, label="column", panel_id=panel_id
    )
    remaining = [c for c in current_columns(session, principal, panel_id) if c.id != column.id]
    try:
        check_panel_formulas(session, principal, remaining, saving=None)
    except ApiError as exc:
        raise Conflict(f"column {column.key!r} is used by a formula: {exc.detail}") from exc
    mutations.delete(session, principal, column, ColumnPublic, object_type="column")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
