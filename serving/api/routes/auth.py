from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from models import User
from models.db import set_tenant
from schemas.auth import Me, TokenRequest, TokenResponse
from serving.api.deps import CurrentPrincipal, SessionDep, SettingsDep
from serving.auth import security
from serving.http.errors import Unauthorized

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenResponse)
def issue_token(session: SessionDep, settings: SettingsDep, body: TokenRequest) -> TokenResponse:
    """Exchange e-mail, password and tenant slug for a JWT. One message for every failure."""
    tenant_id = session.scalar(select(func.panels_tenant_id_by_slug(body.tenant)))
    user = None
    if tenant_id is not None:
        set_tenant(session, tenant_id)
        user = session.scalar(
            select(User).where(User.tenant_id == tenant_id, User.email == body.email.lower())
        )
    ok = security.verify_password_or_dummy(body.password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("wrong e-mail, password or tenant")
    token, expires = security.issue_jwt(
        settings, user_id=user.id, tenant_id=user.tenant_id, role=user.role
    )
    return TokenResponse(access_token=token, expires_at=expires)


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        tenant_slug=principal.tenant_slug,
        role=principal.role,
        via=principal.via,
    )
