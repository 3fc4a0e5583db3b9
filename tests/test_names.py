"""Panels by slug, views by name, columns by key: wherever an id is taken."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

from tests.builders import make_column, make_panel, make_view
from tests.live import api_server

API = "/api/v1"


@pytest.fixture
def flights(client, tenant):
    panel = make_panel(client, tenant.editor, slug="flights", name="Flights")
    delay = make_column(client, tenant.editor, panel["id"], key="dep_delay")
    make_column(client, tenant.editor, panel["id"], key="carrier", type="text")
    view = make_view(client, tenant.editor, panel["id"], name="Late departures")
    return panel, delay, view


def test_a_panel_is_reached_by_its_slug_on_every_route(client, tenant, flights) -> None:
    panel, delay, view = flights
    by_slug = client.get(f"{API}/panels/flights", headers=tenant.viewer)
    assert by_slug.status_code == 200, by_slug.text
    assert by_slug.json() == client.get(f"{API}/panels/{panel['id']}", headers=tenant.viewer).json()
    columns = client.get(f"{API}/panels/flights/columns", headers=tenant.viewer).json()
    assert {c["key"] for c in columns["data"]} == {"dep_delay", "carrier"}
    column = client.get(f"{API}/panels/flights/columns/dep_delay", headers=tenant.viewer)
    assert column.json()["id"] == delay["id"]
    renamed = client.patch(
        f"{API}/panels/flights/views/Late departures",
        json={"name": "Late"},
        headers=tenant.editor,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["id"] == view["id"]
    rows = client.get(f"{API}/panels/flights/rows", params={"view": "Late"}, headers=tenant.viewer)
    assert rows.status_code == 200, rows.text


def test_a_misspelt_name_is_a_404_with_the_closest_name(client, tenant, flights) -> None:
    response = client.get(f"{API}/panels/flihgts", headers=tenant.viewer)
    assert response.status_code == 404
    assert response.json()["detail"] == "no panel 'flihgts'; did you mean \"flights\"?"
    response = client.get(f"{API}/panels/flights/columns/dep_dealy", headers=tenant.viewer)
    assert response.json()["detail"] == (
        "no column 'dep_dealy' in this panel; did you mean \"dep_delay\"?"
    )
    rows = client.get(
        f"{API}/panels/flights/rows", params={"view": "Late departure"}, headers=tenant.viewer
    )
    assert rows.status_code == 404
    assert rows.json()["detail"].endswith('did you mean "Late departures"?')


def test_another_tenants_slug_is_a_404_that_names_nothing_of_theirs(
    client, tenant, other_tenant, flights
) -> None:
    make_panel(client, other_tenant.editor, slug="secret-plans")
    response = client.get(f"{API}/panels/secret-plans", headers=tenant.viewer)
    assert response.status_code == 404
    assert "did you mean" not in response.json()["detail"]
    response = client.get(f"{API}/panels/flights", headers=other_tenant.viewer)
    assert response.status_code == 404
    assert response.json()["detail"] == "no panel 'flights'"


def test_a_name_needs_credentials_like_an_id(client, flights) -> None:
    assert client.get(f"{API}/panels/flights").status_code == 401


def test_view_columns_are_given_by_key(client, tenant, flights) -> None:
    _, delay, _ = flights
    body = {"name": "keys", "columns": [{"column": "dep_delay"}, {"column": "carrier"}]}
    view = client.post(f"{API}/panels/flights/views", json=body, headers=tenant.editor)
    assert view.status_code == 201, view.text
    assert view.json()["columns"][0]["column_id"] == delay["id"]
    body = {"name": "bad", "columns": [{"column": "dep_dly"}]}
    bad = client.post(f"{API}/panels/flights/views", json=body, headers=tenant.editor)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["hint"] == 'did you mean "dep_delay"?'
    both = {"name": "both", "columns": [{"column": "carrier", "column_id": delay["id"]}]}
    assert (
        client.post(f"{API}/panels/flights/views", json=both, headers=tenant.editor).status_code
        == 422
    )


def test_openapi_says_ids_or_names(client) -> None:
    spec = client.get("/openapi.json").json()
    (parameter,) = [
        p
        for p in spec["paths"]["/api/v1/panels/{panel_id}"]["get"]["parameters"]
        if p["name"] == "panel_id"
    ]
    assert parameter["description"] == "The panel's id or its slug"
    assert {"type": "string"} in parameter["schema"]["anyOf"]


def test_a_websocket_subscribes_by_slug_and_view_name(database_url, tenant, flights) -> None:
    panel, _, view = flights
    with (
        api_server(database_url) as server,
        connect(server.ws, additional_headers=tenant.viewer, open_timeout=10) as ws,
    ):
        ws.send(
            json.dumps({"type": "subscribe", "panel_id": "flights", "view_id": "Late departures"})
        )
        message = _next(ws, {"subscribed", "error"})
        assert message == {"type": "subscribed", "panel_id": panel["id"], "view_id": view["id"]}
        ws.send(json.dumps({"type": "subscribe", "panel_id": "flight"}))
        error = _next(ws, {"subscribed", "error"})
        assert error["code"] == "not_found"
        assert error["detail"] == 'panel flight does not exist; did you mean "flights"?'
        ws.send(json.dumps({"type": "subscribe", "panel": "flights"}))
        refused = _next(ws, {"error"})
        assert '"panel" is not a field of subscribe; did you mean "panel_id"?' in refused["detail"]


def _next(ws, types: set[str]) -> dict:
    for _ in range(20):
        message = json.loads(ws.recv(timeout=15))
        if message.get("type") in types:
            return message
    raise AssertionError(f"no {types} message")
