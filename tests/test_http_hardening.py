"""HTTP hardening: security headers, CORS from settings, request body limits."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serving.api.app import create_app

API = "/api/v1"


def test_every_answer_carries_security_headers(client, tenant) -> None:
    for response in (
        client.get(f"{API}/panels", headers=tenant.viewer),
        client.get(f"{API}/panels/00000000-0000-0000-0000-000000000000", headers=tenant.viewer),
        client.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers  # production only


def test_cors_allows_only_the_configured_origins(settings, tenant) -> None:
    configured = settings.model_copy(update={"cors_origins": ["https://grid.example.com"]})
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        preflight = {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = client.options(
            f"{API}/panels", headers={"Origin": "https://grid.example.com", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://grid.example.com"
        refused = client.options(
            f"{API}/panels", headers={"Origin": "https://evil.example.com", **preflight}
        )
        assert "access-control-allow-origin" not in refused.headers
        read = client.get(
            f"{API}/panels", headers={"Origin": "https://grid.example.com", **tenant.viewer}
        )
        assert read.headers["access-control-allow-origin"] == "https://grid.example.com"
        assert "etag" in read.headers["access-control-expose-headers"].lower()


def test_a_body_over_the_limit_is_a_413_problem(settings, tenant) -> None:
    small = settings.model_copy(update={"max_body_bytes": 1000})
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        response = client.post(
            f"{API}/panels",
            json={"slug": "big", "name": "Big", "description": "x" * 5000},
            headers=tenant.editor,
        )
        assert response.status_code == 413
        body = response.json()
        assert body["status"] == 413 and body["type"]

        def chunks():
            yield b'{"slug": "chunked", "name": "C", "description": "'
            yield b"x" * 5000
            yield b'"}'

        chunked = client.post(
            f"{API}/panels",
            content=chunks(),
            headers={**tenant.editor, "Content-Type": "application/json"},
        )
        assert chunked.status_code == 413, chunked.text
        assert chunked.json()["type"] == "payload_too_large"
        fine = client.post(
            f"{API}/panels", json={"slug": "ok", "name": "Ok"}, headers=tenant.editor
        )
        assert fine.status_code == 201


def test_each_request_is_logged_as_json_with_ids_operation_and_duration(
    client, tenant, caplog
) -> None:
    import json
    import logging

    from serving.http.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="panels.http"):
        response = client.get(f"{API}/panels", headers=tenant.viewer)
    (record,) = [r for r in caplog.records if r.name == "panels.http"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["tenant_id"] == str(tenant.id)
    assert line["operation"] == "/api/v1/panels" and line["method"] == "GET"
    assert line["status"] == 200 and line["duration_ms"] > 0
    assert "Bearer" not in json.dumps(line)
