"""Rate limits per credential and per tenant in Redis: 429 with Retry-After, fail open."""

from __future__ import annotations

import uuid

import redis
from fastapi.testclient import TestClient

from serving.api.app import create_app

API = "/api/v1"


def test_limits_per_credential_and_per_tenant(settings, redis_url, tenant, other_tenant) -> None:
    prefix = f"panels-test-{uuid.uuid4().hex[:8]}"
    limited = settings.model_copy(
        update={
            "redis_url": redis_url,
            "redis_prefix": prefix,
            "rate_limit_credential": "3/minute",
            "rate_limit_tenant": "5/minute",
        }
    )
    store = redis.Redis.from_url(redis_url)
    try:
        with TestClient(create_app(limited), raise_server_exceptions=False) as client:
            # The async read path and a sync route count against the same limits.
            assert client.get(f"{API}/panels", headers=tenant.viewer).status_code == 200
            assert client.get(f"{API}/auth/me", headers=tenant.viewer).status_code == 200
            assert client.get(f"{API}/panels", headers=tenant.viewer).status_code == 200
            over = client.get(f"{API}/panels", headers=tenant.viewer)
            assert over.status_code == 429
            assert 1 <= int(over.headers["retry-after"]) <= 60
            body = over.json()
            assert body["type"] == "rate_limited" and "credential" in body["detail"]
            # Another account of the same tenant has its own allowance, up to the tenant's.
            assert client.get(f"{API}/panels", headers=tenant.editor).status_code == 200
            tenant_over = client.get(f"{API}/panels", headers=tenant.admin)
            assert tenant_over.status_code == 429
            assert "tenant" in tenant_over.json()["detail"]
            # Other tenants are not affected.
            assert client.get(f"{API}/panels", headers=other_tenant.viewer).status_code == 200
            metrics = client.get("/metrics").text
            assert 'rate_limited_requests_total{scope="credential"}' in metrics
    finally:
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)


def test_requests_go_through_when_redis_is_away(settings, tenant) -> None:
    away = settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:9/0", "rate_limit_credential": "1/minute"}
    )
    with TestClient(create_app(away), raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.get(f"{API}/panels", headers=tenant.viewer).status_code == 200
