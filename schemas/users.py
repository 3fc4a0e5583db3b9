from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from core.enums import Role, TokenScope
from schemas.common import InputModel, Name, PublicModel


class UserCreate(InputModel):
    email: EmailStr
    role: Role = Role.viewer
    password: str | None = Field(
        default=None,
        min_length=12,
        max_length=1024,
        description="Omitted: a password is generated and returned once",
    )


class UserUpdate(InputModel):
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=1024)


class UserPublic(PublicModel):
    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime


class UserCreated(UserPublic):
    generated_password: str | None = None


class ApiTokenCreate(InputModel):
    name: Name = Field(examples=["BI dashboard"])
    scopes: list[TokenScope] = Field(default_factory=lambda: [TokenScope.read], min_length=1)
    ttl_seconds: int | None = Field(
        default=None,
        gt=0,
        le=10 * 366 * 86400,
        description="At most ten years; omitted: never expires",
    )


class ApiTokenPublic(PublicModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    scopes: list[TokenScope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="Shown once; only its hash is stored")
