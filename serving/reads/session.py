"""A read request's tenant-scoped transaction on the async engine, on the raw driver.

The async twin of ``serving.auth.principal.authenticate``: it drives the same authentication
steps, and defers a JWT's account check into the request's first query (one round trip).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Generator
from dataclasses import replace
from typing import Any

import psycopg
from fastapi import Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from psycopg.rows import dict_row, namedtuple_row
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection

from core.settings import Settings
from models.db import tenant_context
from serving.auth import security
from serving.auth.principal import (
    TENANT_SQL,
    USER_LOOKUP,
    USER_SQL,
    Principal,
    Step,
    authentication,
    finish,
)
from serving.memory.catalog import Catalog, Ticket
from serving.memory.held import Held, http_key


class Reading:
    """A read request's tenant-scoped transaction on the async engine, and who is reading.

    A JWT's account check (the user still exists, is active, and has which role) travels with
    the request's first query: BEGIN, the tenant context, the account lookup and that query go
    out in one psycopg pipeline, and nothing the query returned is used before the check
    passes. The tenant is known before that, from the token's verified signature. An API token
    is checked before the route runs (only the database knows its tenant).
    """

    def __init__(
        self,
        conn: AsyncConnection | None,
        tenant_id: uuid.UUID,
        actor_id: uuid.UUID,
        *,
        principal: Principal | None = None,
        pending: tuple[Generator[Step, Any, Principal], dict[str, Any]] | None = None,
        connect: Callable[[], Awaitable[AsyncConnection]] | None = None,
    ) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self.actor_id = actor_id  # the user or API token: what rate limits count
        self._principal = principal
        # The suspended authentication and its account lookup, until they go out.
        self._pending = pending
        # A reading answered from memory takes a connection only if it needs one; its first
        # query then carries the tenant context.
        self._connect = connect
        self._context_due = False
        self.catalog: Catalog | None = None
        self.ticket: Ticket | None = None

    def hold(self, request: Request, response: Response, etag: str | None = None) -> Response:
        """Hold a route's 200 answer whole, for HeldAnswers to send again until the tenant's
        catalog changes; the response goes on as it is."""
        if self.catalog is not None and response.status_code == 200:
            body = bytes(response.body)
            held = Held(list(response.raw_headers), body, etag, request.scope.get("route"))
            self.keep(http_key(request.scope), held, len(body) + 512)
        return response

    def recall(self, key: tuple[Any, ...]) -> Any:
        """An answer held in memory for this tenant (only once the account is checked)."""
        if self.catalog is None or self._principal is None:
            return None
        return self.catalog.get(self.ticket, self.tenant_id, key)

    def keep(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        """Hold an answer read by this request, if nothing of the tenant changed since."""
        if self.catalog is not None:
            self.catalog.put(self.ticket, self.tenant_id, key, value, size)

    async def _connection(self) -> AsyncConnection:
        if self.conn is None:
            assert self._connect is not None
            self.conn = await self._connect()
            self._context_due = True
        return self.conn

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            raise RuntimeError("the account check has not run yet: query first, or use tenant_id")
        return self._principal

    async def execute(self, stmt: Any) -> Any:
        """A SQLAlchemy Core statement (the account check goes first if it is still due)."""
        if self.conn is None or self._pending is not None or self._context_due:
            await self.fetch_all(None, None)
        assert self.conn is not None
        return await self.conn.execute(stmt)

    async def checked(self) -> Principal:
        """Run the account check now if it is still due."""
        if self._pending is not None:
            await self.fetch_all(None, None)
        return self.principal

    async def fetch_all(
        self, sql: str | None, params: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """Rows of one compiled statement, as dicts, on the raw driver (no ORM, no Core);
        ``sql`` None sends only the account check, if it is still due."""
        raw = await (await self._connection()).get_raw_connection()
        driver: psycopg.AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
        try:
            if self._pending is not None or self._context_due:
                return await self._first(driver, sql, params)
            if sql is None:
                return []
            cursor = driver.cursor(row_factory=dict_row)
            await cursor.execute(sql, params)
            return await cursor.fetchall()
        except psycopg.OperationalError as exc:
            # As SQLAlchemy would: the pool drops the connection and the API answers 503.
            raw.invalidate(exc)
            raise sa_exc.OperationalError(sql or USER_SQL, params, exc) from exc
        except psycopg.Error as exc:
            # Reported as SQLAlchemy reports it (a dropped version's table is a 404).
            raise sa_exc.DBAPIError.instance(sql, params, exc, psycopg.Error) from exc

    async def _first(
        self, driver: psycopg.AsyncConnection[Any], sql: str | None, params: Any
    ) -> list[dict[str, Any]]:
        """The tenant context, the account check if due, and the first query: one pipeline."""
        pending, self._pending = self._pending, None
        self._context_due = False
        try:
            async with driver.pipeline():
                await driver.execute(TENANT_SQL, tenant_context(self.tenant_id)[1])
                account = await self._send_check(driver, pending[1]) if pending else None
                if sql is not None:
                    cursor = driver.cursor(row_factory=dict_row)
                    await cursor.execute(sql, params)
                if pending is not None and account is not None:
                    # The check decides before any row of the query is read.
                    self._principal = finish(pending[0], await account.fetchone())
                return await cursor.fetchall() if sql is not None else []
        except psycopg.Error as exc:
            if (
                pending is not None
                and self._principal is None
                and not isinstance(exc, psycopg.OperationalError)
            ):
                # The query failed before the account was checked: check it alone, so that a
                # disabled account hears 401 rather than anything about the query.
                await driver.rollback()
                async with driver.pipeline():
                    await driver.execute(TENANT_SQL, tenant_context(self.tenant_id)[1])
                    account = await self._send_check(driver, pending[1])
                    self._principal = finish(pending[0], await account.fetchone())
            raise

    async def _send_check(
        self, driver: psycopg.AsyncConnection[Any], lookup: dict[str, Any]
    ) -> psycopg.AsyncCursor[Any]:
        account = driver.cursor(row_factory=namedtuple_row)
        await account.execute(USER_SQL, lookup)
        return account


def known_principal(
    catalog: Catalog | None,
    ticket: Ticket | None,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
    request_id: str | None,
) -> Principal | None:
    """The account behind a JWT, as checked by an earlier request and unchanged since."""
    if catalog is None or ticket is None or credentials is None:
        return None
    value = credentials.credentials
    if credentials.scheme.lower() != "bearer" or value.startswith(security.TOKEN_PREFIX):
        return None
    try:
        claims = security.decode_jwt(settings, value)
    except security.InvalidToken:
        return None  # the ordinary path says why
    held: Principal | None = catalog.get(ticket, claims.tenant_id, ("principal", claims.subject))
    return replace(held, request_id=request_id) if held is not None else None


async def open_reading(
    conn: AsyncConnection,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
    request_id: str | None,
) -> Reading:
    """``authentication`` driven by an async connection; a JWT's account lookup is deferred."""
    steps = authentication(settings, credentials, request_id)
    sent: Any = None
    tenant: uuid.UUID | None = None
    try:
        while True:
            kind, arg = steps.send(sent)
            sent = None
            if kind == "tenant":
                tenant = arg
                continue
            if kind == "user" and tenant is not None:
                return Reading(conn, tenant, arg["user_id"], pending=(steps, arg))
            if tenant is not None:
                await conn.execute(*tenant_context(tenant))
                tenant = None
            if kind == "user":
                sent = (await conn.execute(USER_LOOKUP, arg)).first()
            elif kind == "first":
                sent = (await conn.execute(arg)).first()
            else:
                await conn.execute(arg)
    except StopIteration as done:
        principal: Principal = done.value
        if tenant is not None:  # never leave a transaction without the context it asked for
            await conn.execute(*tenant_context(tenant))
        return Reading(conn, principal.tenant_id, principal.actor_id, principal=principal)


async def authenticate_async(
    conn: AsyncConnection,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
    request_id: str | None,
) -> Principal:
    """The principal behind a credential, checked now (WebSockets)."""
    return await (await open_reading(conn, settings, credentials, request_id)).checked()
