"""What the application holds for its requests, typed: one ``AppState`` on ``app.state.panels``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, sessionmaker

from core.crypto import SecretBox
from core.settings import Settings
from serving.auth.ratelimit import RateLimits
from serving.memory.cache import Memo, ReadCache
from serving.memory.catalog import Catalog
from serving.orchestration.queue import QueueCollector
from serving.reads.analytics import Analytics
from serving.realtime.hub import Hub
from serving.realtime.relay import OutboxRelay
from serving.webhooks.backlog import BacklogCollector
from serving.webhooks.deliverer import Deliverer

if TYPE_CHECKING:
    from dagster import DagsterInstance


@dataclass
class AppState:
    settings: Settings
    engine: Engine  # definition routes (sync ORM, threadpool)
    reader: AsyncEngine  # read routes (event loop, raw driver)
    sessions: sessionmaker[Session]
    secret_box: SecretBox
    read_cache: ReadCache | None  # Redis, shared by processes (optional)
    catalog: Catalog | None  # in-process held answers (PANELS_MEMORY_CACHE_MB=0: none)
    filtered_counts: Memo  # totals of filtered reads, per version and filter
    rate_limits: RateLimits | None
    hub: Hub
    relay: OutboxRelay
    deliverer: Deliverer
    webhook_backlog: BacklogCollector
    redis: redis.Redis | None
    analytics: Analytics | None = None  # DuckDB over the snapshots (analytic reads)
    dagster_instance: DagsterInstance | None = None  # loaded by /health on first use
    queue: QueueCollector | None = None  # queue metrics, made by /metrics on first use

    def install(self, app: FastAPI) -> None:
        app.state.panels = self


def app_state(app: Any) -> AppState:
    """The typed state of a FastAPI app (or of ``request.app``)."""
    state: AppState = app.state.panels
    return state
