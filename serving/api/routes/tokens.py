from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response, status

from models import ApiToken
from schemas.common import Page
from schemas.users import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic
from serving.api.deps import AdminDep, PagingDep, SessionDep
from serving.api.repo import get_owned, scoped
from serving.auth import security
from serving.reads.paging import paginate
from serving.writes import mutations

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=Page[ApiTokenPublic])
def list_tokens(
    session: SessionDep, principal: AdminDep, paging: PagingDep
) -> Page[ApiTokenPublic]:
    stmt = scoped(ApiToken, principal).order_by(ApiToken.created_at.desc())
    return paginate(session, stmt, paging, ApiTokenPublic)


@router.post("", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(
    session: SessionDep, principal: AdminDep, token_in: ApiTokenCreate
) -> ApiTokenCreated:
    token_id, bearer, secret_hash = security.new_api_token()
    expires = (
        datetime.now(UTC) + timedelta(seconds=token_in.ttl_seconds)
        if token_in.ttl_seconds
        else None
    )
    token = ApiToken(
        id=token_id,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        name=token_in.name,
        scopes=sorted(set(token_in.scopes)),
        secret_hash=secret_hash,
        expires_at=expires,
    )
    created = mutations.create(session, principal, token, ApiTokenPublic, object_type="api_token")
    return ApiTokenCreated(**created.model_dump(), token=bearer)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(session: SessionDep, principal: AdminDep, token_id: uuid.UUID) -> Response:
    """Revoke (the row stays, for the audit trail and ``last_used_at``)."""
    token = get_owned(session, ApiToken, token_id, principal, label="api token")
    if token.revoked_at is None:
        mutations.update(
            session,
            principal,
            token,
            {"revoked_at": datetime.now(UTC)},
            ApiTokenPublic,
            object_type="api_token",
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
