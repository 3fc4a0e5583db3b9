"""Query strings refuse names no route declared (``?filters=`` for ``?filter=``) with a hint."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from urllib.parse import parse_qsl

from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection

from schemas.common import unknown_name


def _query_fields(dependant: Dependant) -> Iterator[tuple[str, bool]]:
    """(name, repeatable) of every query parameter a route and its dependencies declare."""
    for field in dependant.query_params:
        origin = typing.get_origin(field.field_info.annotation)
        yield field.alias, origin in (list, set, tuple)
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


def _errors(query: bytes, declared: dict[str, bool]) -> list[dict[str, object]]:
    errors: list[dict[str, object]] = []
    seen: set[str] = set()
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name not in declared:
            message = (
                unknown_name(name, declared, "query parameter")
                if declared
                else f'"{name}" is not a query parameter; this operation takes none'
            )
            errors.append(
                {"type": "extra_forbidden", "loc": ("query", name), "msg": message, "input": value}
            )
        elif name in seen and not declared[name]:
            errors.append(
                {
                    "type": "repeated_parameter",
                    "loc": ("query", name),
                    "msg": f'"{name}" is given more than once; give it once',
                    "input": value,
                }
            )
        seen.add(name)
    return errors


_DECLARED = "_panels_query_parameters"  # kept on the route: its app's own, gone with it


async def refuse_unknown_query_parameters(connection: HTTPConnection) -> None:
    """App-wide dependency: a query parameter the matched route does not declare is a 422."""
    query = connection.scope.get("query_string", b"")
    route = connection.scope.get("route")
    if not query or not isinstance(route, APIRoute):
        return
    declared: dict[str, bool] | None = getattr(route, _DECLARED, None)
    if declared is None:
        declared = dict(_query_fields(route.dependant))
        setattr(route, _DECLARED, declared)
    if errors := _errors(query, declared):
        raise RequestValidationError(errors)
