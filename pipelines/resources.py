"""Dagster resources: the Panels database (owner role, all tenants) and the sync settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.settings import Settings, get_settings
from models.db import make_engine, make_sessionmaker, system_session
from models.statement_time import instrument


class PanelsDatabase(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The Panels metadata database, reached as its owner (the migrations' role)."""

    url: str
    _engine: Engine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url, pool_size=2, max_overflow=2)
            instrument(self._engine, "pipelines")
        return self._engine

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.dispose()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def all_tenants(self) -> Iterator[Session]:
        with system_session(make_sessionmaker(self.engine)) as session:
            yield session


class SyncSettings(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where syncs read files and keep extracts; empty fields fall back to PANELS_* settings."""

    state_dir: str | None = None
    data_root: str | None = None
    # Comma-separated hosts/networks HTTP sources may reach despite the SSRF guard.
    source_allowlist: str | None = None
    # Rows a sync handles at a time (PANELS_SYNC_BATCH_ROWS when empty).
    batch_rows: int | None = None
    # Where the columnar snapshots go (PANELS_SNAPSHOT_ROOT when empty): the API reads them.
    snapshot_root: str | None = None
    # Whether publishes write snapshots (PANELS_WRITE_SNAPSHOTS when empty).
    write_snapshots: bool | None = None
    # Segments past which a store's snapshot is compacted (PANELS_SNAPSHOT_COMPACT_SEGMENTS).
    snapshot_compact_segments: int | None = None

    def settings(self) -> Settings:
        base = get_settings()
        updates: dict[str, Any] = {}
        if self.state_dir:
            updates["state_dir"] = Path(self.state_dir)
        if self.data_root:
            updates["data_root"] = Path(self.data_root)
        if self.source_allowlist:
            updates["source_allowlist"] = [
                h.strip() for h in self.source_allowlist.split(",") if h.strip()
            ]
        if self.batch_rows:
            updates["sync_batch_rows"] = self.batch_rows
        if self.snapshot_root:
            updates["snapshot_root"] = self.snapshot_root
        if self.write_snapshots is not None:
            updates["write_snapshots"] = self.write_snapshots
        if self.snapshot_compact_segments:
            updates["snapshot_compact_segments"] = self.snapshot_compact_segments
        return base.model_copy(update=updates) if updates else base
