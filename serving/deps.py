"""Annotated dependencies: route functions declare SessionDep, CurrentPrincipal, EditorDep..."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import ApiToken, Tenant, User
from models.db import set_tenant
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


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


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


def _load_user(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> tuple[User, str]:
    row = session.execute(
        select(User, Tenant.slug)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(User.id == user_id, User.tenant_id == tenant_id)
    ).first()
    if row is None or not row[0].is_active:
        raise Unauthorized("the account behind this credential is unknown or disabled")
    return row[0], row[1]


def _from_api_token(session: Session, bearer_value: str) -> tuple[User, str, ApiToken]:
    try:
        token_id, secret = security.parse_api_token(bearer_value)
    except security.InvalidToken as exc:
        raise Unauthorized(str(exc)) from exc
    tenant_id = session.scalar(select(func.panels_tenant_id_by_token(token_id)))
    if tenant_id is None:
        raise Unauthorized("unknown API token")
    set_tenant(session, tenant_id)
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.tenant_id == tenant_id)
    )
    now = datetime.now(UTC)
    if token is None or not security.secret_matches(secret, token.secret_hash):
        raise Unauthorized("unknown API token")
    if token.revoked_at is not None:
        raise Unauthorized("this API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("this API token has expired")
    user, slug = _load_user(session, tenant_id, token.user_id)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        session.commit()
    return user, slug, token


def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    value = credentials.credentials
    request_id = getattr(request.state, "request_id", None)
    if value.startswith(security.TOKEN_PREFIX):
        user, slug, token = _from_api_token(session, value)
        scope_role = max((SCOPE_ROLE[s] for s in token.scopes), key=lambda r: r.rank)
        role = user.role if scope_role.allows(user.role) else scope_role
        principal = Principal(
            user.id, user.tenant_id, slug, role, "api_token", token.id, request_id
        )
    else:
        try:
            claims = security.decode_jwt(settings, value)
        except security.InvalidToken as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        set_tenant(session, claims.tenant_id)
        user, slug = _load_user(session, claims.tenant_id, claims.subject)
        # The database role is the authority: a demotion takes effect before the JWT expires.
        principal = Principal(user.id, user.tenant_id, slug, user.role, "jwt", None, request_id)
    request.state.tenant_id = str(principal.tenant_id)
    request.state.user_id = str(principal.user_id)
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


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def get_paging(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Paging:
    return Paging(min(limit, settings.page_max), offset)


PagingDep = Annotated[Paging, Depends(get_paging)]
