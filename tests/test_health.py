from __future__ import annotations

from fastapi.testclient import TestClient

from serving.api.app import create_app


def test_liveness(client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_detailed_health_reports_each_dependency_with_latency(client) -> None:
    response = client.get("/health/detailed")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["database"]["latency_ms"] >= 0
    assert checks["redis"]["status"] == "not_configured"
    assert checks["dagster"]["status"] == "not_configured"


def test_detailed_health_with_redis_and_a_dead_database(settings, redis_url) -> None:
    broken = settings.model_copy(
        update={"database_url": "postgresql://postgres@127.0.0.1:1/nowhere", "redis_url": redis_url}
    )
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        response = client.get("/health/detailed")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"]["status"] == "error"
        assert body["checks"]["redis"]["status"] == "ok"
        # The API itself answers with the error shape, not a stack trace.
        api = client.post(
            "/api/v1/auth/token", json={"email": "a@b.co", "password": "x", "tenant": "t"}
        )
        assert api.status_code == 503
        assert api.json()["type"] == "unavailable"
