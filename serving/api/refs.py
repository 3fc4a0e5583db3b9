"""Objects named by what people call them: a panel's slug, a view's name, a column's key.

Wherever a path takes ``{panel_id}``, ``{view_id}``, ``{column_id}`` or ``{source_id}``, the
slug, name or key works too. An app-wide dependency swaps such a name for the object's id
before the route reads its path, so every route keeps working on ids. An id costs nothing
more; a name costs one look-up of the caller and one per name (tenant-scoped, in the
threadpool). A name that matches nothing is a 404 with the closest existing name.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request

from serving.api.state import app_state
from serving.auth.principal import authenticate, bearer
from serving.http.errors import ApiError
from serving.reads.names import REFS, find, is_uuid


def _resolve(
    request: Request, credentials: HTTPAuthorizationCredentials | None, names: dict[str, str]
) -> None:
    settings = app_state(request.app).settings
    params = request.scope["path_params"]
    with app_state(request.app).sessions() as session:
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
            limits = app_state(request.app).rate_limits
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
