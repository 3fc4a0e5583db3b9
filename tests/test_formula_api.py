"""Formulas are checked when columns are saved: 422 naming the position, the problem, a hint."""

from __future__ import annotations

import pytest

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


# --- the catalogue and previews --------------------------------------------------------------
def test_the_function_catalogue_is_the_engines(client, tenant) -> None:
    from formulas.functions import load

    response = client.get(f"{API}/formulas/functions", headers=tenant.viewer)
    assert response.status_code == 200
    body = response.json()
    by_name = {f["name"]: f for f in body["data"]}
    assert body["count"] == len(body["data"]) == len(by_name)
    assert set(load()) | {"LOOKUP", "SUM_ALL"} <= set(by_name)
    assert by_name["ROUND"] == {
        "name": "ROUND",
        "category": "numbers",
        "usage": "ROUND(value, precision)",
        "description": "to precision decimal places, ties toward +infinity",
        "returns": "number",
        "min_args": 2,
        "max_args": 2,
        "example": "ROUND(1.99, 0)",
        "example_result": "2",
    }
    assert by_name["CONCAT"]["max_args"] is None
    refused = client.get(
        f"{API}/formulas/functions", params={"category": "x"}, headers=tenant.viewer
    )
    assert refused.status_code == 422
    assert client.get(f"{API}/formulas/functions").status_code == 401


PREVIEW_CSV = "id,carrier,delay,day\n" + "\n".join(
    f"{i},{'AA' if i % 2 else ''},{i * 10 - 30},2024-03-{i:02d}" for i in range(1, 8)
)


@pytest.fixture
def previewed(kit, files):
    (files / "preview.csv").write_text(PREVIEW_CSV + "\n")
    k = kit()
    k.source(name="r", kind="file", config={"path": "preview.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    k.column("delay", "integer")
    k.column("day", "date")
    k.column("hours", "number", formula="{delay} / 60")
    assert k.sync().success
    return k


def _preview(k, role="editor", **body):
    return k.client.post(f"{k.url}/formula-preview", json=body, headers=getattr(k.tenant, role))


def test_a_preview_evaluates_the_first_rows_of_the_current_version(previewed) -> None:
    response = _preview(previewed, formula="IF({Carrier}, {Delay} / 0, WORKDAY({day}, 1))", limit=3)
    assert response.status_code == 422  # number and date do not mix: refused as a save would be
    assert response.json()["errors"][0]["field"] == "body.formula"

    response = _preview(previewed, formula='IFERROR(100 / {Delay}, "n/a")', limit=3)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "text" and body["formula_type"] == "text"
    assert body["columns"] == ["delay"] and body["version"] == 1
    assert body["complete"] is False and body["errors"] == 0 and body["notes"] == []
    assert [(r["inputs"], r["value"], r["error"]) for r in body["rows"]] == [
        ({"delay": -20}, "-5", False),
        ({"delay": -10}, "-10", False),
        ({"delay": 0}, "n/a", False),
    ]
    errors = _preview(previewed, formula="100 / {Delay}", type="number", limit=10).json()
    assert errors["complete"] is True and len(errors["rows"]) == 7
    assert errors["errors"] == 1
    assert [r["value"] for r in errors["rows"]][:4] == [-5.0, -10.0, None, 10.0]
    assert errors["rows"][2]["error"] is True
    # Formula columns are read as stored, and dates come back as dates.
    reads = _preview(previewed, formula="WORKDAY({day}, {hours} * 6)", limit=2).json()
    assert reads["type"] == "date" and reads["columns"] == ["day", "hours"]
    assert [r["value"] for r in reads["rows"]] == [
        "2024-02-28",
        "2024-03-01",
    ]  # 03-02 is a Saturday


def test_a_preview_checks_as_a_save_would_and_saves_nothing(previewed) -> None:
    k = previewed
    bad = _preview(k, formula="ROUND({delya} / 60)")
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert error["field"] == "body.formula" and error["position"] == 6
    assert error["hint"] == "did you mean {delay} or {day}?"  # once each, not by name and key
    assert _preview(k, formula="{delay} & 'h'", type="number").status_code == 422
    # Editing the column "hours": using itself, or a column that uses it, is a cycle.
    k.column("days", "number", formula="{hours} / 24")
    cycle = _preview(k, formula="{days} * 24", key="hours")
    assert cycle.status_code == 422 and "cycle" in cycle.json()["detail"]
    own = _preview(k, formula="{delay} / 3600", key="hours").json()
    assert own["rows"][0]["value"] == -20 / 3600
    assert _preview(k, formula="1", nope=1).status_code == 422
    assert _preview(k, formula="1", limit=0).status_code == 422
    assert _preview(k, role="viewer", formula="1").status_code == 403
    columns = k.client.get(f"{k.url}/columns", headers=k.tenant.viewer).json()["data"]
    assert [c["key"] for c in columns] == ["id", "carrier", "delay", "day", "hours", "days"]
    assert next(c for c in columns if c["key"] == "hours")["formula"] == "{delay} / 60"


def test_a_preview_says_what_a_sync_would_compute_differently(
    previewed, tenant, other_tenant
) -> None:
    k = previewed
    body = _preview(k, formula="{delay} - AVG_ALL({delay})", limit=2).json()
    assert [r["value"] for r in body["rows"]] == [-5.0, 5.0]
    assert body["notes"] and "over the previewed rows only" in body["notes"][0]
    k.column("late", "boolean", field="late")  # added after the version: no values yet
    later = _preview(k, formula="IF({late}, 1, 0)", limit=1).json()
    assert later["rows"][0]["value"] == 0.0
    assert "version 1 has no column late" in later["notes"][0]
    other = k.client.post(
        f"{k.url}/formula-preview", json={"formula": "1"}, headers=other_tenant.editor
    )
    assert other.status_code == 404


def test_a_panel_without_a_version_previews_no_rows(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"], key="amount", type="number")
    response = client.post(
        f"{API}/panels/{panel['id']}/formula-preview",
        json={"formula": "ROUND({amount}, 1)"},
        headers=tenant.editor,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [] and body["version"] is None and body["type"] == "number"
    assert "no published version" in body["notes"][0]


def test_a_preview_looks_up_another_panel_of_the_tenant(previewed, kit, files) -> None:
    (files / "carriers.csv").write_text("code,name\nAA,American\nUA,United\n")
    other = kit()
    other.source(name="c", kind="file", config={"path": "carriers.csv"})
    other.column("code", "text")
    other.column("name", "text")
    assert other.sync().success
    slug = other.panel["slug"]
    formula = f'LOOKUP("{slug}", "code", {{carrier}}, "name")'
    body = _preview(previewed, formula=formula, limit=3).json()
    assert [(r["inputs"], r["value"]) for r in body["rows"]] == [
        ({"carrier": "AA"}, "American"),
        ({"carrier": None}, None),
        ({"carrier": "AA"}, "American"),
    ]
