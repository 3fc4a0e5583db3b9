"""Administrative operations shared by the CLI, the demo and the tests (owner role)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.enums import Role
from core.settings import Settings
from models import Tenant, User
from models.db import make_engine, make_sessionmaker, system_session
from serving.auth import security


class AdminError(Exception):
    """An administrative command that cannot be done as asked; the message says why."""


@contextmanager
def owner_session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.require_database_url(), pool_size=1)
    try:
        with system_session(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if missing; True when it was created."""
    parsed = make_url(url)
    name = parsed.database
    if not name:
        raise AdminError(f"the URL names no database: {parsed.render_as_string()}")
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def create_tenant(session: Session, *, slug: str, name: str) -> Tenant:
    if session.scalar(select(Tenant).where(Tenant.slug == slug)) is not None:
        raise AdminError(f"tenant {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name)
    session.add(tenant)
    session.commit()
    return tenant


def get_tenant(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise AdminError(f"no tenant {slug!r} (create it with `panels tenant create {slug}`)")
    return tenant


def create_user(
    session: Session, *, tenant: Tenant, email: str, role: Role, password: str | None
) -> tuple[User, str | None]:
    """Create a user; without a password one is generated and returned (shown once)."""
    email = email.strip().lower()
    existing = session.scalar(select(User).where(User.tenant_id == tenant.id, User.email == email))
    if existing is not None:
        raise AdminError(f"{email} already has an account in tenant {tenant.slug!r}")
    generated = None if password else secrets.token_urlsafe(18)
    user = User(
        tenant_id=tenant.id,
        email=email,
        role=role,
        password_hash=security.hash_password(password or generated or ""),
    )
    session.add(user)
    session.commit()
    return user, generated


def get_user(session: Session, *, tenant: Tenant, email: str) -> User:
    user = session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.email == email.strip().lower())
    )
    if user is None:
        raise AdminError(f"no user {email} in tenant {tenant.slug!r}")
    return user


def issue_token(
    settings: Settings, session: Session, *, tenant_slug: str, email: str, ttl: int | None
) -> str:
    tenant = get_tenant(session, tenant_slug)
    user = get_user(session, tenant=tenant, email=email)
    if not user.is_active:
        raise AdminError(f"{email} is disabled in tenant {tenant_slug!r}")
    token, _ = security.issue_jwt(
        settings, user_id=user.id, tenant_id=tenant.id, role=user.role, ttl_seconds=ttl
    )
    return token
