"""Dagster resources: the Panels database (owner role, all tenants)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import dagster as dg
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessionmaker, system_session


class PanelsDatabase(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The Panels metadata database, reached as its owner (migrations' role)."""

    url: str

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.url, pool_size=2, max_overflow=2)

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @contextmanager
    def all_tenants(self) -> Iterator[Session]:
        with system_session(self._sessions) as session:
            yield session
