"""Panels as code over HTTP: plan and apply a document, export one, and its JSON Schema.

``POST /api/v1/apply`` is what ``panels apply`` runs, for CI with an API token: the same plan,
the same checks, one transaction, audited per object like every mutation (``dry_run`` plans
only). ``GET /api/v1/definitions`` is ``panels export``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from schemas.common import FieldError
from schemas.panels_file import ApplyRequest, ApplyResult, PanelsFile
from serving.api import apply
from serving.api.deps import AdminDep, SessionDep, ViewerDep
from serving.api.state import app_state
from serving.http.errors import ApiError, NotFound

router = APIRouter(tags=["panels as code"])


@router.post("/apply", response_model=ApplyResult)
def apply_document(request: Request, principal: AdminDep, body: ApplyRequest) -> ApplyResult:
    """Plan the document against the tenant's panels and apply it, all or nothing."""
    declared = body.document.tenant
    if declared is not None and declared != principal.tenant_slug:
        message = f"the document is tenant {declared!r}'s; this token is for another tenant"
        raise ApiError(
            422,
            f"document.tenant: {message}",
            errors=[FieldError(field="document.tenant", message=message, type="wrong_tenant")],
        )
    state = app_state(request.app)
    context = apply.Context(state.settings, state.secret_box, principal)
    return apply.run(state.engine, context, body)


@router.get("/definitions", response_model=PanelsFile, response_model_exclude_defaults=True)
def export_definitions(
    request: Request,
    session: SessionDep,
    principal: ViewerDep,
    panel: Annotated[str | None, Query(description="One panel's slug")] = None,
) -> Any:
    """The tenant's panels (or one) as a document: secrets as references, never values."""
    box = app_state(request.app).secret_box
    try:
        document = apply.export(session, principal.tenant_slug, principal.tenant_id, box, panel)
    except LookupError:
        raise NotFound("panel", panel) from None
    return apply.document_json(document)


@router.get("/definitions/schema")
def definitions_schema(principal: ViewerDep) -> dict[str, Any]:
    """The JSON Schema of a panels file, for editors (also docs/panels-file.schema.json)."""
    return PanelsFile.model_json_schema()
