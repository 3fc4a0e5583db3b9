"""Objects named by what people call them: a panel's slug, a view's name, a column's key.

Wherever a path takes ``{panel_id}``, ``{view_id}``, ``{column_id}`` or ``{source_id}``, the
slug, name or key works too. An app-wide dependency swaps such a name for the object's id
before the route reads its path, so every route keeps working on ids. An id costs nothing
more; a name costs one look-up of the caller and one per name (tenant-scoped, in the
threadpool). A name that matches nothing is a 404 with the closest existing name.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request

from models import DataSource, Panel, PanelColumn, View
from schemas.common import did_you_mean
from serving.api.deps import authenticate, bearer
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


def _resolve(
    request: Request, credentials: HTTPAuthorizationCredentials | None, names: dict[str, str]
) -> None:
    settings = request.app.state.settings
    params = request.scope["path_params"]
    with request.app.state.sessions() as session:
        principal = authenticate(request, session, settings, credentials)
        try:
            for param, ref in REFS.items():
                if param in names:
                    panel = params.get("panel_id")
                    params[param] = str(
                        find(session, ref, principal.tenant_id, names[param], panel)
                    )
        except ApiError:
            # A miss never reaches the route, whose dependencies count the request: count it.
            limits = request.app.state.rate_limits
            if limits is not None:
                limits.hit(principal)
            raise


async def resolve_names(connection: HTTPConnection) -> None:
    """App-wide dependency: path ids given as names become ids (nothing to do for ids)."""
    params = connection.scope.get("path_params")
    if not params or not isinstance(connection, Request):
        return
    names = {k: v for k, v in params.items() if k in REFS and not is_uuid(str(v))}
    malformed = [
        {
            "type": "invalid_reference",
            "loc": ("path", k),
            "msg": f"not a {REFS[k].label} id or {REFS[k].called}",
            "input": v,
        }
        for k, v in names.items()
        if not re.match(REFS[k].pattern, str(v))
    ]
    if malformed:
        raise RequestValidationError(malformed)
    if names:
        credentials = await bearer(connection)
        await run_in_threadpool(_resolve, connection, credentials, names)


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI: each such path parameter takes an id or a name."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                ref = REFS.get(parameter.get("name", "")) if parameter.get("in") == "path" else None
                if ref is not None:
                    parameter["schema"] = {
                        "anyOf": [{"type": "string", "format": "uuid"}, {"type": "string"}],
                        "title": parameter["name"],
                    }
                    parameter["description"] = f"The {ref.label}'s id or its {ref.called}"
    return schema
