"""Tenant-scoped lookups. RLS filters too; the explicit tenant predicate is the first wall."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from models.base import TenantOwned
from serving.auth.principal import Principal
from serving.http.errors import NotFound

ModelT = TypeVar("ModelT", bound=TenantOwned)


def scoped(model: type[ModelT], principal: Principal) -> Select[ModelT]:
    return select(model).where(model.tenant_id == principal.tenant_id)


def get_owned(
    session: Session,
    model: type[ModelT],
    object_id: uuid.UUID,
    principal: Principal,
    *,
    label: str,
    **match: Any,
) -> ModelT:
    stmt = scoped(model, principal).where(model.id == object_id)  # type: ignore[attr-defined]
    for name, value in match.items():
        stmt = stmt.where(getattr(model, name) == value)
    obj = session.scalar(stmt)
    if obj is None:
        raise NotFound(label, object_id)
    return obj


def apply_changes(obj: object, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(obj, name, value)
