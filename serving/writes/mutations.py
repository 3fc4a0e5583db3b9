"""Create, update and delete with their audit row and outbox event in one transaction.

Every mutation of a panel's definition (the panel, its sources, columns and views) emits
``panel.updated`` (or ``panel.deleted``) so that open grids learn about it.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from core.events import EventType
from serving.auth.principal import Principal
from serving.writes import audit

ShapeT = TypeVar("ShapeT", bound=BaseModel)


def _panel_of(obj: Any, object_type: str) -> uuid.UUID | None:
    panel_id: uuid.UUID | None = (
        obj.id if object_type == "panel" else getattr(obj, "panel_id", None)
    )
    return panel_id


def _announce(
    session: Session,
    principal: Principal,
    panel_id: uuid.UUID | None,
    object_type: str,
    object_id: object,
    action: str,
) -> None:
    if panel_id is None:
        return
    deleted = object_type == "panel" and action == "delete"
    audit.emit(
        session,
        tenant_id=principal.tenant_id,
        panel_id=panel_id,
        type=EventType.panel_deleted if deleted else EventType.panel_updated,
        payload={
            "panel_id": str(panel_id),
            "object_type": object_type,
            "object_id": str(object_id),
            "action": action,
        },
    )


def create(
    session: Session,
    principal: Principal,
    obj: Any,
    shape: type[ShapeT],
    *,
    object_type: str,
) -> ShapeT:
    session.add(obj)
    session.flush()
    session.refresh(obj)
    after = audit.snapshot(shape, obj)
    audit.record(
        session, principal, action="create", object_type=object_type, object_id=obj.id, after=after
    )
    _announce(session, principal, _panel_of(obj, object_type), object_type, obj.id, "create")
    session.commit()
    return shape.model_validate(obj)


def update(
    session: Session,
    principal: Principal,
    obj: Any,
    changes: dict[str, Any],
    shape: type[ShapeT],
    *,
    object_type: str,
    before: dict[str, Any] | None = None,
) -> ShapeT:
    """``before`` defaults to the object as loaded; pass it when children changed already."""
    before = before or audit.snapshot(shape, obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    session.flush()
    session.refresh(obj)
    after = audit.snapshot(shape, obj)
    audit.record(
        session,
        principal,
        action="update",
        object_type=object_type,
        object_id=obj.id,
        before=before,
        after=after,
    )
    _announce(session, principal, _panel_of(obj, object_type), object_type, obj.id, "update")
    session.commit()
    return shape.model_validate(obj)


def delete(
    session: Session,
    principal: Principal,
    obj: Any,
    shape: type[ShapeT],
    *,
    object_type: str,
) -> None:
    before = audit.snapshot(shape, obj)
    object_id = obj.id
    session.delete(obj)
    audit.record(
        session,
        principal,
        action="delete",
        object_type=object_type,
        object_id=object_id,
        before=before,
    )
    _announce(session, principal, _panel_of(obj, object_type), object_type, object_id, "delete")
    session.commit()
