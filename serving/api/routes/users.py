from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import func

from core.enums import Role
from models import User
from schemas.common import Page
from schemas.users import UserCreate, UserCreated, UserPublic, UserUpdate
from serving.api.deps import AdminDep, PagingDep, SessionDep
from serving.api.repo import get_owned, scoped
from serving.auth import security
from serving.auth.principal import Principal
from serving.http.errors import Conflict
from serving.reads.paging import paginate
from serving.writes import mutations

router = APIRouter(prefix="/users", tags=["users"])


def _ensure_an_admin_remains(session: SessionDep, principal: Principal, user: User) -> None:
    admins = session.scalar(
        scoped(User, principal)
        .where(User.role == Role.admin, User.is_active, User.id != user.id)
        .with_only_columns(func.count())
    )
    if not admins:
        raise Conflict("the tenant must keep at least one active admin")


@router.get("", response_model=Page[UserPublic])
def list_users(session: SessionDep, principal: AdminDep, paging: PagingDep) -> Page[UserPublic]:
    return paginate(session, scoped(User, principal).order_by(User.email), paging, UserPublic)


@router.post("", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def create_user(session: SessionDep, principal: AdminDep, user_in: UserCreate) -> UserCreated:
    generated = None if user_in.password else secrets.token_urlsafe(18)
    user = User(
        tenant_id=principal.tenant_id,
        email=user_in.email.lower(),
        role=user_in.role,
        password_hash=security.hash_password(user_in.password or generated or ""),
    )
    created = mutations.create(session, principal, user, UserPublic, object_type="user")
    return UserCreated(**created.model_dump(), generated_password=generated)


@router.get("/{user_id}", response_model=UserPublic)
def read_user(session: SessionDep, principal: AdminDep, user_id: uuid.UUID) -> UserPublic:
    return UserPublic.model_validate(get_owned(session, User, user_id, principal, label="user"))


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(
    session: SessionDep, principal: AdminDep, user_id: uuid.UUID, user_in: UserUpdate
) -> UserPublic:
    user = get_owned(session, User, user_id, principal, label="user")
    changes: dict[str, Any] = user_in.model_dump(exclude_unset=True, exclude={"password"})
    if user_in.password:
        changes["password_hash"] = security.hash_password(user_in.password)
    demoted = changes.get("role", Role.admin) != Role.admin or changes.get("is_active") is False
    if user.role == Role.admin and demoted:
        _ensure_an_admin_remains(session, principal, user)
    return mutations.update(session, principal, user, changes, UserPublic, object_type="user")


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(session: SessionDep, principal: AdminDep, user_id: uuid.UUID) -> Response:
    user = get_owned(session, User, user_id, principal, label="user")
    if user.role == Role.admin:
        _ensure_an_admin_remains(session, principal, user)
    mutations.delete(session, principal, user, UserPublic, object_type="user")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
