from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client.registry import Collector
from sqlalchemy import text

from core.settings import Settings
from serving.api.state import app_state
from serving.http.errors import Unauthorized
from serving.http.metrics import render
from serving.orchestration.queue import QueueCollector

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def _timed(check: Callable[[], Any], timeout: float = 3.0) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(asyncio.to_thread(check), timeout)
        result: dict[str, Any] = {"status": "ok"}
        if detail:
            result["detail"] = detail
    except TimeoutError:
        result = {"status": "error", "error": f"no answer within {timeout:.0f}s"}
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        result = {"status": "error", "error": exc.__class__.__name__}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def _dagster_check(request: Request) -> Callable[[], Any] | None:
    settings: Settings = app_state(request.app).settings
    home = settings.resolved_dagster_home
    if not (home / "dagster.yaml").exists():
        return None

    def check() -> str:
        # Loading the instance takes seconds (dagster-postgres checks its schema): once per app.
        instance = app_state(request.app).dagster_instance
        if instance is None:
            from dagster import DagsterInstance  # noqa: PLC0415 - heavy import, only when asked

            instance = DagsterInstance.from_config(str(home))
            app_state(request.app).dagster_instance = instance
        return f"{instance.get_runs_count()} runs"

    return check


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics; with PANELS_METRICS_TOKEN set, only for that bearer token."""
    expected = app_state(request.app).settings.metrics_token
    if expected is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            raise Unauthorized("the metrics token is missing or wrong")
    state = app_state(request.app)
    storage = state.settings.resolved_dagster_database_url
    if state.queue is None and storage is not None:
        state.queue = QueueCollector(storage)
    extra: list[Collector] = [state.webhook_backlog]
    if state.queue is not None:
        extra.append(state.queue)
    # The queues' figures may need a query (once per TTL): off the event loop.
    body, content_type = await asyncio.to_thread(render, *extra)
    return Response(body, media_type=content_type)


@router.get("/health/detailed")
async def health_detailed(request: Request) -> JSONResponse:
    """Readiness: each dependency with its latency; 503 when the database is unreachable."""
    state = app_state(request.app)

    def database() -> None:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    checks: dict[str, dict[str, Any]] = {"database": await _timed(database)}
    if state.redis is not None:
        checks["redis"] = await _timed(state.redis.ping)
    else:
        checks["redis"] = {"status": "not_configured"}
    dagster = _dagster_check(request)
    checks["dagster"] = await _timed(dagster, 10.0) if dagster else {"status": "not_configured"}
    hub, relay = state.hub, state.relay
    checks["events"] = {
        "status": "ok" if hub.listening.is_set() else "error",
        "broker": hub.broker.name,
        "websocket_connections": hub.connections,
        "relay": "leading"
        if relay.leading
        else ("standby" if state.settings.events_relay else "off"),
        "relayed": relay.relayed,
    }
    healthy = checks["database"]["status"] == "ok"
    degraded = any(c["status"] == "error" for c in checks.values())
    status = "ok" if not degraded else ("degraded" if healthy else "unavailable")
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if healthy else 503)
