from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from models import DataSource
from schemas.common import FieldError, Page
from schemas.sources import SourceCreate, SourcePublic, SourceUpdate, check_config
from serving import mutations
from serving.crypto import SecretBox
from serving.deps import AdminDep, PagingDep, SessionDep, ViewerDep
from serving.errors import ApiError
from serving.pagination import paginate
from serving.repo import get_owned, scoped
from serving.routes.panels import load_panel

router = APIRouter(prefix="/panels/{panel_id}/sources", tags=["sources"])


def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


@router.get("", response_model=Page[SourcePublic])
def list_sources(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, paging: PagingDep
) -> Page[SourcePublic]:
    load_panel(session, principal, panel_id)
    stmt = (
        scoped(DataSource, principal)
        .where(DataSource.panel_id == panel_id)
        .order_by(DataSource.name)
    )
    return paginate(session, stmt, paging, SourcePublic)


@router.post("", response_model=SourcePublic, status_code=status.HTTP_201_CREATED)
def create_source(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    panel_id: uuid.UUID,
    source_in: SourceCreate,
) -> SourcePublic:
    load_panel(session, principal, panel_id)
    secrets = source_in.secrets
    source = DataSource(
        tenant_id=principal.tenant_id,
        panel_id=panel_id,
        name=source_in.name,
        kind=source_in.kind,
        config=source_in.config,
        secret_config=_box(request).seal(secrets) if secrets else None,
    )
    return mutations.create(session, principal, source, SourcePublic, object_type="source")


@router.get("/{source_id}", response_model=SourcePublic)
def read_source(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, source_id: uuid.UUID
) -> SourcePublic:
    source = get_owned(session, DataSource, source_id, principal, label="source", panel_id=panel_id)
    return SourcePublic.model_validate(source)


@router.patch("/{source_id}", response_model=SourcePublic)
def update_source(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    panel_id: uuid.UUID,
    source_id: uuid.UUID,
    source_in: SourceUpdate,
) -> SourcePublic:
    source = get_owned(session, DataSource, source_id, principal, label="source", panel_id=panel_id)
    box = _box(request)
    changes = source_in.model_dump(exclude_unset=True, exclude={"secrets"})
    secrets = box.open(source.secret_config) if source.secret_config else None
    if "secrets" in source_in.model_fields_set:
        secrets = source_in.secrets
        changes["secret_config"] = box.seal(secrets) if secrets else None
    try:
        check_config(source.kind, changes.get("config", source.config), secrets)
    except ValueError as exc:
        error = FieldError(field="body.config", message=str(exc), type="value_error")
        raise ApiError(422, str(exc), errors=[error]) from exc
    return mutations.update(session, principal, source, changes, SourcePublic, object_type="source")


@router.delete("/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(
    session: SessionDep, principal: AdminDep, panel_id: uuid.UUID, source_id: uuid.UUID
) -> Response:
    source = get_owned(session, DataSource, source_id, principal, label="source", panel_id=panel_id)
    mutations.delete(session, principal, source, SourcePublic, object_type="source")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
