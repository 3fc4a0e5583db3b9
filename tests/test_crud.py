"""CRUD round trips through HTTP for panels, sources, columns and views."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from models.db import sqlalchemy_url
from schemas.common import Page
from schemas.panels import PanelPublic
from tests.builders import make_column, make_panel, make_source, make_view

API = "/api/v1"


def test_panel_round_trip(client, tenant) -> None:
    panel = make_panel(
        client,
        tenant.editor,
        slug="flights",
        name="Flights",
        refresh_cron="*/15 * * * *",
        timezone="America/New_York",
    )
    url = f"{API}/panels/{panel['id']}"
    assert client.get(url, headers=tenant.viewer).json() == panel
    patched = client.patch(
        url, json={"name": "NYC flights", "description": "2013"}, headers=tenant.editor
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "NYC flights"
    assert patched.json()["slug"] == "flights"
    assert patched.json()["refresh_cron"] == "*/15 * * * *"
    assert client.delete(url, headers=tenant.editor).status_code == 204
    assert client.get(url, headers=tenant.viewer).status_code == 404


def test_panel_list_paginates_with_a_total(client, tenant) -> None:
    slugs = sorted(make_panel(client, tenant.editor)["slug"] for _ in range(5))
    page = client.get(f"{API}/panels?limit=2&offset=2", headers=tenant.viewer).json()
    assert page["count"] == 5
    assert [p["slug"] for p in page["data"]] == slugs[2:4]
    assert (page["limit"], page["offset"]) == (2, 2)
    past = client.get(f"{API}/panels?limit=2&offset=9", headers=tenant.viewer).json()
    assert (past["data"], past["count"]) == ([], 5)  # the total without a row to ride on


def test_the_panel_list_is_the_public_shape_byte_for_byte(client, tenant) -> None:
    # The list is serialised straight from its rows: exactly what the models would give.
    created = [make_panel(client, tenant.editor, description="é") for _ in range(3)]
    response = client.get(f"{API}/panels", headers=tenant.viewer)
    expected = Page[PanelPublic].model_validate_json(response.content).model_dump_json()
    assert response.content == expected.encode()
    assert response.json()["data"] == sorted(created, key=lambda p: p["slug"])


def test_duplicate_panel_slug_is_409(client, tenant, other_tenant) -> None:
    make_panel(client, tenant.editor, slug="dup")
    response = client.post(
        f"{API}/panels", json={"slug": "dup", "name": "again"}, headers=tenant.editor
    )
    assert response.status_code == 409
    assert response.json()["type"] == "conflict"
    # Slugs are per tenant: another tenant can use the same one.
    make_panel(client, other_tenant.editor, slug="dup")


def test_invalid_cron_and_timezone_name_the_field(client, tenant) -> None:
    response = client.post(
        f"{API}/panels",
        json={"slug": "a", "name": "a", "refresh_cron": "every day"},
        headers=tenant.editor,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.refresh_cron"
    response = client.post(
        f"{API}/panels",
        json={"slug": "a", "name": "a", "timezone": "Mars/Olympus"},
        headers=tenant.editor,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.timezone"
    assert "Mars/Olympus" in response.json()["errors"][0]["message"]


def test_source_secrets_are_encrypted_and_never_returned(client, tenant, database_url) -> None:
    panel = make_panel(client, tenant.editor)
    source = make_source(
        client,
        tenant.admin,
        panel["id"],
        kind="http",
        config={"url": "https://api.example.com/v1/items"},
        secrets={"headers": {"Authorization": "Bearer sup3r-s3cret"}},
    )
    assert source["has_secrets"] is True
    assert "secrets" not in source and "secret_config" not in source
    listed = client.get(f"{API}/panels/{panel['id']}/sources", headers=tenant.viewer)
    assert "sup3r-s3cret" not in listed.text
    audit = client.get(f"{API}/audit", headers=tenant.admin)
    assert "sup3r-s3cret" not in audit.text
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT secret_config FROM data_sources WHERE id = :id"), {"id": source["id"]}
        ).scalar_one()
    engine.dispose()
    assert stored and "sup3r-s3cret" not in stored
    # Clearing the secrets.
    url = f"{API}/panels/{panel['id']}/sources/{source['id']}"
    cleared = client.patch(url, json={"secrets": None}, headers=tenant.admin)
    assert cleared.json()["has_secrets"] is False


def test_source_config_is_checked_per_kind(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    response = client.post(
        f"{API}/panels/{panel['id']}/sources",
        json={"name": "db", "kind": "sql", "config": {"query": "select 1"}},
        headers=tenant.admin,
    )
    assert response.status_code == 422
    assert "secrets.url" in response.json()["detail"]
    ok = client.post(
        f"{API}/panels/{panel['id']}/sources",
        json={
            "name": "db",
            "kind": "sql",
            "config": {"query": "select 1"},
            "secrets": {"url": "postgresql://u:p@db/x"},
        },
        headers=tenant.admin,
    )
    assert ok.status_code == 201
    # Updating the query keeps the stored secret URL valid.
    patched = client.patch(
        f"{API}/panels/{panel['id']}/sources/{ok.json()['id']}",
        json={"config": {"query": "select 2"}},
        headers=tenant.admin,
    )
    assert patched.status_code == 200


def test_column_round_trip_and_mapping_formula_switch(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_source(client, tenant.admin, panel["id"], name="csv")
    first = make_column(
        client,
        tenant.editor,
        panel["id"],
        key="dep_delay",
        mapping={"source": "csv", "field": "dep_delay"},
    )
    second = make_column(
        client,
        tenant.editor,
        panel["id"],
        key="late",
        type="boolean",
        mapping=None,
        formula="{dep_delay} > 15",
    )
    assert (first["position"], second["position"]) == (0, 1)
    url = f"{API}/panels/{panel['id']}/columns/{second['id']}"
    switched = client.patch(url, json={"mapping": {"field": "late"}}, headers=tenant.editor)
    assert switched.status_code == 200
    assert switched.json()["formula"] is None
    assert switched.json()["mapping"]["field"] == "late"
    listed = client.get(f"{API}/panels/{panel['id']}/columns", headers=tenant.viewer).json()
    assert [c["key"] for c in listed["data"]] == ["dep_delay", "late"]
    assert client.delete(url, headers=tenant.editor).status_code == 204
    assert client.get(url, headers=tenant.viewer).status_code == 404


def test_column_needs_exactly_one_of_mapping_or_formula(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    both = {"key": "x", "name": "x", "type": "number", "mapping": {"field": "x"}, "formula": "1"}
    response = client.post(f"{API}/panels/{panel['id']}/columns", json=both, headers=tenant.editor)
    assert response.status_code == 422
    assert "exactly one" in response.json()["detail"]


def test_column_mapping_must_name_an_existing_source(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    body = {"key": "x", "name": "x", "type": "number", "mapping": {"source": "nope", "field": "x"}}
    response = client.post(f"{API}/panels/{panel['id']}/columns", json=body, headers=tenant.editor)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.mapping.source"


def test_view_round_trip_with_its_columns(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    a = make_column(client, tenant.editor, panel["id"], key="a")
    b = make_column(client, tenant.editor, panel["id"], key="b")
    c = make_column(client, tenant.editor, panel["id"], key="c")
    default = make_view(client, tenant.editor, panel["id"])
    assert [vc["column_id"] for vc in default["columns"]] == [a["id"], b["id"], c["id"]]

    view = make_view(
        client,
        tenant.editor,
        panel["id"],
        name="custom",
        sorts=[{"column": "b", "direction": "desc"}],
        group_by=["a"],
        aggregates=[{"column": "c", "function": "sum"}],
        filters={"and": [{"column": "a", "op": "gt", "value": 1}]},
        columns=[{"column_id": c["id"], "width": 120}, {"column_id": a["id"], "visible": False}],
    )
    assert [
        (vc["column_id"], vc["position"], vc["visible"], vc["width"]) for vc in view["columns"]
    ] == [(c["id"], 0, True, 120), (a["id"], 1, False, None)]
    url = f"{API}/panels/{panel['id']}/views/{view['id']}"
    reordered = client.patch(
        url,
        json={
            "columns": [
                {"column_id": a["id"]},
                {"column_id": b["id"]},
                {"column_id": c["id"], "width": 80},
            ]
        },
        headers=tenant.editor,
    )
    assert reordered.status_code == 200, reordered.text
    assert [(vc["column_id"], vc["width"]) for vc in reordered.json()["columns"]] == [
        (a["id"], None),
        (b["id"], None),
        (c["id"], 80),
    ]
    assert reordered.json()["sorts"] == [{"column": "b", "direction": "desc"}]
    assert client.get(url, headers=tenant.viewer).json() == reordered.json()
    # Deleting a column removes it from the views that showed it.
    client.delete(f"{API}/panels/{panel['id']}/columns/{b['id']}", headers=tenant.editor)
    assert [vc["column_id"] for vc in client.get(url, headers=tenant.viewer).json()["columns"]] == [
        a["id"],
        c["id"],
    ]
    assert client.delete(url, headers=tenant.editor).status_code == 204


def test_view_references_are_checked(client, tenant, other_tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"], key="a")
    base = f"{API}/panels/{panel['id']}/views"
    response = client.post(
        base, json={"name": "v", "sorts": [{"column": "zzz"}]}, headers=tenant.editor
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.sorts.0.column"
    # A column of another tenant's panel is unknown here.
    foreign_panel = make_panel(client, other_tenant.editor)
    foreign = make_column(client, other_tenant.editor, foreign_panel["id"], key="a")
    response = client.post(
        base, json={"name": "v", "columns": [{"column_id": foreign["id"]}]}, headers=tenant.editor
    )
    assert response.status_code == 422
    assert foreign_panel["id"] not in response.text


def test_a_view_is_saved_with_its_chart_and_a_chart_that_does_not_fit_is_refused(
    client, tenant
) -> None:
    panel = make_panel(client, tenant.editor)
    make_column(client, tenant.editor, panel["id"], key="carrier", type="text")
    make_column(client, tenant.editor, panel["id"], key="day", type="date")
    make_column(client, tenant.editor, panel["id"], key="delay")
    chart = {
        "kind": "line",
        "dimension": "day",
        "measure": {"column": "delay", "function": "avg"},
        "bucket": "month",
    }
    view = make_view(client, tenant.editor, panel["id"], chart=chart)
    assert view["chart"] == chart
    url = f"{API}/panels/{panel['id']}/views/{view['id']}"
    bar = {"kind": "bar", "dimension": "carrier", "measure": None, "bucket": None}
    changed = client.patch(url, json={"chart": bar}, headers=tenant.editor)
    assert changed.status_code == 200, changed.text
    assert client.get(url, headers=tenant.viewer).json()["chart"] == bar
    assert client.patch(url, json={"chart": None}, headers=tenant.editor).json()["chart"] is None
    plain = make_view(client, tenant.editor, panel["id"])
    assert plain["chart"] is None
    spaced = make_view(
        client,
        tenant.editor,
        panel["id"],
        chart={"kind": "histogram", "dimension": "delay", "bucket": " 5 "},
    )
    assert spaced["chart"]["bucket"] == "5"

    base = f"{API}/panels/{panel['id']}/views"
    for wrong, field, message in [
        ({"kind": "line", "dimension": "carrier"}, "body.chart.dimension", "date or datetime"),
        ({"kind": "histogram", "dimension": "day"}, "body.chart.dimension", "integer or number"),
        ({"kind": "bar", "dimension": "carier"}, "body.chart.dimension", "carrier"),
        (
            {
                "kind": "bar",
                "dimension": "day",
                "measure": {"column": "carrier", "function": "sum"},
            },
            "body.chart.measure.function",
            "needs a number column",
        ),
        ({"kind": "line", "dimension": "day", "bucket": "mont"}, "body.chart.bucket", "quarter"),
        (
            {"kind": "histogram", "dimension": "delay", "bucket": "0"},
            "body.chart.bucket",
            "above 0",
        ),
        ({"kind": "bar", "dimension": "day", "bucket": "month"}, "body.chart.bucket", "no bucket"),
    ]:
        response = client.post(base, json={"name": "c", "chart": wrong}, headers=tenant.editor)
        assert response.status_code == 422, (wrong, response.text)
        error = response.json()["errors"][0]
        assert error["field"] == field, (wrong, error)
        assert message in response.text, (wrong, response.text)
    unknown = client.post(
        base,
        json={"name": "c", "chart": {"kind": "pie", "dimension": "day"}},
        headers=tenant.editor,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.chart.kind"
    extra = client.post(
        base,
        json={"name": "c", "chart": {"kind": "bar", "dimension": "day", "colour": "red"}},
        headers=tenant.editor,
    )
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["field"] == "body.chart.colour"


def test_deleting_a_panel_deletes_its_definition(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    make_source(client, tenant.admin, panel["id"])
    make_column(client, tenant.editor, panel["id"])
    make_view(client, tenant.editor, panel["id"])
    assert client.delete(f"{API}/panels/{panel['id']}", headers=tenant.editor).status_code == 204
    for child in ("sources", "columns", "views"):
        assert (
            client.get(f"{API}/panels/{panel['id']}/{child}", headers=tenant.viewer).status_code
            == 404
        )
