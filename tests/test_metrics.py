"""/metrics in Prometheus format: request, database and event metrics, no tenant data."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from serving.api.app import create_app


def _samples(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name)]


def test_metrics_count_requests_by_route_template_and_time_queries(client, kit) -> None:
    k = kit()
    for _ in range(3):
        assert client.get(k.url, headers=k.tenant.viewer).status_code == 200
    assert client.get(f"{k.url}/nope", headers=k.tenant.viewer).status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    panel_reads = [
        line
        for line in _samples(text, "http_requests_total{")
        if 'route="/api/v1/panels/{panel_id}"' in line and 'status="200"' in line
    ]
    assert panel_reads and float(panel_reads[0].rsplit(" ", 1)[1]) >= 3
    assert str(k.panel["id"]) not in text, "ids never become labels"
    assert str(k.tenant.id) not in text
    assert _samples(text, 'http_request_duration_seconds_bucket{le="0.005",method="GET"')
    assert _samples(text, 'database_query_duration_seconds_count{component="api",kind="select"}')
    for name in ("active_websocket_connections", "events_published_total", "panel_sync_rows_total"):
        assert f"# TYPE {name}" in text or f"# TYPE {name.removesuffix('_total')}" in text


def test_a_metrics_token_guards_the_endpoint(settings) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("scrape-me-please")})
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["type"] == "unauthorized"
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert ok.status_code == 200


def test_a_relayed_event_records_its_lag_since_the_insert() -> None:
    from datetime import UTC, datetime, timedelta

    from prometheus_client import REGISTRY

    from serving.http.metrics import observe_relayed

    def sample(name: str) -> float:
        return REGISTRY.get_sample_value(f"events_relay_lag_seconds_{name}") or 0.0

    count, total = sample("count"), sample("sum")
    created = (datetime.now(UTC) - timedelta(seconds=2)).isoformat()
    observe_relayed({"type": "panel.updated", "payload": {}, "created_at": created})
    assert sample("count") == count + 1
    assert 2 <= sample("sum") - total < 5
