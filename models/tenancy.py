"""Tenants, their users and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from core.enums import Role, TokenScope
from models.base import Base, TenantOwned, Timestamps, UUIDPrimaryKey

role_enum = Enum(Role, name="role", values_callable=lambda e: [m.value for m in e])


class Tenant(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    """A person's account in one tenant; the same e-mail in two tenants is two accounts."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(role_enum)
    is_active: Mapped[bool] = mapped_column(default=True)


class ApiToken(UUIDPrimaryKey, TenantOwned, Timestamps, Base):
    """A revocable bearer token; only the SHA-256 of its secret is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[TokenScope]] = mapped_column(
        ARRAY(Enum(TokenScope, name="token_scope", values_callable=lambda e: [m.value for m in e]))
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
