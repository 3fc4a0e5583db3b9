"""Who is calling: credentials (JWT or API token) checked against the database.

Authentication is written once, as a generator of database steps (``authentication``), and
driven either by a sync ORM session (``authenticate``: definition routes, in FastAPI's
threadpool) or by an async connection (``serving.reads.session``: the hot read routes).
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from core.enums import Role, TokenScope
from core.settings import Settings
from models import ApiToken, Tenant, User
from models.db import PG_DIALECT, TENANT_CONTEXT, set_tenant
from serving.auth import security
from serving.http.errors import Unauthorized

SCOPE_ROLE = {
    TokenScope.read: Role.viewer,
    TokenScope.write: Role.editor,
    TokenScope.admin: Role.admin,
}
LAST_USED_RESOLUTION = timedelta(minutes=1)

bearer = HTTPBearer(auto_error=False, description="A JWT from /api/v1/auth/token or an API token")


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    role: Role
    via: str  # jwt | api_token | cli
    token_id: uuid.UUID | None = None
    request_id: str | None = field(default=None, compare=False)

    @property
    def actor_type(self) -> str:
        if self.via == "cli":  # the owner's CLI (panels apply): no user of the tenant
            return "cli"
        return "token" if self.token_id else "user"

    @property
    def actor_id(self) -> uuid.UUID:
        return self.token_id or self.user_id  # the CLI's: the nil UUID


# Authentication as steps: ("tenant", id) | ("user", lookup) | ("first", stmt) | ("write", stmt)
Step = tuple[str, Any]


USER_LOOKUP = (
    select(User.id, User.tenant_id, User.role, User.is_active, Tenant.slug)
    .join(Tenant, Tenant.id == User.tenant_id)
    .where(User.id == bindparam("user_id"), User.tenant_id == bindparam("tenant_id"))
)
# The same two statements as psycopg SQL, for the read path's single round trip.
USER_SQL = str(USER_LOOKUP.compile(dialect=PG_DIALECT))
TENANT_SQL = str(TENANT_CONTEXT.compile(dialect=PG_DIALECT))


def _user(tenant_id: uuid.UUID, user_id: uuid.UUID) -> Generator[Step, Any, Any]:
    row = yield ("user", {"user_id": user_id, "tenant_id": tenant_id})
    if row is None or not row.is_active:
        raise Unauthorized("the account behind this credential is unknown or disabled")
    return row


def authentication(
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


def remember(request: Request, principal: Principal) -> Principal:
    """Put who is calling on the request, for the logs."""
    request.state.tenant_id = str(principal.tenant_id)
    request.state.user_id = str(principal.user_id)
    return principal


def authenticate(
    request: Request,
    session: Session,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
) -> Principal:
    """Who is calling, checked against the database (no rate limit counted)."""
    steps = authentication(settings, credentials, getattr(request.state, "request_id", None))
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
        return remember(request, done.value)


def finish(steps: Generator[Step, Any, Principal], sent: Any) -> Principal:
    """Drive a suspended ``authentication`` to its principal (it raises when the check fails)."""
    try:
        kind, _ = steps.send(sent)
    except StopIteration as done:
        principal: Principal = done.value
        return principal
    raise RuntimeError(f"authentication asked for {kind!r} after the account lookup")
