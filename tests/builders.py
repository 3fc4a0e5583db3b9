"""Small builders that go through the public API, as a client would."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def make_panel(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"slug": f"p-{uuid.uuid4().hex[:8]}", "name": "A panel", **fields}
    return created(client.post("/api/v1/panels", json=body, headers=headers))


def make_source(
    client: TestClient, headers: dict[str, str], panel_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"name": "main", "kind": "file", "config": {"path": "x.csv", "format": "csv"}, **fields}
    return created(client.post(f"/api/v1/panels/{panel_id}/sources", json=body, headers=headers))


def make_column(
    client: TestClient, headers: dict[str, str], panel_id: str, **fields: Any
) -> dict[str, Any]:
    key = fields.pop("key", f"c_{uuid.uuid4().hex[:6]}")
    body = {"key": key, "name": key, "type": "number", "mapping": {"field": key}, **fields}
    return created(client.post(f"/api/v1/panels/{panel_id}/columns", json=body, headers=headers))


def make_view(
    client: TestClient, headers: dict[str, str], panel_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"name": f"v-{uuid.uuid4().hex[:6]}", **fields}
    return created(client.post(f"/api/v1/panels/{panel_id}/views", json=body, headers=headers))
