"""Lookups for the read routes: one tenant-scoped connection per request, no ORM.

The hot lookups are SQLAlchemy Core statements compiled once, at import, for psycopg: they
run on the raw driver with bound parameters (``Reading.fetch_all``), and the first of a request
travels in one pipeline with its authentication. Every statement filters on the tenant as well
as row-level security does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import Select

from core.enums import VersionStatus
from models import Panel, PanelColumn, PanelVersion, View, ViewColumn
from schemas.common import Page
from schemas.panels import PanelPublic
from serving.http.errors import ApiError, NotFound
from serving.reads import names as refs
from serving.reads.compiled import Compiled
from serving.reads.paging import Paging
from serving.reads.session import Reading

ShapeT = TypeVar("ShapeT", bound=BaseModel)
READABLE = (VersionStatus.published, VersionStatus.superseded)
PANEL = Panel.__table__
VERSION = PanelVersion.__table__


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
# One statement: the panel, the version to read (its current one, or a numbered one that is
# still readable), and the saved view with its visible column keys in order.

_VIEWS = View.__table__
_VIEW_KEYS = (
    select(func.array_agg(aggregate_order_by(PanelColumn.key, ViewColumn.position)))
    .select_from(
        ViewColumn.__table__.join(PanelColumn.__table__, ViewColumn.column_id == PanelColumn.id)
    )
    .where(
        ViewColumn.tenant_id == bindparam("tenant"),
        PanelColumn.tenant_id == bindparam("tenant"),
        ViewColumn.view_id == _VIEWS.c.id,
        ViewColumn.visible.is_(True),
    )
    .scalar_subquery()
)
_VIEW_FIELDS = ("id", "filters", "sorts", "group_by", "aggregates")
# What reading rows needs of a version (its stats and check results can be large: not these).
_VERSION_FIELDS = ("id", "number", "table_name", "row_count", "schema")


def _target(version_wanted: Any, with_view: bool) -> Compiled:
    joined = PANEL.outerjoin(
        VERSION,
        and_(
            VERSION.c.panel_id == PANEL.c.id,
            VERSION.c.tenant_id == PANEL.c.tenant_id,
            version_wanted,
        ),
    )
    columns = [PANEL.c.id, PANEL.c.slug, PANEL.c.current_version_id]
    columns += [VERSION.c[name].label(f"v_{name}") for name in _VERSION_FIELDS]
    if with_view:
        joined = joined.outerjoin(
            _VIEWS,
            and_(
                _VIEWS.c.id == bindparam("view"),
                _VIEWS.c.panel_id == PANEL.c.id,
                _VIEWS.c.tenant_id == PANEL.c.tenant_id,
            ),
        )
        columns += [_VIEWS.c[name].label(f"w_{name}") for name in _VIEW_FIELDS]
        columns.append(_VIEW_KEYS.label("w_keys"))
    return Compiled(
        select(*columns).select_from(joined).where(_OF_TENANT, PANEL.c.id == bindparam("panel"))
    )


_CURRENT = VERSION.c.id == PANEL.c.current_version_id
_NUMBERED = and_(
    VERSION.c.number == bindparam("number"),
    or_(*(VERSION.c.status == status for status in READABLE)),  # no expanding IN here
)
TARGETS = {
    (numbered, with_view): _target(_NUMBERED if numbered else _CURRENT, with_view)
    for numbered in (False, True)
    for with_view in (False, True)
}


@dataclass
class Target:
    """What a rows or aggregates read resolves first."""

    panel: SimpleNamespace
    version: SimpleNamespace | None  # None before the first publish
    view: SimpleNamespace | None = None
    view_keys: list[str] = field(default_factory=list)


async def target(
    reading: Reading, panel_id: uuid.UUID, number: int | None, view_id: uuid.UUID | None
) -> Target:
    """The panel, the version to read (its current one unless ``number``) and the saved view,
    in one query: 404 for a panel, view or version that is not there (or not the tenant's).
    Held in memory (a Target is never changed by its users) until the tenant's catalog
    changes."""
    key = ("target", panel_id, number, view_id)
    held: Target | None = reading.recall(key)
    if held is not None:
        return held
    found = await _target_of(reading, panel_id, number, view_id)
    reading.keep(key, found, TARGET_SIZE)
    return found


async def view_id(reading: Reading, panel_id: uuid.UUID, view: str) -> uuid.UUID:
    """The id of a view given by id or by name (a name costs one query; 404 with a hint)."""
    if refs.is_uuid(view):
        return uuid.UUID(view)
    ref = refs.REFS["view_id"]
    found = (await reading.execute(refs.lookup(ref, reading.tenant_id, view, panel_id))).scalar()
    if found is None:
        names = (await reading.execute(refs.candidates(ref, reading.tenant_id, panel_id))).scalars()
        raise refs.missing(ref, view, names.all())
    return uuid.UUID(str(found))


_WHY = {
    VersionStatus.failed: "failed: its sync did not publish it",
    VersionStatus.running: "is still being synced",
    VersionStatus.dropped: "was dropped: it is older than the versions kept",
}


async def _unreadable(reading: Reading, panel_id: uuid.UUID, number: int) -> ApiError:
    """404 saying why version ``number`` cannot be read, and which versions can."""
    stmt = (
        select(VERSION.c.number, VERSION.c.status)
        .where(VERSION.c.tenant_id == reading.tenant_id, VERSION.c.panel_id == panel_id)
        .order_by(VERSION.c.number.desc())
    )
    versions = (await reading.execute(stmt)).all()
    status: Any = dict(versions).get(number)
    readable = [str(n) for n, s in versions if s in READABLE]
    why = f"version {number} " + _WHY.get(status, "does not exist")
    can = f"versions that can be read: {', '.join(readable)}" if readable else "none is published"
    return ApiError(404, f"{why}; {can}")


TARGET_SIZE = 4096  # about what one holds (a version's schema, a view's filters)


async def _target_of(
    reading: Reading, panel_id: uuid.UUID, number: int | None, view_id: uuid.UUID | None
) -> Target:
    stmt = TARGETS[(number is not None, view_id is not None)]
    rows = await stmt.rows(
        reading, tenant=reading.tenant_id, panel=panel_id, number=number, view=view_id
    )
    if not rows:
        raise NotFound("panel", panel_id)
    row = rows[0]
    found = Target(
        SimpleNamespace(
            id=row["id"], slug=row["slug"], current_version_id=row["current_version_id"]
        ),
        None,
    )
    if view_id is not None:
        if row["w_id"] is None:  # of another panel or tenant: 404 even before a publish
            raise NotFound("view", view_id)
        found.view = SimpleNamespace(**{name: row[f"w_{name}"] for name in _VIEW_FIELDS})
        found.view_keys = list(row["w_keys"] or [])
    if row["v_id"] is None:
        if number is not None:
            raise await _unreadable(reading, panel_id, number)
        return found
    found.version = SimpleNamespace(**{name: row[f"v_{name}"] for name in _VERSION_FIELDS})
    return found
