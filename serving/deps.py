"""Annotated dependencies: route functions declare SessionDep, ViewerDep, ReadDep...

Authentication is written once, as a generator of database steps (``_authenticate``), and
driven either by a sync ORM session (definition routes, in FastAPI's threadpool) or by an
async connection (the hot read routes, on the event loop).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg.rows import namedtuple_row
from sqlalchemy import bindparam, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from models import ApiToken, Tenant, User
from models.db import TENANT_CONTEXT, set_tenant, tenant_context
from models.enums import Role, TokenScope
from serving import security
from serving.errors import Forbidden, Unauthorized
from serving.settings import Settings

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
_PG = psycopg_dialect()  # type: ignore[no-untyped-call]
USER_SQL = str(USER_LOOKUP.compile(dialect=_PG))
TENANT_SQL = str(TENANT_CONTEXT.compile(dialect=_PG))


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
        principal = _remember(request, done.value)
    limits = request.app.state.rate_limits
    if limits is not None:
        limits.hit(principal)
    return principal


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


@dataclass(frozen=True)
class Reading:
    """A read request's principal and its one tenant-scoped transaction."""

    principal: Principal
    conn: AsyncConnection


async def get_reading(
    request: Request, settings: SettingsDep, credentials: Credentials
) -> AsyncIterator[Reading]:
    async with request.app.state.reader.connect() as conn:
        principal = await authenticate_async(
            conn, settings, credentials, getattr(request.state, "request_id", None)
        )
        _remember(request, principal)
        limits = request.app.state.rate_limits
        if limits is not None:
            await limits.ahit(principal)
        # Every role reads (viewer is the lowest); writes stay on the sync routes.
        yield Reading(principal, conn)
        await conn.commit()


async def authenticate_async(
    conn: AsyncConnection,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
    request_id: str | None,
) -> Principal:
    """``_authenticate`` driven by an async connection (read routes, WebSockets).

    The tenant context waits for the next statement: with the user lookup it goes out in one
    psycopg pipeline (BEGIN, set_config, the lookup: one round trip instead of three).
    """
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
                sent = await _pipelined_user(conn, tenant, arg)
                tenant = None
                continue
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
        if tenant is not None:  # never leave a transaction without the context it asked for
            await conn.execute(*tenant_context(tenant))
        principal: Principal = done.value
        return principal


async def _pipelined_user(
    conn: AsyncConnection, tenant_id: uuid.UUID, params: dict[str, Any]
) -> Any:
    raw = await conn.get_raw_connection()
    driver: psycopg.AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    context = tenant_context(tenant_id)[1]
    try:
        async with driver.pipeline():
            await driver.execute(TENANT_SQL, context)
            cursor = driver.cursor(row_factory=namedtuple_row)
            await cursor.execute(USER_SQL, params)
            return await cursor.fetchone()
    except psycopg.OperationalError as exc:
        # As SQLAlchemy would: the pool drops the connection and the API answers 503.
        raw.invalidate(exc)
        raise sa_exc.OperationalError(USER_SQL, params, exc) from exc


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
