from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import func, select

from models import DataSource, PanelColumn
from schemas.columns import ColumnCreate, ColumnPublic, ColumnUpdate
from schemas.common import FieldError, Page
from serving.api.deps import EditorDep, PagingDep, SessionDep, ViewerDep
from serving.api.repo import get_owned, scoped
from serving.api.routes.panels import load_panel
from serving.auth.principal import Principal
from serving.http.errors import ApiError, Conflict
from serving.reads.paging import paginate
from serving.writes import mutations
from serving.writes.formula_check import Candidate, check_panel_formulas, current_columns

router = APIRouter(prefix="/panels/{panel_id}/columns", tags=["columns"])


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


@router.post("", response_model=ColumnPublic, status_code=status.HTTP_201_CREATED)
def create_column(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, column_in: ColumnCreate
) -> ColumnPublic:
    load_panel(session, principal, panel_id)
    data = column_in.model_dump()
    _check_mapping_source(session, principal, panel_id, data["mapping"])
    if data["position"] is None:
        last = session.scalar(
            select(func.max(PanelColumn.position)).where(
                PanelColumn.tenant_id == principal.tenant_id, PanelColumn.panel_id == panel_id
            )
        )
        data["position"] = 0 if last is None else last + 1
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
