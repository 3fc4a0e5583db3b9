"""Messages that say what is wrong: failed versions, old versions' columns, closest names."""

from __future__ import annotations

import json

import pytest

from tests.pipeline_fixtures import write


@pytest.fixture
def delays(kit, sync_settings, files):
    data = write(files / "delays.csv", "id,carrier,delay\n1,AA,5\n")
    k = kit()
    k.source(name="d", kind="file", config={"path": "delays.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    k.column("delay", "integer")
    k.data = data
    assert k.sync().success
    return k


def _rows(k, **params):
    return k.client.get(f"{k.url}/rows", params=params, headers=k.tenant.viewer)


def _error(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def test_a_failed_version_says_it_failed_and_which_can_be_read(delays) -> None:
    k = delays
    rule = {"name": "small", "kind": "between", "column": "delay", "params": {"max": 60}}
    assert k.client.post(f"{k.url}/quality-rules", json=rule, headers=k.tenant.editor).is_success
    write(k.data, "id,carrier,delay\n1,AA,500\n")
    assert not k.sync(raise_on_error=False).success
    body = _error(_rows(k, version=2), 404)
    assert body["detail"] == (
        "version 2 failed: its sync did not publish it; versions that can be read: 1"
    )
    assert _error(_rows(k, version=7), 404)["detail"] == (
        "version 7 does not exist; versions that can be read: 1"
    )


def test_an_old_version_lacks_a_column_added_since(delays) -> None:
    k = delays
    k.column("late", "boolean", formula="{delay} > 10")
    assert k.sync().success
    body = _error(_rows(k, version=1, columns="id,late"))
    assert body["errors"][0]["field"] == "query.columns.1"
    assert body["errors"][0]["message"] == "version 1 has no column 'late'"
    assert _rows(k, columns="id,late").status_code == 200


def test_a_misspelt_filter_column_gets_the_closest_name(delays) -> None:
    k = delays
    condition = {"column": "dealy", "op": "gt", "value": 1}
    body = _error(_rows(k, filter=json.dumps(condition)))
    (error,) = body["errors"]
    assert error["field"] == "query.filter.column"
    assert error["message"] == "the panel has no column 'dealy'; did you mean \"delay\"?"
    assert error["hint"] == 'did you mean "delay"?'
    sort = _error(_rows(k, sort="-carier"))["errors"][0]
    assert sort["hint"] == 'did you mean "carrier"?'
    aggregate = k.client.get(
        f"{k.url}/aggregates", params={"aggregates": "avg:dely"}, headers=k.tenant.viewer
    )
    assert _error(aggregate)["errors"][0]["hint"] == 'did you mean "delay"?'
    function = k.client.get(
        f"{k.url}/aggregates", params={"aggregates": "mediam:delay"}, headers=k.tenant.viewer
    )
    assert _error(function)["errors"][0]["hint"] == 'did you mean "median"?'


def test_a_misspelt_operator_or_condition_field_is_named(delays) -> None:
    k = delays
    op = _error(_rows(k, filter=json.dumps({"column": "delay", "op": "gte ", "value": 1})))
    assert op["errors"][0]["field"] == "query.filter.op"
    assert op["errors"][0]["hint"] == 'did you mean "gte"?'
    key = _error(_rows(k, filter=json.dumps({"column": "delay", "operator": "gt", "value": 1})))
    assert key["errors"][0]["field"] == "query.filter.operator"
    assert key["errors"][0]["hint"] == 'did you mean "op"?'
    group = _error(_rows(k, filter=json.dumps({"and": [], "column": "delay"})))
    assert group["errors"][0]["field"] == "query.filter.column"
    assert "alone" in group["errors"][0]["message"]
    no_value = _error(_rows(k, filter=json.dumps({"column": "delay", "op": "gt"})))
    assert no_value["errors"][0]["message"] == "gt needs a value"


def test_a_saved_view_with_a_misspelt_filter_column_is_refused_with_a_hint(delays) -> None:
    k = delays
    body = {"name": "late", "filters": {"and": [{"column": "dely", "op": "gt", "value": 3}]}}
    response = k.client.post(f"{k.url}/views", json=body, headers=k.tenant.editor)
    (error,) = _error(response)["errors"]
    assert error["field"] == "body.filters.and.0.column"
    assert error["hint"] == 'did you mean "delay"?'


def test_rule_messages_use_the_right_article_and_hint(delays) -> None:
    k = delays
    rule = {"name": "r", "kind": "between", "column": "carrier", "params": {"max": 1}}
    response = k.client.post(f"{k.url}/quality-rules", json=rule, headers=k.tenant.editor)
    assert "between needs an integer or number column" in _error(response)["detail"]
    rule = {"name": "r", "kind": "not_null", "column": "carier"}
    response = k.client.post(f"{k.url}/quality-rules", json=rule, headers=k.tenant.editor)
    assert _error(response)["errors"][0]["hint"] == 'did you mean "carrier"?'
    rule = {"name": "r", "kind": "between", "column": "delay", "params": {"maximum": 1}}
    response = k.client.post(f"{k.url}/quality-rules", json=rule, headers=k.tenant.editor)
    error = _error(response)["errors"][0]
    assert error["field"] == "body.params.maximum"
    assert error["hint"] == 'did you mean "max"?'
