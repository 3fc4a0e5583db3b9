"""Annotated dependencies: route functions declare SessionDep, ViewerDep, ReadDep...

Authentication is written once, as a generator of database steps (``_authenticate``), and
driven either by a sync ORM session (definition routes, in FastAPI's threadpool) or by an
async connection (the hot read routes, on the event loop).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg.rows import dict_row, namedtuple_row
from sqlalchemy import bindparam, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from core.enums import Role, TokenScope
from core.settings import Settings
from models import ApiToken, Tenant, User
from models.db import TENANT_CONTEXT, set_tenant, tenant_context
from serving.auth import security
from serving.http.errors import Forbidden, Unauthorized
from serving.memory.catalog import Catalog, Held, Ticket, http_key
from serving.reads.compiled import PG

SCOPE_ROLE = {
    TokenScope.read: Role.viewer,
    TokenScope.write: Role.editor,
    TokenScope.admin: Role.admin,
}
LAST_USED_RESOLUTION = timedelta(minutes=1)

bearer = HTTPBearer(auto_error=False, description="A JWT from /api/v1/auth/token or an API token")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    role: Role
    via: str  # jwt | api_token
    token_id: uuid.UUID | None = None
    request_id: str | None = field(default=None, compare=False)

    @property
    def actor_type(self) -> str:
        return "token" if self.token_id else "user"

    @property
    def actor_id(self) -> uuid.UUID:
        return self.token_id or self.user_id


# --- authentication as steps: ("tenant", id) | ("first", stmt) | ("write", stmt) -------------

Step = tuple[str, Any]


USER_LOOKUP = (
    select(User.id, User.tenant_id, User.role, User.is_active, Tenant.slug)
    .join(Tenant, Tenant.id == User.tenant_id)
    .where(User.id == bindparam("user_id"), User.tenant_id == bindparam("tenant_id"))
)
# The same two statements as psycopg SQL, for the read path's single round trip.
USER_SQL = str(USER_LOOKUP.compile(dialect=PG))
TENANT_SQL = str(TENANT_CONTEXT.compile(dialect=PG))


def _user(tenant_id: uuid.UUID, user_id: uuid.UUID) -> Generator[Step, Any, Any]:
    row = yield ("user", {"user_id": user_id, "tenant_id": tenant_id})
    if row is None or not row.is_active:
        raise Unauthorized("the account behind this credential is unknown or disabled")
    return row


def _authenticate(
    settings: Settings, credentials: HTTPAuthorizationCredentials | None, request_id: str | None
) -> Generator[Step, Any, Principal]:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    value = credentials.credentials
    if not value.startswith(security.TOKEN_PREFIX):
        try:
            claims = security.decode_jwt(settings, value)
        except security.InvalidToken as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        yield ("tenant", claims.tenant_id)
        user = yield from _user(claims.tenant_id, claims.subject)
        # The database role is the authority: a demotion takes effect before the JWT expires.
        role = Role(user.role)
        return Principal(user.id, user.tenant_id, user.slug, role, "jwt", None, request_id)
    try:
        token_id, secret = security.parse_api_token(value)
    except security.InvalidToken as exc:
        raise Unauthorized(str(exc)) from exc
    found = yield ("first", select(func.panels_tenant_id_by_token(token_id).label("tenant_id")))
    if found is None or found.tenant_id is None:
        raise Unauthorized("unknown API token")
    tenant_id = found.tenant_id
    yield ("tenant", tenant_id)
    token = yield (
        "first",
        select(
            ApiToken.id,
            ApiToken.user_id,
            ApiToken.secret_hash,
            ApiToken.scopes,
            ApiToken.revoked_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
        ).where(ApiToken.id == token_id, ApiToken.tenant_id == tenant_id),
    )
    now = datetime.now(UTC)
    if token is None or not security.secret_matches(secret, token.secret_hash):
        raise Unauthorized("unknown API token")
    if token.revoked_at is not None:
        raise Unauthorized("this API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("this API token has expired")
    user = yield from _user(tenant_id, token.user_id)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        yield ("write", update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    scope_role = max((SCOPE_ROLE[TokenScope(s)] for s in token.scopes), key=lambda r: r.rank)
    role = Role(user.role) if scope_role.allows(Role(user.role)) else scope_role
    return Principal(user.id, user.tenant_id, user.slug, role, "api_token", token.id, request_id)


def _remember(request: Request, principal: Principal) -> Principal:
    request.state.tenant_id = str(principal.tenant_id)
    request.state.user_id = str(principal.user_id)
    return principal


def get_principal(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: Credentials
) -> Principal:
    principal = authenticate(request, session, settings, credentials)
    limits = request.app.state.rate_limits
    if limits is not None:
        limits.hit(principal)
    return principal


def authenticate(
    request: Request,
    session: Session,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
) -> Principal:
    """Who is calling, checked against the database (no rate limit counted)."""
    steps = _authenticate(settings, credentials, getattr(request.state, "request_id", None))
    sent: Any = None
    try:
        while True:
            kind, arg = steps.send(sent)
            sent = None
            if kind == "tenant":
                set_tenant(session, arg)
            elif kind == "user":
                sent = session.execute(USER_LOOKUP, arg).first()
            elif kind == "first":
                sent = session.execute(arg).first()
            else:
                session.execute(arg)
                session.commit()
    except StopIteration as done:
        return _remember(request, done.value)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Any:
    def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.role.allows(role):
            raise Forbidden(f"this needs the {role.value} role; you are {principal.role.value}")
        return principal

    return Depends(dependency)


ViewerDep = Annotated[Principal, require(Role.viewer)]
EditorDep = Annotated[Principal, require(Role.editor)]
AdminDep = Annotated[Principal, require(Role.admin)]


# --- the async read path ------------------------------------------------------------------


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
                    self._principal = _finish(pending[0], await account.fetchone())
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
                    self._principal = _finish(pending[0], await account.fetchone())
            raise

    async def _send_check(
        self, driver: psycopg.AsyncConnection[Any], lookup: dict[str, Any]
    ) -> psycopg.AsyncCursor[Any]:
        account = driver.cursor(row_factory=namedtuple_row)
        await account.execute(USER_SQL, lookup)
        return account


def _finish(steps: Generator[Step, Any, Principal], sent: Any) -> Principal:
    """Drive a suspended ``_authenticate`` to its principal (it raises when the check fails)."""
    try:
        kind, _ = steps.send(sent)
    except StopIteration as done:
        principal: Principal = done.value
        return principal
    raise RuntimeError(f"authentication asked for {kind!r} after the account lookup")


async def get_reading(
    request: Request, settings: SettingsDep, credentials: Credentials
) -> AsyncIterator[Reading]:
    app = request.app
    request_id = getattr(request.state, "request_id", None)
    catalog: Catalog | None = app.state.catalog
    state = request.scope.get("state", {})
    if "panels_ticket" in state:  # HeldAnswers waited for a barrier for this request already
        ticket = state["panels_ticket"]
    else:
        ticket = await catalog.sync() if catalog is not None else None
    known = _known(catalog, ticket, settings, credentials, request_id)
    async with AsyncExitStack() as stack:
        if known is not None:

            async def connect() -> AsyncConnection:
                return await stack.enter_async_context(app.state.reader.connect())

            reading = Reading(
                None, known.tenant_id, known.actor_id, principal=known, connect=connect
            )
        else:
            conn = await stack.enter_async_context(app.state.reader.connect())
            reading = await open_reading(conn, settings, credentials, request_id)
        reading.catalog, reading.ticket = catalog, ticket
        request.state.tenant_id = str(reading.tenant_id)
        limits = app.state.rate_limits
        if "panels_refused" in state:  # counted, and refused, before routing
            raise state["panels_refused"]
        if limits is not None:
            await limits.ahit(reading)
        # Every role reads (viewer is the lowest); writes stay on the sync routes.
        yield reading
        principal = _remember(request, await reading.checked())  # a route with no query too
        if known is None and principal.via == "jwt":
            reading.keep(("principal", principal.user_id), replace(principal, request_id=None), 256)
        if reading.conn is not None:
            await reading.conn.commit()


def _known(
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
    """``_authenticate`` driven by an async connection; a JWT's account lookup is deferred."""
    steps = _authenticate(settings, credentials, request_id)
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


ReadDep = Annotated[Reading, Depends(get_reading)]


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


async def get_paging(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Paging:
    return Paging(min(limit, settings.page_max), offset)


PagingDep = Annotated[Paging, Depends(get_paging)]
