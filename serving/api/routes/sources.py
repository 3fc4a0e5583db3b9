from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from connectors.spec import SourceSpec
from core.crypto import SecretBox
from core.enums import SourceKind
from core.errors import SourceError
from core.netguard import NetworkPolicy
from core.settings import Settings
from core.source_checks import Refused, run_checks
from core.storage import tenant_files
from models import DataSource
from schemas.common import FieldError, InputModel, Page
from schemas.sources import (
    PreviewOptions,
    SourceConfig,
    SourceCreate,
    SourcePreview,
    SourcePreviewRequest,
    SourcePublic,
    SourceUpdate,
    parse_source,
    stored,
)
from serving.api.deps import AdminDep, PagingDep, SessionDep, ViewerDep
from serving.api.repo import get_owned, scoped
from serving.api.routes.panels import load_panel
from serving.api.state import app_state
from serving.auth.principal import Principal
from serving.http.errors import ApiError
from serving.reads.paging import paginate
from serving.writes import mutations, previews

router = APIRouter(prefix="/panels/{panel_id}/sources", tags=["sources"])


def _box(request: Request) -> SecretBox:
    box: SecretBox = app_state(request.app).secret_box
    return box


def _refused(field: str, exc: SourceError) -> ApiError:
    error = FieldError(field=field, message=str(exc), type="source_refused")
    return ApiError(422, f"{field}: {exc}", errors=[error])


def check_source(
    settings: Settings, principal: Principal, config: SourceConfig, secrets: InputModel | None
) -> list[str]:
    """Refuse (422) what no sync could read; the warnings say what a sync may still miss.

    The same checks run again when a sync connects (DNS and files can change meanwhile).
    """
    policy = NetworkPolicy.from_settings(settings)
    try:
        files = tenant_files(settings.data_root, principal.tenant_slug)
        return run_checks(config.checks(secrets), files, policy)
    except Refused as exc:
        raise _refused(".".join(("body", *exc.loc)), exc.reason) from exc


def _public(source: SourcePublic, warnings: list[str]) -> SourcePublic:
    return source.model_copy(update={"warnings": warnings})


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


def add_source(
    session: Session,
    principal: Principal,
    settings: Settings,
    box: SecretBox,
    panel_id: uuid.UUID,
    source_in: SourceCreate,
) -> SourcePublic:
    """Check and create a source (the route's body; also the declarative apply's)."""
    load_panel(session, principal, panel_id)
    secrets = source_in.secrets
    _, parsed_secrets = parse_source(source_in.kind, source_in.config, secrets)
    warnings = check_source(settings, principal, source_in.config, parsed_secrets)
    source = DataSource(
        tenant_id=principal.tenant_id,
        panel_id=panel_id,
        name=source_in.name,
        kind=source_in.kind,
        config=stored(source_in.config),
        secret_config=box.seal(secrets) if secrets else None,
    )
    created = mutations.create(session, principal, source, SourcePublic, object_type="source")
    return _public(created, warnings)


@router.post("", response_model=SourcePublic, status_code=status.HTTP_201_CREATED)
def create_source(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    panel_id: uuid.UUID,
    source_in: SourceCreate,
) -> SourcePublic:
    state = app_state(request.app)
    return add_source(session, principal, state.settings, state.secret_box, panel_id, source_in)


@router.post("/preview", response_model=SourcePreview)
def preview_new_source(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    panel_id: uuid.UUID,
    body: SourcePreviewRequest,
) -> SourcePreview:
    """The first rows and fields of a source not saved yet: nothing is stored or published."""
    load_panel(session, principal, panel_id)
    source_in = body.source
    _, parsed_secrets = parse_source(source_in.kind, source_in.config, source_in.secrets)
    check_source(app_state(request.app).settings, principal, source_in.config, parsed_secrets)
    spec = SourceSpec(
        id=uuid.uuid4(),
        name=source_in.name,
        kind=source_in.kind,
        config=stored(source_in.config),
        secrets=source_in.secrets or {},
        state={},
    )
    settings = app_state(request.app).settings
    found = previews.read_preview(settings, principal.tenant_slug, spec, body, "body.source")
    return previews.public(found)


@router.post("/{source_id}/preview", response_model=SourcePreview)
def preview_source(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    panel_id: uuid.UUID,
    source_id: uuid.UUID,
    options: PreviewOptions | None = None,
) -> SourcePreview:
    """The first rows of a saved source and the fields they show, through its connector."""
    source = get_owned(session, DataSource, source_id, principal, label="source", panel_id=panel_id)
    spec = previews.saved_spec(source, _box(request))
    settings = app_state(request.app).settings
    found = previews.read_preview(
        settings, principal.tenant_slug, spec, options or PreviewOptions(), "source"
    )
    return previews.public(found)


@router.get("/{source_id}", response_model=SourcePublic)
def read_source(
    session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID, source_id: uuid.UUID
) -> SourcePublic:
    source = get_owned(session, DataSource, source_id, principal, label="source", panel_id=panel_id)
    return SourcePublic.model_validate(source)


def change_source(
    session: Session,
    principal: Principal,
    settings: Settings,
    box: SecretBox,
    source: DataSource,
    source_in: SourceUpdate,
) -> SourcePublic:
    """Check and update a source (the route's body; also the declarative apply's)."""
    changes = source_in.model_dump(exclude_unset=True, exclude={"secrets"})
    secrets = box.open(source.secret_config) if source.secret_config else None
    if "secrets" in source_in.model_fields_set:
        secrets = source_in.secrets
        changes["secret_config"] = box.seal(secrets) if secrets else None
    try:
        config, parsed_secrets = parse_source(
            SourceKind(source.kind), changes.get("config", source.config), secrets
        )
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from exc
    warnings = check_source(settings, principal, config, parsed_secrets)
    if "config" in changes:
        changes["config"] = stored(config)
    updated = mutations.update(
        session, principal, source, changes, SourcePublic, object_type="source"
    )
    return _public(updated, warnings)


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
    state = app_state(request.app)
    return change_source(session, principal, state.settings, state.secret_box, source, source_in)


@router.delete("/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(
    session: SessionDep, principal: AdminDep, panel_id: uuid.UUID, source_id: uuid.UUID
) -> Response:
    source = get_owned(session, DataSource, source_id, principal, label="source", panel_id=panel_id)
    mutations.delete(session, principal, source, SourcePublic, object_type="source")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
