"""Looking objects up by what people call them: a panel's slug, a view's name, a column's key.

Used by the names in paths (``serving.api.refs``), the rows ``view=`` name and the WebSocket
subscribe. A name that matches nothing is a 404 with the closest existing name.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models import DataSource, Panel, PanelColumn, View
from schemas.common import did_you_mean
from serving.http.errors import ApiError


@dataclass(frozen=True)
class Ref:
    label: str
    model: Any
    name: Any  # the column holding the name
    of_panel: bool  # named within its panel (views, columns, sources) or its tenant (panels)
    called: str  # what its name is called
    pattern: str  # what a name can look like


SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
KEY = r"^[a-z_][a-z0-9_]{0,62}$"
# In the order they resolve: a child's name is looked up within the resolved panel.
REFS = {
    "panel_id": Ref("panel", Panel, Panel.slug, False, "slug", SLUG),
    "view_id": Ref("view", View, View.name, True, "name", r"^[^\x00]{1,200}$"),
    "column_id": Ref("column", PanelColumn, PanelColumn.key, True, "key", KEY),
    "source_id": Ref("source", DataSource, DataSource.name, True, "name", KEY),
}


HINTS_AMONG = 1000  # names a hint is chosen among (difflib's cost grows with each)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _scope(ref: Ref, tenant_id: uuid.UUID, panel_id: object) -> list[Any]:
    scope = [ref.model.tenant_id == tenant_id]
    if ref.of_panel:
        scope.append(ref.model.panel_id == panel_id)
    return scope


def lookup(ref: Ref, tenant_id: uuid.UUID, name: str, panel_id: object = None) -> Select[Any]:
    """The id of the object named ``name`` (or whose id it is), among the tenant's (panel's)."""
    named = ref.name == name
    if is_uuid(name):
        named = or_(named, ref.model.id == uuid.UUID(name))
    return select(ref.model.id).where(*_scope(ref, tenant_id, panel_id), named)


def candidates(ref: Ref, tenant_id: uuid.UUID, panel_id: object = None) -> Select[Any]:
    """The names a hint is chosen among (at most HINTS_AMONG)."""
    return select(ref.name).where(*_scope(ref, tenant_id, panel_id)).limit(HINTS_AMONG)


def missing(ref: Ref, name: str, names: Sequence[str]) -> ApiError:
    """404: no such name, with the closest one the caller's tenant has."""
    where = " in this panel" if ref.of_panel else ""
    return ApiError(404, f"no {ref.label} {name!r}{where}{did_you_mean(name, names)}")


def find(
    session: Session, ref: Ref, tenant_id: uuid.UUID, name: str, panel_id: str | None
) -> uuid.UUID:
    """The id of the object called ``name``; 404 with the closest name when there is none."""
    found = session.scalar(lookup(ref, tenant_id, name, panel_id))
    if found is None:
        raise missing(ref, name, session.scalars(candidates(ref, tenant_id, panel_id)).all())
    return uuid.UUID(str(found))
