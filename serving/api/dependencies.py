"""The functions behind the dependency aliases of ``serving.api.deps``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from core.enums import Role
from core.settings import Settings
from serving.api.state import app_state
from serving.auth.principal import Principal, authenticate, bearer, remember
from serving.http.errors import Forbidden
from serving.reads.paging import Paging
from serving.reads.session import Reading, known_principal, open_reading


async def get_settings(request: Request) -> Settings:
    return app_state(request.app).settings


def get_session(request: Request) -> Iterator[Session]:
    with app_state(request.app).sessions() as session:
        yield session


def get_principal(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    principal = authenticate(request, session, settings, credentials)
    limits = app_state(request.app).rate_limits
    if limits is not None:
        limits.hit(principal)
    return principal


def require(role: Role) -> Any:
    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.role.allows(role):
            raise Forbidden(f"this needs the {role.value} role; you are {principal.role.value}")
        return principal

    return Depends(dependency)


async def get_reading(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AsyncIterator[Reading]:
    services = app_state(request.app)
    request_id = getattr(request.state, "request_id", None)
    catalog = services.catalog
    state = request.scope.get("state", {})
    if "panels_ticket" in state:  # HeldAnswers waited for a barrier for this request already
        ticket = state["panels_ticket"]
    else:
        ticket = await catalog.sync() if catalog is not None else None
    known = known_principal(catalog, ticket, settings, credentials, request_id)
    async with AsyncExitStack() as stack:
        if known is not None:

            async def connect() -> AsyncConnection:
                return await stack.enter_async_context(services.reader.connect())

            reading = Reading(
                None, known.tenant_id, known.actor_id, principal=known, connect=connect
            )
        else:
            conn = await stack.enter_async_context(services.reader.connect())
            reading = await open_reading(conn, settings, credentials, request_id)
        reading.catalog, reading.ticket = catalog, ticket
        request.state.tenant_id = str(reading.tenant_id)
        limits = services.rate_limits
        if "panels_refused" in state:  # counted, and refused, before routing
            raise state["panels_refused"]
        if limits is not None:
            await limits.ahit(reading)
        # Every role reads (viewer is the lowest); writes stay on the sync routes.
        yield reading
        principal = remember(request, await reading.checked())  # a route with no query too
        if known is None and principal.via == "jwt":
            reading.keep(("principal", principal.user_id), replace(principal, request_id=None), 256)
        if reading.conn is not None:
            await reading.conn.commit()


async def get_paging(
    settings: Annotated[Settings, Depends(get_settings)],
    limit: Annotated[int, Query(ge=1, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Paging:
    return Paging(min(limit, settings.page_max), offset)
