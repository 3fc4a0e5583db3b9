"""Panels as code: a document planned and applied over HTTP and through the CLI, all or
nothing, through the API's own checks; exported definitions plan to no change."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.storage import tenant_files
from tests.pipeline_fixtures import write

API = "/api/v1"
CSV = "id,name,price,day\n1,apple,1.5,2024-01-31\n2,pear,,2024-02-01\n"


def document(slug: str = "fruit") -> dict[str, Any]:
    return {
        "panels": [
            {
                "slug": slug,
                "name": "Fruit",
                "refresh_cron": "0 * * * *",
                "timezone": "Europe/Paris",
                "sources": [{"name": "fruit", "kind": "file", "config": {"path": "fruit.csv"}}],
                "columns": [
                    {"key": "id", "type": "integer", "mapping": {"field": "id"}},
                    {"key": "name", "name": "Name", "type": "text", "mapping": {"field": "name"}},
                    {"key": "price", "type": "number", "mapping": {"field": "price"}},
                    # A formula reading a column declared after it.
                    {"key": "label", "type": "text", "formula": "{Name} & ' ' & {twice}"},
                    {"key": "twice", "type": "number", "formula": "{price} * 2"},
                ],
                "views": [
                    {
                        "name": "Dear",
                        "columns": ["name", {"column": "price", "width": 120}],
                        "filters": {"column": "price", "op": "gt", "value": 1},
                        "sorts": [{"column": "price", "direction": "desc"}],
                    }
                ],
                "rules": [
                    {"name": "ids", "kind": "not_null", "column": "id"},
                    {"name": "prices", "kind": "between", "column": "price", "params": {"min": 0}},
                ],
            }
        ]
    }


def post(client: Any, tenant: Any, doc: dict[str, Any], **flags: Any) -> Any:
    return client.post(f"{API}/apply", json={"document": doc, **flags}, headers=tenant.admin)


def last_line(result: dict[str, Any]) -> str:
    return str(result["text"].splitlines()[-1])


@pytest.fixture
def fruit_files(settings, tenant) -> Path:
    path = tenant_files(settings.data_root, tenant.slug)
    path.mkdir(parents=True, exist_ok=True)
    write(path / "fruit.csv", CSV)
    return path


def _events(database_url: str, panel_id: str) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT type, payload->>'object_type' FROM panel_events WHERE panel_id = %s"
            " ORDER BY id",
            (panel_id,),
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def test_a_document_is_planned_then_applied_and_then_plans_to_no_change(
    client, tenant, fruit_files, database_url
) -> None:
    doc = document()
    planned = post(client, tenant, doc, dry_run=True)
    assert planned.status_code == 200, planned.text
    body = planned.json()
    assert last_line(body) == "10 to create, 0 to update, 0 to delete"
    assert body["applied"] is False
    assert "+ panel fruit" in body["text"] and "+ column fruit.label" in body["text"]
    # A dry run changed nothing.
    assert client.get(f"{API}/panels", headers=tenant.viewer).json()["data"] == []

    applied = post(client, tenant, doc)
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] is True
    (panel,) = client.get(f"{API}/panels", headers=tenant.viewer).json()["data"]
    assert panel["refresh_cron"] == "0 * * * *" and panel["timezone"] == "Europe/Paris"
    columns = client.get(f"{API}/panels/{panel['id']}/columns", headers=tenant.viewer).json()
    assert [c["key"] for c in columns["data"]] == ["id", "name", "price", "label", "twice"]
    again = post(client, tenant, doc, dry_run=True).json()
    assert again["text"] == "0 to create, 0 to update, 0 to delete"

    # Every object was audited and announced like an API change.
    audit = client.get(f"{API}/audit?limit=100", headers=tenant.admin).json()["data"]
    assert sum(e["object_type"] == "column" and e["action"] == "create" for e in audit) == 5
    events = _events(database_url, panel["id"])
    assert len(events) == 10 and {e[0] for e in events} == {"panel.updated"}
    assert [e[1] for e in events].count("column") == 5

    # Field-level diffs, then the update.
    changed = copy.deepcopy(doc)
    changed["panels"][0]["columns"][4]["formula"] = "{price} * 3"
    changed["panels"][0]["views"][0]["sorts"] = []
    del changed["panels"][0]["rules"][1]
    result = post(client, tenant, changed, dry_run=True).json()
    assert "~ column fruit.twice" in result["text"]
    assert '    formula: "{price} * 2" -> "{price} * 3"' in result["text"]
    assert "~ view fruit.Dear" in result["text"]
    assert result["kept"] == ["quality_rule fruit.prices"]
    assert last_line(result) == "0 to create, 2 to update, 0 to delete"
    pruned = post(client, tenant, changed, prune=True).json()
    assert last_line(pruned) == "0 to create, 2 to update, 1 to delete"
    assert "- quality rule fruit.prices" in pruned["text"]
    assert post(client, tenant, changed, prune=True, dry_run=True).json()["changes"] == []


def test_one_invalid_object_applies_nothing_and_names_where_it_is(
    client, tenant, fruit_files
) -> None:
    doc = document()
    doc["panels"].insert(0, {"slug": "first", "name": "Made first"})
    doc["panels"][1]["columns"][4]["formula"] = "{price} * SUMM(1)"
    response = post(client, tenant, doc)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "document.panels.1.columns.4.formula"
    assert error["position"] == 10 and "SUM" in (error["hint"] or error["message"])
    # The panel made before the refusal was rolled back with everything else.
    assert client.get(f"{API}/panels", headers=tenant.viewer).json()["data"] == []

    doc = document()
    doc["panels"][0]["views"][0]["columns"] = ["nope"]
    error = post(client, tenant, doc, dry_run=True).json()["errors"][0]
    assert error["field"] == "document.panels.0.views.0.columns.0.column"
    doc = document()
    doc["panels"][0]["colums"] = []
    response = post(client, tenant, doc)
    assert response.status_code == 422 and "colums" in response.text
    doc = document()
    doc["tenant"] = "someone-else"
    error = post(client, tenant, doc).json()["errors"][0]
    assert error["field"] == "document.tenant"
    # Editors and viewers may not apply.
    body = {"document": document(), "dry_run": True}
    assert client.post(f"{API}/apply", json=body, headers=tenant.editor).status_code == 403


def test_secrets_are_references_resolved_from_the_request_never_values(
    client, tenant, other_tenant, fruit_files
) -> None:
    doc = document()
    doc["panels"][0]["sources"].append(
        {
            "name": "api",
            "kind": "http",
            "config": {"url": "http://127.0.0.1:9/items"},
            "secrets": {"headers": {"Authorization": {"env": "FRUIT_TOKEN"}}},
        }
    )
    response = post(client, tenant, doc)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "document.panels.0.sources.1.secrets.headers.Authorization.env"
    assert "FRUIT_TOKEN is not set" in error["message"]
    plain = copy.deepcopy(doc)
    plain["panels"][0]["sources"][1]["secrets"] = {"headers": {"Authorization": "Bearer x"}}
    assert post(client, tenant, plain, dry_run=True).status_code == 422

    assert post(client, tenant, doc, secrets={"FRUIT_TOKEN": "Bearer one"}).status_code == 200
    (panel,) = client.get(f"{API}/panels", headers=tenant.viewer).json()["data"]
    sources = client.get(f"{API}/panels/{panel['id']}/sources", headers=tenant.admin).json()
    assert [s["has_secrets"] for s in sources["data"]] == [True, False]
    # The same value: no change; another: an update that shows no value; none: kept.
    same = post(client, tenant, doc, secrets={"FRUIT_TOKEN": "Bearer one"}, dry_run=True)
    assert same.json()["changes"] == []
    other = post(client, tenant, doc, secrets={"FRUIT_TOKEN": "Bearer two"}, dry_run=True).json()
    assert other["changes"][0]["fields"] == {"secrets": ["(hidden)", "(hidden)"]}
    assert "Bearer" not in other["text"]
    kept = post(client, tenant, doc, dry_run=True).json()
    assert kept["changes"] == [] and "FRUIT_TOKEN not set" in kept["notes"][0]

    exported = client.get(f"{API}/definitions", headers=tenant.viewer)
    assert exported.status_code == 200
    assert "Bearer" not in exported.text
    api_source = exported.json()["panels"][0]["sources"][0]
    assert api_source["secrets"] == {
        "headers": {"Authorization": {"env": "PANELS_SECRET_FRUIT_API_HEADERS_AUTHORIZATION"}}
    }
    # Another tenant exports only its own (nothing).
    theirs = client.get(f"{API}/definitions", headers=other_tenant.viewer).json()
    assert theirs == {"tenant": other_tenant.slug}


def _generated(rng: random.Random, n: int) -> dict[str, Any]:
    """Panels of random columns, views and rules (valid ones)."""
    types = ["text", "integer", "number", "boolean", "date"]
    panels = []
    for p in range(n):
        columns = [
            {
                "key": f"c{i}",
                "name": f"Column {i}",
                "type": rng.choice(types),
                "mapping": {"field": f"f{i}", "cast": rng.choice([None, "%Y-%m-%d"])},
            }
            for i in range(rng.randint(1, 6))
        ]
        numbers = [c["key"] for c in columns if c["type"] in ("integer", "number")]
        if numbers:
            columns.append({"key": "calc", "type": "number", "formula": f"{{{numbers[0]}}} + 1"})
        keys = [c["key"] for c in columns]
        views = [
            {
                "name": f"View {v}",
                "columns": rng.sample(keys, rng.randint(1, len(keys))),
                "sorts": [{"column": rng.choice(keys), "direction": rng.choice(["asc", "desc"])}],
                "group_by": rng.sample(keys, rng.randint(0, 1)),
                "filters": {"column": rng.choice(keys), "op": "is_not_empty"} if v == 0 else None,
                "aggregates": [{"column": rng.choice(keys), "function": "count_empty"}],
            }
            for v in range(rng.randint(0, 2))
        ]
        if rng.random() < 0.5:
            views.append(
                {
                    "name": "Chart",
                    "columns": [{"column": keys[0], "visible": False, "width": 90}],
                    "chart": {"kind": "bar", "dimension": keys[0]},
                }
            )
        rules = [{"name": "present", "kind": "not_null", "column": keys[0]}]
        panels.append(
            {
                "slug": f"gen-{p}",
                "name": f"Generated {p}",
                "description": rng.choice(["", "Some words"]),
                "strict": rng.choice([True, False]),
                "sources": [{"name": "s", "kind": "file", "config": {"path": "fruit.csv"}}],
                "columns": columns,
                "views": views,
                "rules": rules,
            }
        )
    return {"panels": panels}


def test_exported_generated_panels_plan_to_no_change(client, tenant, fruit_files) -> None:
    rng = random.Random(20)
    doc = _generated(rng, 6)
    response = post(client, tenant, doc)
    assert response.status_code == 200, response.text
    # Objects made through the API too (positions with gaps, a view of every column).
    (first, *_) = client.get(f"{API}/panels", headers=tenant.viewer).json()["data"]
    url = f"{API}/panels/{first['id']}"
    made = client.post(
        f"{url}/columns",
        json={
            "key": "late",
            "name": "Late",
            "type": "text",
            "position": 40,
            "mapping": {"field": "x"},
        },
        headers=tenant.editor,
    )
    assert made.status_code == 201, made.text
    assert (
        client.post(f"{url}/views", json={"name": "All"}, headers=tenant.editor).status_code == 201
    )

    exported = client.get(f"{API}/definitions", headers=tenant.viewer)
    assert exported.status_code == 200, exported.text
    result = post(client, tenant, exported.json(), dry_run=True, prune=True).json()
    assert result["text"] == "0 to create, 0 to update, 0 to delete", result["text"]
    # Applying it changes nothing: no renumbering of the gaps, no audit row.
    audited = len(client.get(f"{API}/audit?limit=500", headers=tenant.admin).json()["data"])
    assert post(client, tenant, exported.json(), prune=True).json()["applied"] is False
    assert len(client.get(f"{API}/audit?limit=500", headers=tenant.admin).json()["data"]) == audited
    one = client.get(f"{API}/definitions?panel=gen-3", headers=tenant.viewer).json()
    assert [p["slug"] for p in one["panels"]] == ["gen-3"]
    assert client.get(f"{API}/definitions?panel=nope", headers=tenant.viewer).status_code == 404
    schema = client.get(f"{API}/definitions/schema", headers=tenant.viewer).json()
    assert schema["title"] == "PanelsFile" and "panels" in schema["properties"]


def test_the_committed_json_schema_is_the_current_one() -> None:
    from schemas.panels_file import PanelsFile

    committed = Path(__file__).parents[1] / "docs" / "panels-file.schema.json"
    assert json.loads(committed.read_text()) == PanelsFile.model_json_schema(), (
        "regenerate it: .venv/bin/panels schema > docs/panels-file.schema.json"
    )


# --- the CLI ------------------------------------------------------------------------------------

FILE = """\
tenant: {tenant}
panels:
  - slug: fruit
    name: Fruit
    sources:
      - name: fruit
        kind: file
        config: {{path: fruit.csv}}
    columns:
      - key: price
        type: number
        mapping: {{field: price}}
      - key: twice
        type: number
        formula: "{{price}} * SUMM(2)"
"""


def test_plan_apply_and_export_through_the_cli(
    client, settings, database_url, tenant, fruit_files, tmp_path
) -> None:
    from tests.test_cli_config import one_line_error, panels_here

    env = {"PANELS_DATABASE_URL": database_url, "PANELS_DATA_ROOT": str(settings.data_root)}
    path = tmp_path / "fruit.yaml"
    path.write_text(FILE.format(tenant=tenant.slug))
    line = one_line_error(panels_here(["plan", "-f", str(path)], tmp_path, **env))
    # Line 15: the quote is at column 18, the text from 19, SUMM at its offset 10.
    assert line.startswith(
        f"error: {path}:15:29: panels.0.columns.1.formula: unknown function SUMM()"
    ), line
    path.write_text(FILE.format(tenant=tenant.slug).replace("SUMM", "SUM"))

    planned = panels_here(["plan", "-f", str(path)], tmp_path, **env)
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.strip().splitlines()[-1] == "4 to create, 0 to update, 0 to delete"
    refused = panels_here(["apply", "-f", str(path)], tmp_path, **env)
    assert "add --yes" in one_line_error(refused)
    applied = panels_here(["apply", "-f", str(path), "--yes"], tmp_path, **env)
    assert applied.returncode == 0, applied.stderr
    assert "applied: 4 created, 0 updated, 0 deleted" in applied.stdout

    out = tmp_path / "exported.yaml"
    exported = panels_here(["export", "--tenant", tenant.slug, "-o", str(out)], tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    assert yaml.safe_load(out.read_text())["panels"][0]["columns"][1] == {
        "key": "twice",
        "type": "number",
        "formula": "{price} * SUM(2)",
    }
    again = panels_here(["plan", "-f", str(out), "--prune"], tmp_path, **env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "0 to create, 0 to update, 0 to delete"
    # Audited as the CLI.
    audit = client.get(f"{API}/audit?limit=10", headers=tenant.admin).json()["data"]
    assert {e["actor_type"] for e in audit} == {"cli"}
    line = one_line_error(panels_here(["plan", "-f", str(tmp_path / "none.yaml")], tmp_path, **env))
    assert "none.yaml" in line


def test_the_demo_tenant_exports_and_plans_to_no_change(client, settings) -> None:
    """The demo's own panels (seeded as `make demo` seeds them) round-trip."""
    from sqlalchemy import select

    from core.enums import Role
    from models import User
    from serving.admin import seed
    from serving.admin import tenants as admin
    from serving.auth import security

    with admin.owner_session(settings) as session:
        accounts = seed.seed_demo(session, settings.data_root)
        user = session.scalar(select(User).where(User.email == seed.DEMO_ADMIN))
        assert user is not None
        token, _ = security.issue_jwt(
            settings, user_id=user.id, tenant_id=accounts.tenant.id, role=Role.admin
        )
    headers = {"Authorization": f"Bearer {token}"}
    exported = client.get(f"{API}/definitions", headers=headers)
    assert exported.status_code == 200, exported.text
    assert len(exported.json()["panels"]) >= 5
    body = {"document": exported.json(), "dry_run": True, "prune": True}
    result = client.post(f"{API}/apply", json=body, headers=headers).json()
    assert result["text"] == "0 to create, 0 to update, 0 to delete", result["text"]
