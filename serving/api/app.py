"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from core.crypto import SecretBox
from core.settings import Settings, get_settings
from core.snapshots import SnapshotRoot
from models.db import libpq_url, make_async_engine, make_engine, make_sessionmaker
from models.statement_time import instrument
from schemas.common import Problem
from serving.api import docs, web
from serving.api.refs import document, resolve_names
from serving.api.routes import (
    audit,
    auth,
    columns,
    definitions,
    filters,
    formulas,
    health,
    panels,
    quality,
    rows,
    sources,
    syncs,
    tokens,
    users,
    views,
    webhooks,
    ws,
)
from serving.api.state import AppState
from serving.api.strict_query import refuse_unknown_query_parameters
from serving.auth.ratelimit import RateLimits
from serving.http.errors import install_error_handlers
from serving.http.logs import RequestContextMiddleware, configure_logging
from serving.memory.cache import Memo, ReadCache
from serving.memory.catalog import Catalog
from serving.memory.held import HeldAnswers
from serving.reads.analytics import Analytics
from serving.realtime.broker import Broker, PostgresBroker, RedisBroker
from serving.realtime.hub import Hub
from serving.realtime.relay import OutboxRelay
from serving.webhooks.backlog import BacklogCollector
from serving.webhooks.deliverer import Deliverer

API_PREFIX = "/api/v1"
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": Problem} for code in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    url = settings.app_database_url or settings.require_database_url()
    as_app_role = settings.app_database_url is None
    engine = make_engine(url, as_app_role=as_app_role, pool_size=10, max_overflow=20)
    # The read routes (panel lists, rows, aggregates) run on the event loop with this one.
    # Sized for the load it serves: overflow connections are closed on return, so a busy
    # worker with a small pool keeps opening new ones (a fork on the server each).
    reader = make_async_engine(url, as_app_role=as_app_role, pool_size=20, max_overflow=5)
    cache = (
        ReadCache(settings.redis_url, settings.read_cache_ttl_seconds, settings.redis_prefix)
        if settings.redis_url and settings.read_cache_ttl_seconds
        else None
    )
    conninfo = libpq_url(url)
    broker: Broker = (
        RedisBroker(settings.redis_url, settings.redis_prefix)
        if settings.redis_url
        else PostgresBroker(conninfo)
    )
    hub = Hub(reader, broker)
    catalog = (
        Catalog(conninfo, max_bytes=settings.memory_cache_mb << 20)
        if settings.memory_cache_mb
        else None
    )
    relay = OutboxRelay(
        conninfo, broker, as_app_role=as_app_role, poll_seconds=settings.relay_poll_seconds
    )
    # Where this process runs a relay, the relay claims events (queueing their deliveries).
    deliverer = Deliverer(
        conninfo, settings, as_app_role=as_app_role, claim=not settings.events_relay
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What start-up built (modules, models, compiled statements: ~180k objects) lives as
        # long as the process: out of the collector's sight, a full collection no longer walks
        # it (>100 ms here, a pause every request in flight waits out).
        gc.collect()
        gc.freeze()
        tasks = [asyncio.create_task(hub.run(), name="panels-hub")]
        if catalog is not None:
            tasks.append(asyncio.create_task(catalog.run(), name="panels-read-cache"))
        if settings.events_relay:
            tasks.append(asyncio.create_task(relay.run(), name="panels-relay"))
        if settings.webhook_delivery:
            tasks.append(asyncio.create_task(deliverer.run(), name="panels-webhooks"))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=5)
        with contextlib.suppress(Exception):
            await broker.close()
        engine.dispose()
        await reader.dispose()
        if state.analytics is not None:
            state.analytics.close()
        if cache is not None:
            await cache.close()
        if state.rate_limits is not None:
            await state.rate_limits.close()
        if state.redis is not None:
            state.redis.close()
        if state.dagster_instance is not None:
            state.dagster_instance.dispose()

    app = FastAPI(
        title="Panels API",
        version="0.1.0",
        description="Multi-tenant live data panels. Authenticate with a JWT from "
        "`POST /api/v1/auth/token` or an API token, as `Authorization: Bearer ...`.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(refuse_unknown_query_parameters), Depends(resolve_names)],
        # serving/api/docs.py serves /docs from this API's own files (no CDN); /redoc leads there
        docs_url=None,
        redoc_url=None,
    )
    instrument(engine, "api")
    instrument(reader.sync_engine, "api")
    rate_limits = (
        RateLimits(settings)
        if settings.redis_url and (settings.rate_limit_tenant or settings.rate_limit_credential)
        else None
    )
    state = AppState(
        settings=settings,
        engine=engine,
        reader=reader,
        sessions=make_sessionmaker(engine),
        secret_box=SecretBox(settings),
        read_cache=cache,
        catalog=catalog,
        filtered_counts=Memo(),
        rate_limits=rate_limits,
        hub=hub,
        relay=relay,
        deliverer=deliverer,
        webhook_backlog=BacklogCollector(conninfo, as_app_role=as_app_role),
        redis=(
            redis.Redis.from_url(settings.redis_url, socket_timeout=2)
            if settings.redis_url
            else None
        ),
    )
    if settings.analytics_engine == "duckdb":
        state.analytics = Analytics(
            SnapshotRoot(settings.snapshots),
            threads=settings.analytics_threads,
            memory_mb=settings.analytics_memory_mb,
            timeout_seconds=settings.analytics_timeout_seconds,
        )
    state.install(app)
    install_error_handlers(app)
    if catalog is not None:  # innermost: CORS headers and the request context wrap it too
        app.add_middleware(HeldAnswers, catalog=catalog, settings=settings, limits=rate_limits)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "X-Request-ID", "X-Panel-Version", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(
        RequestContextMiddleware,
        hsts=settings.environment == "production",
        max_body=settings.max_body_bytes,
    )

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        auth,
        panels,
        sources,
        columns,
        views,
        filters,
        quality,
        rows,
        syncs,
        users,
        tokens,
        audit,
        definitions,
        webhooks,
        formulas,
    ):
        api.include_router(module.router)
    api.include_router(columns.actions)
    api.include_router(ws.router)
    app.include_router(api)
    app.include_router(health.router)
    docs.install(app)
    web.install(app, settings.web_dir)
    _document_names(app)
    return app


def _document_names(app: FastAPI) -> None:
    """OpenAPI says that path ids take names too (serving/api/refs.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
