from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from core.enums import Role
from schemas.common import InputModel, Slug


class TokenRequest(InputModel):
    email: EmailStr = Field(examples=["admin@demo.example"])
    password: str = Field(min_length=1, max_length=1024)
    tenant: Slug = Field(examples=["demo"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_at: datetime


class Me(BaseModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    role: Role
    via: str = Field(examples=["jwt", "api_token"])
