"""Formulas are checked when columns are saved: 422 naming the position, the problem, a hint."""

from __future__ import annotations

from tests.builders import make_column, make_panel

API = "/api/v1"


def _formula(client, tenant, panel_id, formula, key="f", type_="number"):
    body = {"key": key, "name": key.title(), "type": type_, "formula": formula}
    return client.post(f"{API}/panels/{panel_id}/columns", json=body, headers=tenant.editor)


def test_a_valid_formula_is_saved(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(
        client, tenant.editor, panel["id"], key="dep_delay", name="Dep delay", type="integer"
    )
    response = _formula(client, tenant, panel["id"], "{Dep delay} - AVG_ALL({dep_delay})")
    assert response.status_code == 201, response.text


def test_unknown_column_is_a_422_with_position_and_suggestion(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(
        client, tenant.editor, panel["id"], key="dep_delay", name="Dep delay", type="integer"
    )
    response = _formula(client, tenant, panel["id"], "1 + {Dep dealy}")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "body.formula"
    assert error["type"] == "formula_error"
    assert error["message"] == "unknown column {Dep dealy}"
    assert (error["position"], error["line"], error["column"]) == (4, 1, 5)
    assert error["hint"] == "did you mean {Dep delay}?"
    assert "line 1, column 5" in response.json()["detail"]


def test_type_mismatch_names_both_types(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"], key="carrier", type="text")
    response = _formula(client, tenant, panel["id"], "ROUND({carrier}, 1)")
    assert response.status_code == 422
    assert (
        response.json()["errors"][0]["message"] == "ROUND() argument 1 must be a number, not text"
    )
    response = _formula(client, tenant, panel["id"], '"late"', type_="number")
    assert (
        response.json()["errors"][0]["message"] == "the formula gives text but the column is number"
    )


def test_a_cycle_is_rejected_and_named(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    a = _formula(client, tenant, panel["id"], "1", key="a").json()
    assert _formula(client, tenant, panel["id"], "{a} + 1", key="b").status_code == 201
    response = client.patch(
        f"{API}/panels/{panel['id']}/columns/{a['id']}",
        json={"formula": "{b} * 2"},
        headers=tenant.editor,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "formula_cycle"
    assert (
        "a -> b -> a" in response.json()["errors"][0]["message"]
        or "b -> a -> b" in response.json()["detail"]
    )


def test_renaming_or_deleting_a_column_a_formula_uses_is_refused(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    base = make_column(client, tenant.editor, panel["id"], key="price", type="number")
    assert _formula(client, tenant, panel["id"], "{price} * 2", key="double").status_code == 201
    renamed = client.patch(
        f"{API}/panels/{panel['id']}/columns/{base['id']}",
        json={"key": "cost", "name": "Cost"},
        headers=tenant.editor,
    )
    assert renamed.status_code == 422
    assert "formula of column 'double' would break" in renamed.json()["detail"]
    deleted = client.delete(
        f"{API}/panels/{panel['id']}/columns/{base['id']}", headers=tenant.editor
    )
    assert deleted.status_code == 409
    assert "used by a formula" in deleted.json()["detail"]


def test_lookup_resolves_other_panels_of_the_same_tenant_only(client, tenant, other_tenant) -> None:
    airlines = make_panel(client, tenant.editor, slug="airlines")
    make_column(client, tenant.editor, airlines["id"], key="carrier", type="text")
    make_column(client, tenant.editor, airlines["id"], key="name", type="text")
    flights = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, flights["id"], key="carrier", type="text")
    ok = _formula(
        client,
        tenant,
        flights["id"],
        'LOOKUP("airlines", "carrier", {carrier}, "name")',
        type_="text",
    )
    assert ok.status_code == 201, ok.text
    theirs = make_panel(client, other_tenant.editor)
    make_column(client, other_tenant.editor, theirs["id"], key="carrier", type="text")
    response = _formula(
        client,
        other_tenant,
        theirs["id"],
        'LOOKUP("airlines", "carrier", {carrier}, "name")',
        type_="text",
    )
    assert response.status_code == 422
    assert "panel 'airlines' has no column 'carrier'" in response.json()["errors"][0]["message"]
