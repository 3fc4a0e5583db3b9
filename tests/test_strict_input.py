"""Unknown fields and query parameters are refused (422) with the name that was meant."""

from __future__ import annotations

from tests.builders import make_column, make_panel, make_view

API = "/api/v1"


def _problem(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    [error] = [e for e in body["errors"] if e["field"] == field]
    return error


def test_a_view_with_misspelt_fields_is_refused_naming_the_field_meant(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    response = client.post(
        f"{API}/panels/{panel['id']}/views",
        json={"name": "x", "filter": {"and": []}, "sort": [{"column": "a"}]},
        headers=tenant.editor,
    )
    error = _problem(response, "body.filter")
    assert error["message"] == '"filter" is not a field; did you mean "filters"?'
    assert error["hint"] == 'did you mean "filters"?'
    assert error["type"] == "extra_forbidden"
    assert _problem(response, "body.sort")["message"].endswith('did you mean "sorts"?')
    assert '"filter" is not a field' in response.json()["detail"]
    views = client.get(f"{API}/panels/{panel['id']}/views", headers=tenant.viewer).json()
    assert views["count"] == 0  # nothing was saved


def test_nested_shapes_refuse_unknown_fields(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"], key="delay")
    response = client.post(
        f"{API}/panels/{panel['id']}/views",
        json={"name": "x", "sorts": [{"column": "delay", "direction": "desc", "dir": "x"}]},
        headers=tenant.editor,
    )
    assert _problem(response, "body.sorts.0.dir")["message"].startswith('"dir" is not a field')
    response = client.post(
        f"{API}/panels/{panel['id']}/columns",
        json={"key": "k", "name": "k", "type": "text", "mapping": {"field": "k", "cats": "x"}},
        headers=tenant.editor,
    )
    assert _problem(response, "body.mapping.cats")["message"] == (
        '"cats" is not a field; did you mean "cast"?'
    )


def test_a_misspelt_panel_field_changes_nothing_and_says_so(client, tenant) -> None:
    panel = make_panel(client, tenant.editor, refresh_cron="0 6 * * *")
    response = client.patch(
        f"{API}/panels/{panel['id']}",
        json={"refresh_corn": "*/5 * * * *"},
        headers=tenant.editor,
    )
    assert _problem(response, "body.refresh_corn")["hint"] == 'did you mean "refresh_cron"?'
    again = client.get(f"{API}/panels/{panel['id']}", headers=tenant.viewer).json()
    assert again["refresh_cron"] == "0 6 * * *"


def test_a_sync_with_an_unknown_option_does_not_start(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    response = client.post(
        f"{API}/panels/{panel['id']}/syncs", json={"formula_only": True}, headers=tenant.editor
    )
    assert _problem(response, "body.formula_only")["hint"] == 'did you mean "formulas_only"?'


def test_unknown_query_parameters_are_refused_with_the_one_meant(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    rows = f"{API}/panels/{panel['id']}/rows"
    response = client.get(f"{rows}?filters=%7B%7D", headers=tenant.viewer)
    error = _problem(response, "query.filters")
    assert error["message"] == '"filters" is not a query parameter; did you mean "filter"?'
    response = client.get(f"{API}/panels?limt=5", headers=tenant.viewer)
    assert _problem(response, "query.limt")["hint"] == 'did you mean "limit"?'
    response = client.get(f"{API}/panels?whatever=1", headers=tenant.viewer)
    assert _problem(response, "query.whatever")["hint"] is None


def test_a_parameter_given_twice_is_refused(client, tenant) -> None:
    response = client.get(f"{API}/panels?limit=5&limit=6", headers=tenant.viewer)
    assert (
        _problem(response, "query.limit")["message"]
        == '"limit" is given more than once; give it once'
    )


def test_declared_parameters_still_work(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_view(client, tenant.editor, panel["id"], name="all")
    response = client.get(f"{API}/panels?limit=1&offset=0", headers=tenant.viewer)
    assert response.status_code == 200, response.text


def test_openapi_says_additional_properties_false(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in (
        "ViewCreate",
        "ViewUpdate",
        "PanelCreate",
        "PanelUpdate",
        "SortSpec",
        "ColumnMapping",
        "SourceCreate",
        "SyncCreate",
        "QualityRuleCreate",
    ):
        assert schemas[name]["additionalProperties"] is False, name
