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
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

APP_ROLE = "panels_app"
TENANT_KEY = "tenant_id"
ALL_TENANTS_KEY = "all_tenants"


def sqlalchemy_url(url: str) -> str:
    """Normalise a libpq-style URL to SQLAlchemy's psycopg 3 dialect."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, as_app_role: bool = False, **kwargs: Any) -> Engine:
    """An engine; with ``as_app_role`` every connection drops to the non-owner app role.

    Use ``PANELS_APP_DATABASE_URL`` to log in as the app role directly instead.
    """
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(sqlalchemy_url(url), **kwargs)
    if as_app_role:

        @event.listens_for(engine, "connect")
        def _set_role(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET ROLE {APP_ROLE}")
            dbapi_conn.commit()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@event.listens_for(Session, "after_begin")
def _apply_tenant_context(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    connection.execute(
        text(
            "SELECT set_config('app.tenant_id', :tenant, true),"
            " set_config('app.all_tenants', :all, true)"
        ),
        {
            "tenant": str(tenant_id) if tenant_id else "",
            "all": "on" if session.info.get(ALL_TENANTS_KEY) else "off",
        },
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
