"""Engines and sessions. Every tenant-scoped transaction starts with ``app.tenant_id`` set.

Postgres row-level security (see the initial migration) filters every tenant-owned table on
``current_setting('app.tenant_id', true)``. The setting is transaction-local (``set_config(...,
true)``, the function form of ``SET LOCAL``), so a pooled connection never carries one tenant's
context into another request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from core.storage import APP_ROLE

# Statements compiled ahead for the raw driver (psycopg) use this dialect.
PG_DIALECT = psycopg_dialect()  # type: ignore[no-untyped-call]
TENANT_KEY = "tenant_id"
ALL_TENANTS_KEY = "all_tenants"


def sqlalchemy_url(url: str) -> str:
    """Normalise a libpq-style URL to SQLAlchemy's psycopg 3 dialect."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string (for psycopg directly)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, as_app_role: bool = False, **kwargs: Any) -> Engine:
    """An engine; with ``as_app_role`` every connection drops to the non-owner app role.

    Use ``PANELS_APP_DATABASE_URL`` to log in as the app role directly instead.
    """
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(sqlalchemy_url(url), **kwargs)
    if as_app_role:
        event.listen(engine, "connect", _set_app_role)
    return engine


def make_async_engine(url: str, *, as_app_role: bool = False, **kwargs: Any) -> AsyncEngine:
    """The async twin of ``make_engine`` (psycopg 3's async driver) for the hot read path.

    No pre-ping round trip per checkout: a connection lost to a server restart raises a
    disconnect error, which invalidates the pool, answers 503, and the next request reconnects.
    """
    engine = create_async_engine(sqlalchemy_url(url), **kwargs)
    if as_app_role:
        event.listen(engine.sync_engine, "connect", _set_app_role)
    return engine


def _set_app_role(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"SET ROLE {APP_ROLE}")
    cursor.close()
    dbapi_conn.commit()


TENANT_CONTEXT = text(
    "SELECT set_config('app.tenant_id', :tenant, true), set_config('app.all_tenants', :all, true)"
)


def tenant_context(
    tenant_id: uuid.UUID | None, *, all_tenants: bool = False
) -> tuple[Any, dict[str, str]]:
    """The statement and parameters that scope the current transaction to one tenant."""
    return TENANT_CONTEXT, {
        "tenant": str(tenant_id) if tenant_id else "",
        "all": "on" if all_tenants else "off",
    }


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@event.listens_for(Session, "after_begin")
def _apply_tenant_context(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    connection.execute(
        *tenant_context(
            session.info.get(TENANT_KEY), all_tenants=bool(session.info.get(ALL_TENANTS_KEY))
        )
    )


def set_tenant(session: Session, tenant_id: uuid.UUID | None) -> None:
    """Scope the session's next transactions to a tenant (None: no tenant, sees nothing)."""
    session.info[TENANT_KEY] = tenant_id
    if session.in_transaction():
        session.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"),
            {"tenant": str(tenant_id) if tenant_id else ""},
        )


@contextmanager
def system_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that sees every tenant: owner role only (pipelines, admin CLI, sensors)."""
    with factory() as session:
        session.info[ALL_TENANTS_KEY] = True
        yield session


@contextmanager
def tenant_session(
    factory: sessionmaker[Session], tenant_id: uuid.UUID | None
) -> Iterator[Session]:
    with factory() as session:
        session.info[TENANT_KEY] = tenant_id
        yield session
