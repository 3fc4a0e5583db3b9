"""One error body for every failure, naming the field; no stack traces, no foreign data."""

from __future__ import annotations

import uuid

API = "/api/v1"
PROBLEM_KEYS = {"type", "title", "status", "detail", "errors", "request_id"}


def test_validation_errors_name_each_field(client, tenant) -> None:
    response = client.post(
        f"{API}/panels", json={"slug": "Not A Slug!", "name": ""}, headers=tenant.editor
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["type"] == "validation_error"
    assert {e["field"] for e in body["errors"]} == {"body.slug", "body.name"}
    assert body["request_id"] == response.headers["x-request-id"]


def test_malformed_json_is_a_422_not_a_500(client, tenant) -> None:
    response = client.post(
        f"{API}/panels",
        content=b"{not json",
        headers={**tenant.editor, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert set(response.json()) == PROBLEM_KEYS


def test_bad_path_parameter_names_it(client, tenant) -> None:
    response = client.get(f"{API}/panels/Not a slug!", headers=tenant.viewer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.panel_id"
    assert response.json()["errors"][0]["message"] == "not a panel id or slug"
    # Shaped like a slug: looked up, and not there.
    response = client.get(f"{API}/panels/not-a-uuid", headers=tenant.viewer)
    assert response.status_code == 404
    assert response.json()["detail"] == "no panel 'not-a-uuid'"


def test_unknown_route_and_method_use_the_same_shape(client, tenant) -> None:
    missing = client.get(f"{API}/nothing-here", headers=tenant.viewer)
    assert missing.status_code == 404 and set(missing.json()) == PROBLEM_KEYS
    wrong = client.put(f"{API}/panels", headers=tenant.viewer)
    assert wrong.status_code == 405 and wrong.json()["type"] == "method_not_allowed"


def test_not_found_names_the_object(client, tenant) -> None:
    panel_id = uuid.uuid4()
    response = client.get(f"{API}/panels/{panel_id}", headers=tenant.viewer)
    assert response.status_code == 404
    assert response.json()["detail"] == f"panel {panel_id} does not exist"


def test_limit_is_capped_and_validated(client, tenant) -> None:
    assert client.get(f"{API}/panels?limit=0", headers=tenant.viewer).status_code == 422
    page = client.get(f"{API}/panels?limit=100000", headers=tenant.viewer).json()
    assert page["limit"] == 500


def test_openapi_documents_the_error_shape_and_examples(client) -> None:
    schema = client.get("/openapi.json").json()
    create = schema["paths"]["/api/v1/panels"]["post"]
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Problem"
    )
    assert "examples" in schema["components"]["schemas"]["PanelCreate"]["properties"]["slug"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
