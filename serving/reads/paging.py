"""Offset pagination for the definition lists (panels, columns, views, users, audit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from schemas.common import Page

ShapeT = TypeVar("ShapeT", bound=BaseModel)


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paginate(
    session: Session, stmt: Select[Any], paging: Paging, shape: type[ShapeT]
) -> Page[ShapeT]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.limit(paging.limit).offset(paging.offset)).all()
    return Page[shape](  # type: ignore[valid-type]
        data=[shape.model_validate(r) for r in rows],
        count=total or 0,
        limit=paging.limit,
        offset=paging.offset,
    )
