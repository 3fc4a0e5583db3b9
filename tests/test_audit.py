"""Every mutation writes an audit row with before/after; the outbox announces definition changes."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from models.db import sqlalchemy_url
from tests.builders import make_column, make_panel

API = "/api/v1"


def _audit(client, tenant, **params):
    response = client.get(f"{API}/audit", params=params, headers=tenant.admin)
    assert response.status_code == 200
    return response.json()["data"]


def test_panel_lifecycle_is_audited_with_before_and_after(client, tenant) -> None:
    panel = make_panel(client, tenant.editor, name="Before")
    url = f"{API}/panels/{panel['id']}"
    client.patch(url, json={"name": "After"}, headers=tenant.editor)
    client.delete(url, headers=tenant.editor)
    rows = _audit(client, tenant, object_type="panel", object_id=panel["id"])
    assert [r["action"] for r in rows] == ["delete", "update", "create"]  # newest first
    delete, update, create = rows
    assert create["before"] is None and create["after"]["name"] == "Before"
    assert update["before"]["name"] == "Before" and update["after"]["name"] == "After"
    assert delete["before"]["name"] == "After" and delete["after"] is None
    assert {r["actor_id"] for r in rows} == {str(tenant.users["editor"])}
    assert all(r["actor_type"] == "user" and r["request_id"] for r in rows)


def test_audit_request_id_matches_the_response_header(client, tenant) -> None:
    response = client.post(
        f"{API}/panels",
        json={"slug": "rid", "name": "x"},
        headers={**tenant.editor, "X-Request-ID": "trace-abc-123"},
    )
    assert response.headers["x-request-id"] == "trace-abc-123"
    (row,) = _audit(client, tenant, object_id=response.json()["id"])
    assert row["request_id"] == "trace-abc-123"


def test_api_token_actions_are_attributed_to_the_token(client, tenant) -> None:
    token = client.post(
        f"{API}/tokens", json={"name": "ci", "scopes": ["write"]}, headers=tenant.admin
    ).json()
    panel = client.post(
        f"{API}/panels",
        json={"slug": "by-token", "name": "x"},
        headers={"Authorization": f"Bearer {token['token']}"},
    ).json()
    (row,) = _audit(client, tenant, object_id=panel["id"])
    assert (row["actor_type"], row["actor_id"]) == ("token", token["id"])


def test_user_and_column_changes_are_audited(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    column = make_column(client, tenant.editor, panel["id"], key="a")
    client.patch(
        f"{API}/panels/{panel['id']}/columns/{column['id']}",
        json={"name": "Renamed"},
        headers=tenant.editor,
    )
    rows = _audit(client, tenant, object_type="column")
    assert [r["action"] for r in rows] == ["update", "create"]
    assert rows[0]["after"]["name"] == "Renamed"
    user = client.post(
        f"{API}/users", json={"email": "new@example.com", "role": "viewer"}, headers=tenant.admin
    ).json()
    client.patch(
        f"{API}/users/{user['id']}",
        json={"role": "editor", "password": "a-long-new-password"},
        headers=tenant.admin,
    )
    rows = _audit(client, tenant, object_type="user", object_id=user["id"])
    assert rows[0]["before"]["role"] == "viewer" and rows[0]["after"]["role"] == "editor"
    assert "password" not in str(rows)


def test_definition_changes_write_outbox_events(client, tenant, database_url) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"])
    client.delete(f"{API}/panels/{panel['id']}", headers=tenant.editor)
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, type, payload FROM panel_events WHERE panel_id = :p ORDER BY id"),
            {"p": panel["id"]},
        ).all()
    engine.dispose()
    assert [r.type for r in rows] == ["panel.updated", "panel.updated", "panel.deleted"]
    assert [r.payload["object_type"] for r in rows] == ["panel", "column", "panel"]
    assert [r.id for r in rows] == sorted(r.id for r in rows)


def test_the_last_admin_cannot_be_removed_or_demoted(client, tenant) -> None:
    admin_id = tenant.users["admin"]
    demote = client.patch(f"{API}/users/{admin_id}", json={"role": "editor"}, headers=tenant.admin)
    assert demote.status_code == 409
    assert "at least one active admin" in demote.json()["detail"]
    assert client.delete(f"{API}/users/{admin_id}", headers=tenant.admin).status_code == 409
    second = client.post(
        f"{API}/users", json={"email": "admin2@example.com", "role": "admin"}, headers=tenant.admin
    )
    assert second.status_code == 201
    assert second.json()["generated_password"]
    assert (
        client.delete(f"{API}/users/{second.json()['id']}", headers=tenant.admin).status_code == 204
    )
