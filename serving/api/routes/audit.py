from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from models import AuditEvent
from schemas.audit import AuditEventPublic
from schemas.common import Page
from serving.api.deps import AdminDep, PagingDep, SessionDep
from serving.api.repo import scoped
from serving.reads.paging import paginate

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEventPublic])
def list_audit_events(
    session: SessionDep,
    principal: AdminDep,
    paging: PagingDep,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditEventPublic]:
    """Newest first."""
    stmt = scoped(AuditEvent, principal).order_by(AuditEvent.id.desc())
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    return paginate(session, stmt, paging, AuditEventPublic)
