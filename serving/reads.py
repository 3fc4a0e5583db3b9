"""Async Core lookups for the read routes: one tenant-scoped connection per request, no ORM.

Every statement filters on the principal's tenant as well as row-level security does.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Row, and_, func, select
from sqlalchemy.sql import Select

from models import Panel, PanelColumn, PanelVersion, View, ViewColumn
from models.enums import VersionStatus
from schemas.common import Page
from serving.deps import Paging, Reading
from serving.errors import NotFound

ShapeT = TypeVar("ShapeT", bound=BaseModel)
READABLE = (VersionStatus.published, VersionStatus.superseded)
PANEL = Panel.__table__
VERSION = PanelVersion.__table__


async def page(
    reading: Reading, stmt: Select[Any], paging: Paging, shape: type[ShapeT]
) -> Page[ShapeT]:
    """One round trip: the page with its total as a window count (a second one past the end)."""
    counted = stmt.add_columns(func.count().over().label("_total"))
    rows = (await reading.conn.execute(counted.limit(paging.limit).offset(paging.offset))).all()
    if rows:
        total = int(rows[0]._total)
    else:
        counter = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = int((await reading.conn.execute(counter)).scalar_one())
    return Page[shape](  # type: ignore[valid-type]
        data=[shape.model_validate(r) for r in rows],
        count=total,
        limit=paging.limit,
        offset=paging.offset,
    )


def panels(reading: Reading) -> Select[Any]:
    return select(*PANEL.c).where(PANEL.c.tenant_id == reading.principal.tenant_id)


async def panel(reading: Reading, panel_id: uuid.UUID) -> Row[Any]:
    row: Row[Any] | None = (
        await reading.conn.execute(panels(reading).where(PANEL.c.id == panel_id))
    ).first()
    if row is None:
        raise NotFound("panel", panel_id)
    return row


def versions(reading: Reading, panel_id: uuid.UUID) -> Select[Any]:
    return select(*VERSION.c).where(
        VERSION.c.tenant_id == reading.principal.tenant_id, VERSION.c.panel_id == panel_id
    )


async def panel_and_version(
    reading: Reading, panel_id: uuid.UUID, number: int | None
) -> tuple[Row[Any], Any]:
    """The panel and the version to read (its current one unless ``number``), in one query."""
    wanted = (
        and_(VERSION.c.number == number, VERSION.c.status.in_(READABLE))
        if number is not None
        else VERSION.c.id == PANEL.c.current_version_id
    )
    version_cols = [c.label(f"v_{c.name}") for c in VERSION.c]
    stmt = (
        select(PANEL.c.id, PANEL.c.slug, PANEL.c.current_version_id, *version_cols)
        .select_from(
            PANEL.outerjoin(
                VERSION,
                and_(
                    VERSION.c.panel_id == PANEL.c.id,
                    VERSION.c.tenant_id == PANEL.c.tenant_id,
                    wanted,
                ),
            )
        )
        .where(PANEL.c.tenant_id == reading.principal.tenant_id, PANEL.c.id == panel_id)
    )
    row = (await reading.conn.execute(stmt)).first()
    if row is None:
        raise NotFound("panel", panel_id)
    if row.v_id is None:
        if number is not None:
            raise NotFound("version", number)
        return row, None
    # The joined version's columns, with a row's attribute access.
    return row, SimpleNamespace(**{c.name: getattr(row, f"v_{c.name}") for c in VERSION.c})


async def view(
    reading: Reading, panel_id: uuid.UUID, view_id: uuid.UUID
) -> tuple[Row[Any], list[str]]:
    """A saved view and the keys of its visible columns in order."""
    tenant = reading.principal.tenant_id
    found = (
        await reading.conn.execute(
            select(View.id, View.filters, View.sorts, View.group_by, View.aggregates).where(
                View.tenant_id == tenant, View.id == view_id, View.panel_id == panel_id
            )
        )
    ).first()
    if found is None:
        raise NotFound("view", view_id)
    keys = (
        await reading.conn.execute(
            select(PanelColumn.key)
            .join(ViewColumn, ViewColumn.column_id == PanelColumn.id)
            .where(
                ViewColumn.tenant_id == tenant,
                PanelColumn.tenant_id == tenant,
                ViewColumn.view_id == view_id,
                ViewColumn.visible.is_(True),
            )
            .order_by(ViewColumn.position)
        )
    ).scalars()
    return found, list(keys)
