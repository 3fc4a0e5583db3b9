"""Lookups for the read routes: one tenant-scoped connection per request, no ORM.

The hot lookups are SQLAlchemy Core statements compiled once, at import, for psycopg: they
run on the raw driver with bound parameters (``Reading.fetch_all``), and the first of a request
travels in one pipeline with its authentication. Every statement filters on the tenant as well
as row-level security does.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.sql import Select

from models import Panel, PanelColumn, PanelVersion, View, ViewColumn
from models.enums import VersionStatus
from schemas.common import Page
from schemas.panels import PanelPublic
from serving.deps import Paging, Reading
from serving.errors import NotFound

ShapeT = TypeVar("ShapeT", bound=BaseModel)
READABLE = (VersionStatus.published, VersionStatus.superseded)
PANEL = Panel.__table__
VERSION = PanelVersion.__table__
_PG = psycopg_dialect()  # type: ignore[no-untyped-call]


class Compiled:
    """A statement compiled once; ``params`` adds the call's values to its own literals."""

    def __init__(self, stmt: Any) -> None:
        compiled = stmt.compile(dialect=_PG)
        self.sql = str(compiled)
        self.literals = dict(compiled.params)

    def params(self, **values: Any) -> dict[str, Any]:
        return {**self.literals, **values}

    async def rows(self, reading: Reading, **values: Any) -> list[dict[str, Any]]:
        return await reading.fetch_all(self.sql, self.params(**values))


# --- the panel list, served as JSON straight from the rows -------------------------------

_PANEL_FIELDS = [PANEL.c[name] for name in PanelPublic.model_fields]
_OF_TENANT = PANEL.c.tenant_id == bindparam("tenant")
PANEL_PAGE = Compiled(
    select(*_PANEL_FIELDS, func.count().over().label("_total"))
    .where(_OF_TENANT)
    .order_by(PANEL.c.slug)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
PANEL_COUNT = Compiled(select(func.count().label("n")).select_from(PANEL).where(_OF_TENANT))
PANEL_ONE = Compiled(select(*_PANEL_FIELDS).where(_OF_TENANT, PANEL.c.id == bindparam("panel")))


def page_json(rows: list[dict[str, Any]], total: int, paging: Paging) -> bytes:
    """A ``Page`` as JSON without building models: the columns are the public shape's fields,
    and pydantic-core serialises them as the model would (UUIDs, ISO datetimes)."""
    for row in rows:
        row.pop("_total", None)
    return pydantic_core.to_json(
        {"data": rows, "count": total, "limit": paging.limit, "offset": paging.offset}
    )


async def panel_page(reading: Reading, paging: Paging) -> bytes:
    rows = await PANEL_PAGE.rows(
        reading, tenant=reading.tenant_id, limit=paging.limit, offset=paging.offset
    )
    if rows:
        total = int(rows[0]["_total"])
    else:  # past the last page: the window count had no row to ride on
        total = int((await PANEL_COUNT.rows(reading, tenant=reading.tenant_id))[0]["n"])
    return page_json(rows, total, paging)


async def panel(reading: Reading, panel_id: uuid.UUID) -> dict[str, Any]:
    rows = await PANEL_ONE.rows(reading, tenant=reading.tenant_id, panel=panel_id)
    if not rows:
        raise NotFound("panel", panel_id)
    return rows[0]


# --- other pages (Core statements built per request) -------------------------------------


async def page(
    reading: Reading, stmt: Select[Any], paging: Paging, shape: type[ShapeT]
) -> Page[ShapeT]:
    """One round trip: the page with its total as a window count (a second one past the end)."""
    counted = stmt.add_columns(func.count().over().label("_total"))
    rows = (await reading.execute(counted.limit(paging.limit).offset(paging.offset))).all()
    if rows:
        total = int(rows[0]._total)
    else:
        counter = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = int((await reading.execute(counter)).scalar_one())
    return Page[shape](  # type: ignore[valid-type]
        data=[shape.model_validate(r) for r in rows],
        count=total,
        limit=paging.limit,
        offset=paging.offset,
    )


def versions(reading: Reading, panel_id: uuid.UUID) -> Select[Any]:
    return select(*VERSION.c).where(
        VERSION.c.tenant_id == reading.tenant_id, VERSION.c.panel_id == panel_id
    )


# --- what a rows or aggregates read needs first: the panel, its version, the view ---------


def _panel_and_version(wanted: Any) -> Compiled:
    version_cols = [c.label(f"v_{c.name}") for c in VERSION.c]
    return Compiled(
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
        .where(_OF_TENANT, PANEL.c.id == bindparam("panel"))
    )


CURRENT_VERSION = _panel_and_version(VERSION.c.id == PANEL.c.current_version_id)
NUMBERED_VERSION = _panel_and_version(
    and_(
        VERSION.c.number == bindparam("number"),
        or_(*(VERSION.c.status == status for status in READABLE)),  # no expanding IN here
    )
)


async def panel_and_version(
    reading: Reading, panel_id: uuid.UUID, number: int | None
) -> tuple[SimpleNamespace, SimpleNamespace | None]:
    """The panel and the version to read (its current one unless ``number``), in one query."""
    if number is None:
        rows = await CURRENT_VERSION.rows(reading, tenant=reading.tenant_id, panel=panel_id)
    else:
        rows = await NUMBERED_VERSION.rows(
            reading, tenant=reading.tenant_id, panel=panel_id, number=number
        )
    if not rows:
        raise NotFound("panel", panel_id)
    row = rows[0]
    panel = SimpleNamespace(
        id=row["id"], slug=row["slug"], current_version_id=row["current_version_id"]
    )
    if row["v_id"] is None:
        if number is not None:
            raise NotFound("version", number)
        return panel, None
    return panel, SimpleNamespace(**{c.name: row[f"v_{c.name}"] for c in VERSION.c})


_VIEW_TENANT = View.tenant_id == bindparam("tenant")
VIEW = Compiled(
    select(View.id, View.filters, View.sorts, View.group_by, View.aggregates).where(
        _VIEW_TENANT, View.id == bindparam("view"), View.panel_id == bindparam("panel")
    )
)
VIEW_KEYS = Compiled(
    select(PanelColumn.key)
    .join(ViewColumn, ViewColumn.column_id == PanelColumn.id)
    .where(
        ViewColumn.tenant_id == bindparam("tenant"),
        PanelColumn.tenant_id == bindparam("tenant"),
        ViewColumn.view_id == bindparam("view"),
        ViewColumn.visible.is_(True),
    )
    .order_by(ViewColumn.position)
)


async def view(
    reading: Reading, panel_id: uuid.UUID, view_id: uuid.UUID
) -> tuple[SimpleNamespace, list[str]]:
    """A saved view and the keys of its visible columns in order."""
    found = await VIEW.rows(reading, tenant=reading.tenant_id, view=view_id, panel=panel_id)
    if not found:
        raise NotFound("view", view_id)
    keys = await VIEW_KEYS.rows(reading, tenant=reading.tenant_id, view=view_id)
    return SimpleNamespace(**found[0]), [k["key"] for k in keys]
