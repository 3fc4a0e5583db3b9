"""Audit trail and outbox writes, made in the same transaction as the change itself."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from core.events import EventType, PanelChanged, write_event
from models import AuditEvent
from serving.auth.principal import Principal


def snapshot(shape: type[BaseModel], obj: object) -> dict[str, Any]:
    return shape.model_validate(obj).model_dump(mode="json")


def record(
    session: Session,
    principal: Principal,
    *,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            tenant_id=principal.tenant_id,
            actor_type=principal.actor_type,
            actor_id=principal.actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before,
            after=after,
            request_id=principal.request_id,
        )
    )


def emit(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    panel_id: uuid.UUID | None,
    type: Literal[EventType.panel_updated, EventType.panel_deleted],
    payload: PanelChanged,
) -> None:
    """Announce a change of a panel's definition in the outbox; relayed after commit."""
    write_event(session, type, payload, tenant_id=tenant_id, panel_id=panel_id)
