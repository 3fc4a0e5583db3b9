"""Alembic environment: target metadata comes from the models; the URL from the caller."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from models import Base
from models.db import sqlalchemy_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("PANELS_DATABASE_URL")
    if not url:
        raise RuntimeError("set PANELS_DATABASE_URL (or run `panels db upgrade`)")
    return sqlalchemy_url(str(url))


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
