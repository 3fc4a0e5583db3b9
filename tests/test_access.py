"""The role matrix and tenant isolation over every route of the API."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from core.enums import Role
from models.db import libpq_url
from tests.builders import make_column, make_panel, make_source, make_view

API = "/api/v1"


@dataclass
class World:
    """One object of every kind in a tenant, for building URLs."""

    panel: str
    source: str
    column: str
    view: str
    user: str
    token: str
    rule: str
    webhook: str
    delivery: str
    sync: str = "0b8f6f0e-0000-4000-8000-000000000000"


def make_delivery(client, tenant_id: uuid.UUID, webhook: str) -> str:
    """A queued delivery, written as the owner (no event or deliverer needed to read one)."""
    url = client.app.state.panels.settings.database_url
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
        row = conn.execute(
            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, seq, event_type)"
            " VALUES (%s, %s, 1, 'panel.updated') RETURNING id",
            (tenant_id, webhook),
        ).fetchone()
    assert row is not None
    return str(row[0])


def build_world(client, t) -> World:
    panel = make_panel(client, t.editor)["id"]
    webhook = client.post(
        f"{API}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["sync.failed"]},
        headers=t.admin,
    ).json()["id"]
    token = client.post(f"{API}/tokens", json={"name": "x"}, headers=t.admin).json()["id"]
    user = client.post(
        f"{API}/users", json={"email": f"u{uuid.uuid4().hex[:6]}@example.com"}, headers=t.admin
    ).json()["id"]
    return World(
        panel=panel,
        source=make_source(client, t.admin, panel)["id"],
        column=make_column(client, t.editor, panel)["id"],
        view=make_view(client, t.editor, panel)["id"],
        user=user,
        token=token,
        rule=client.post(
            f"{API}/panels/{panel}/quality-rules",
            json={"name": "rows", "kind": "row_count_between", "params": {"min": 0}},
            headers=t.editor,
        ).json()["id"],
        webhook=webhook,
        delivery=make_delivery(client, t.id, webhook),
    )


def fill(path: str, world: World) -> str:
    return re.sub(r"\{(\w+)_id\}", lambda m: getattr(world, m.group(1)), path)


BODIES: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
    ("POST", "/api/v1/panels"): lambda: {"slug": f"p-{uuid.uuid4().hex[:8]}", "name": "p"},
    ("PATCH", "/api/v1/panels/{panel_id}"): lambda: {"name": "renamed"},
    ("POST", "/api/v1/panels/{panel_id}/sources"): lambda: {
        "name": f"s_{uuid.uuid4().hex[:6]}",
        "kind": "file",
        "config": {"path": "a.csv"},
    },
    ("PATCH", "/api/v1/panels/{panel_id}/sources/{source_id}"): lambda: {
        "config": {"path": "b.csv"}
    },
    ("POST", "/api/v1/panels/{panel_id}/columns"): lambda: {
        "key": f"c_{uuid.uuid4().hex[:6]}",
        "name": "c",
        "type": "text",
        "mapping": {"field": "c"},
    },
    ("PATCH", "/api/v1/panels/{panel_id}/columns/{column_id}"): lambda: {"name": "renamed"},
    ("POST", "/api/v1/panels/{panel_id}/views"): lambda: {"name": f"v-{uuid.uuid4().hex[:6]}"},
    ("PATCH", "/api/v1/panels/{panel_id}/views/{view_id}"): lambda: {
        "name": f"v-{uuid.uuid4().hex[:6]}"
    },
    ("POST", "/api/v1/users"): lambda: {"email": f"n{uuid.uuid4().hex[:6]}@example.com"},
    ("PATCH", "/api/v1/users/{user_id}"): lambda: {"role": "editor"},
    ("POST", "/api/v1/tokens"): lambda: {"name": "t"},
    ("POST", "/api/v1/panels/{panel_id}/quality-rules"): lambda: {
        "name": f"r-{uuid.uuid4().hex[:6]}",
        "kind": "row_count_between",
        "params": {"max": 10},
    },
    ("PATCH", "/api/v1/panels/{panel_id}/quality-rules/{rule_id}"): lambda: {"severity": "warning"},
    ("POST", "/api/v1/panels/{panel_id}/sources/preview"): lambda: {
        "source": {"name": "s", "kind": "file", "config": {"path": "a.csv"}}
    },
    ("POST", "/api/v1/panels/{panel_id}/columns:from-source"): lambda: {},
    ("POST", "/api/v1/panels/{panel_id}/formula-preview"): lambda: {"formula": "1 + 1"},
    ("POST", "/api/v1/apply"): lambda: {"document": {"panels": []}, "dry_run": True},
    ("POST", "/api/v1/webhooks"): lambda: {
        "url": "http://127.0.0.1:9/hook",
        "event_types": ["panel.materialized"],
    },
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): lambda: {"description": "changed"},
}

# Minimum role per route; everything under /api/v1 except login must appear here.
REQUIRED_ROLE: dict[tuple[str, str], Role] = {
    ("GET", "/api/v1/auth/me"): Role.viewer,
    ("GET", "/api/v1/panels"): Role.viewer,
    ("POST", "/api/v1/panels"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}"): Role.viewer,
    ("PATCH", "/api/v1/panels/{panel_id}"): Role.editor,
    ("DELETE", "/api/v1/panels/{panel_id}"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/sources"): Role.viewer,
    ("POST", "/api/v1/panels/{panel_id}/sources"): Role.admin,
    ("GET", "/api/v1/panels/{panel_id}/sources/{source_id}"): Role.viewer,
    ("PATCH", "/api/v1/panels/{panel_id}/sources/{source_id}"): Role.admin,
    ("DELETE", "/api/v1/panels/{panel_id}/sources/{source_id}"): Role.admin,
    ("GET", "/api/v1/panels/{panel_id}/columns"): Role.viewer,
    ("POST", "/api/v1/panels/{panel_id}/columns"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/columns/{column_id}"): Role.viewer,
    ("PATCH", "/api/v1/panels/{panel_id}/columns/{column_id}"): Role.editor,
    ("DELETE", "/api/v1/panels/{panel_id}/columns/{column_id}"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/views"): Role.viewer,
    ("POST", "/api/v1/panels/{panel_id}/views"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/views/{view_id}"): Role.viewer,
    ("PATCH", "/api/v1/panels/{panel_id}/views/{view_id}"): Role.editor,
    ("DELETE", "/api/v1/panels/{panel_id}/views/{view_id}"): Role.editor,
    ("GET", "/api/v1/users"): Role.admin,
    ("POST", "/api/v1/users"): Role.admin,
    ("GET", "/api/v1/users/{user_id}"): Role.admin,
    ("PATCH", "/api/v1/users/{user_id}"): Role.admin,
    ("DELETE", "/api/v1/users/{user_id}"): Role.admin,
    ("GET", "/api/v1/tokens"): Role.admin,
    ("POST", "/api/v1/tokens"): Role.admin,
    ("DELETE", "/api/v1/tokens/{token_id}"): Role.admin,
    ("GET", "/api/v1/audit"): Role.admin,
    ("POST", "/api/v1/panels/{panel_id}/syncs"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/rows"): Role.viewer,
    ("GET", "/api/v1/panels/{panel_id}/rows/export"): Role.viewer,
    ("GET", "/api/v1/panels/{panel_id}/aggregates"): Role.viewer,
    ("GET", "/api/v1/panels/{panel_id}/versions"): Role.viewer,
    ("GET", "/api/v1/panels/{panel_id}/syncs/{sync_id}"): Role.viewer,
    ("GET", "/api/v1/panels/{panel_id}/syncs"): Role.viewer,
    ("GET", "/api/v1/panels/{panel_id}/quality-rules"): Role.viewer,
    ("POST", "/api/v1/panels/{panel_id}/quality-rules"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/quality-rules/{rule_id}"): Role.viewer,
    ("PATCH", "/api/v1/panels/{panel_id}/quality-rules/{rule_id}"): Role.editor,
    ("DELETE", "/api/v1/panels/{panel_id}/quality-rules/{rule_id}"): Role.editor,
    ("GET", "/api/v1/panels/{panel_id}/checks"): Role.viewer,
    ("GET", "/api/v1/filter-operators"): Role.viewer,
    ("POST", "/api/v1/panels/{panel_id}/sources/preview"): Role.admin,
    ("POST", "/api/v1/panels/{panel_id}/sources/{source_id}/preview"): Role.admin,
    ("POST", "/api/v1/panels/{panel_id}/columns:from-source"): Role.editor,
    ("POST", "/api/v1/panels/{panel_id}/formula-preview"): Role.editor,
    ("GET", "/api/v1/formulas/functions"): Role.viewer,
    ("POST", "/api/v1/apply"): Role.admin,
    ("GET", "/api/v1/definitions"): Role.viewer,
    ("GET", "/api/v1/definitions/schema"): Role.viewer,
    ("GET", "/api/v1/webhooks"): Role.admin,
    ("POST", "/api/v1/webhooks"): Role.admin,
    ("GET", "/api/v1/webhooks/{webhook_id}"): Role.admin,
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): Role.admin,
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Role.admin,
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): Role.admin,
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): Role.admin,
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): Role.admin,
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): Role.admin,
}
# Routes that reach the Dagster webserver: none runs in this test, so allowed callers get 503
# (or 404 for an unknown run) while the others still get 403.
NEEDS_DAGSTER = {"/api/v1/panels/{panel_id}/syncs", "/api/v1/panels/{panel_id}/syncs/{sync_id}"}
# Routes that read the world's source, whose file is not there: allowed callers get the 422
# that names it (past the role check), the others 403.
READS_A_SOURCE = {
    "/api/v1/panels/{panel_id}/sources/preview",
    "/api/v1/panels/{panel_id}/sources/{source_id}/preview",
    "/api/v1/panels/{panel_id}/columns:from-source",
}


def api_routes(app) -> set[tuple[str, str]]:
    """Every operation the OpenAPI schema publishes under /api/v1."""
    out = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(API)
        for method in operations
    }
    return out - {("POST", "/api/v1/auth/token")}


def test_every_route_has_a_role_in_the_matrix(client) -> None:
    assert api_routes(client.app) == set(REQUIRED_ROLE)


@pytest.fixture(scope="module")
def matrix_tenant(make_tenant):
    return make_tenant()


@pytest.mark.parametrize(("method", "path"), sorted(REQUIRED_ROLE))
def test_role_matrix(client, matrix_tenant, method, path) -> None:
    t = matrix_tenant
    required = REQUIRED_ROLE[(method, path)]
    for role in Role:
        world = build_world(client, t)  # fresh objects: a DELETE must find its target
        body = BODIES.get((method, path), lambda: None)()
        response = client.request(method, fill(path, world), json=body, headers=t.headers[role])
        if role.allows(required) and path in NEEDS_DAGSTER:
            assert response.status_code in (503, 404), (role, response.text)
        elif role.allows(required) and path in READS_A_SOURCE:
            assert response.status_code == 422, (role, response.text)
            assert response.json()["errors"][0]["type"] == "source_unreadable"
        elif role.allows(required):
            assert response.status_code < 400, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["type"] == "forbidden"


@pytest.mark.parametrize(("method", "path"), sorted(p for p in REQUIRED_ROLE if "{" in p[1]))
def test_another_tenants_objects_are_404_on_every_route(
    client, tenant, other_tenant, method, path
) -> None:
    theirs = build_world(client, other_tenant)
    body = BODIES.get((method, path), lambda: None)()
    response = client.request(method, fill(path, theirs), json=body, headers=tenant.admin)
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "not_found"
    # Nothing about the object leaks, not even whether it exists.
    unknown = World(*(str(uuid.uuid4()) for _ in range(8)), delivery="999999999")
    missing = client.request(method, fill(path, unknown), json=body, headers=tenant.admin)
    assert missing.status_code == 404
    assert set(response.json()) == set(missing.json())
    # And the object is unchanged for its owner.
    for getter in (f"{API}/panels/{theirs.panel}", f"{API}/users/{theirs.user}"):
        assert client.get(getter, headers=other_tenant.admin).status_code == 200


@pytest.mark.parametrize("path", ["/panels", "/users", "/tokens", "/audit", "/webhooks"])
def test_lists_show_only_the_callers_tenant(client, tenant, other_tenant, path) -> None:
    build_world(client, tenant)
    theirs = build_world(client, other_tenant)
    listing = client.get(f"{API}{path}", headers=tenant.admin)
    assert listing.status_code == 200
    for foreign in (
        theirs.panel,
        theirs.user,
        theirs.token,
        theirs.webhook,
        str(other_tenant.id),
        other_tenant.slug,
    ):
        assert foreign not in listing.text


def test_a_jwt_for_one_tenant_cannot_name_another_tenants_panel_via_api_token(
    client, tenant, other_tenant
) -> None:
    theirs = build_world(client, other_tenant)
    token = client.post(
        f"{API}/tokens", json={"name": "x", "scopes": ["admin"]}, headers=tenant.admin
    ).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get(f"{API}/panels/{theirs.panel}", headers=headers).status_code == 404
