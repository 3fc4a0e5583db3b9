"""Previewing a source (its first rows and fields, through its connector) and mapping its
fields to columns in one call: over HTTP, bounded, tenant-scoped, never publishing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core.storage import tenant_files
from tests.pipeline_fixtures import write

API = "/api/v1"
CSV = "id,Dep Delay,day,at,2nd name,note\n" + "".join(
    f"{i},{i * 1.5},2024-01-{i % 28 + 1:02d},2024-01-01T{i % 24:02d}:00:00Z,n{i},"
    f"{'' if i % 2 else 'x'}\n"
    for i in range(1, 121)
)


def _files(settings: Any, tenant: Any) -> Path:
    path = tenant_files(settings.data_root, tenant.slug)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _panel(client: Any, tenant: Any) -> dict[str, Any]:
    body = {"slug": f"prev-{time.monotonic_ns() % 10**9}", "name": "Preview"}
    response = client.post(f"{API}/panels", json=body, headers=tenant.editor)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _source(client: Any, tenant: Any, panel: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/panels/{panel['id']}/sources", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_saved_csv_source_previews_its_fields_and_first_rows_without_publishing(
    client, settings, tenant
) -> None:
    write(_files(settings, tenant) / "f.csv", CSV)
    panel = _panel(client, tenant)
    source = _source(client, tenant, panel, name="f", kind="file", config={"path": "f.csv"})
    url = f"{API}/panels/{panel['id']}/sources/{source['id']}/preview"

    response = client.post(url, json={"limit": 100}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    body = response.json()
    fields = {f["name"]: f for f in body["fields"]}
    assert list(fields) == ["id", "Dep Delay", "day", "at", "2nd name", "note"]
    assert {k: f["type"] for k, f in fields.items()} == {
        "id": "integer",
        "Dep Delay": "number",
        "day": "date",  # ISO dates recognised in text
        "at": "datetime",  # ISO instants too
        "2nd name": "text",
        "note": "text",
    }
    assert fields["note"]["nulls"] == 50  # the odd ids among the 100 rows read
    assert fields["id"]["examples"] == [1, 2, 3]
    assert fields["day"]["examples"] == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert body["rows_read"] == 100 and body["complete"] is False
    assert len(body["rows"]) == 50 and body["rows"][0]["Dep Delay"] == 1.5

    # The whole file when it holds fewer rows than the limit; no body: the defaults.
    whole = client.post(url, headers=tenant.admin).json()
    assert whole["rows_read"] == 120 and whole["complete"] is True

    # Nothing was published or created.
    assert (
        client.get(f"{API}/panels/{panel['id']}/columns", headers=tenant.viewer).json()["data"]
        == []
    )
    current = client.get(f"{API}/panels/{panel['id']}", headers=tenant.viewer).json()
    assert current["current_version_id"] is None


def test_an_unsaved_source_previews_nested_json_as_dotted_paths(client, settings, tenant) -> None:
    lines = [
        {"id": 1, "who": {"name": "Ada", "address": {"city": "London"}}, "tags": ["a", "b"]},
        {"id": 2, "who": {"name": "Grace", "address": {"city": None}}, "tags": []},
    ]
    write(_files(settings, tenant) / "people.ndjson", "\n".join(json.dumps(x) for x in lines))
    panel = _panel(client, tenant)
    body = {"source": {"name": "people", "kind": "file", "config": {"path": "people.ndjson"}}}
    response = client.post(
        f"{API}/panels/{panel['id']}/sources/preview", json=body, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    fields = {f["name"]: f for f in response.json()["fields"]}
    assert list(fields) == ["id", "who.name", "who.address.city", "tags"]
    assert fields["who.address.city"] == {
        "name": "who.address.city",
        "type": "text",
        "nulls": 1,
        "examples": ["London"],
    }
    assert fields["tags"]["type"] == "json"
    # Nothing was saved.
    sources = client.get(f"{API}/panels/{panel['id']}/sources", headers=tenant.admin).json()
    assert sources["data"] == []


def test_preview_mistakes_are_refused_with_the_field_named(client, settings, tenant) -> None:
    panel = _panel(client, tenant)
    url = f"{API}/panels/{panel['id']}/sources/preview"
    missing = {"source": {"name": "gone", "kind": "file", "config": {"path": "gone.csv"}}}
    response = client.post(url, json=missing, headers=tenant.admin)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.source" and "gone.csv" in error["message"]

    outside = {"source": {"name": "x", "kind": "file", "config": {"path": "../x.csv"}}}
    response = client.post(url, json=outside, headers=tenant.admin)
    assert response.status_code == 422 and "path" in response.text

    write(_files(settings, tenant) / "f.csv", CSV)
    ok = {"name": "f", "kind": "file", "config": {"path": "f.csv"}}
    for bad in (
        {"source": ok, "limt": 5},
        {"source": ok, "limit": 0},
        {"source": ok, "timeout": 600},
    ):
        response = client.post(url, json=bad, headers=tenant.admin)
        assert response.status_code == 422, bad
    # An editor may not read a source's rows through a body with secrets: admins only.
    assert client.post(url, json={"source": ok}, headers=tenant.editor).status_code == 403


def test_another_tenants_source_cannot_be_previewed(client, settings, tenant, other_tenant) -> None:
    write(_files(settings, tenant) / "f.csv", CSV)
    panel = _panel(client, tenant)
    source = _source(client, tenant, panel, name="f", kind="file", config={"path": "f.csv"})
    url = f"{API}/panels/{panel['id']}/sources/{source['id']}/preview"
    response = client.post(url, headers=other_tenant.admin)
    assert response.status_code == 404
    assert "Dep Delay" not in response.text
    response = client.post(
        f"{API}/panels/{panel['id']}/columns:from-source", json={}, headers=other_tenant.editor
    )
    assert response.status_code == 404


class _Slow(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(3)
        body = b"[]"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the preview gave up and hung up: what the test wants


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/items"
    server.shutdown()
    server.server_close()  # waits for the handler that is still sleeping


def test_a_source_that_does_not_answer_in_time_is_a_502_within_the_timeout(
    client, tenant, slow_server
) -> None:
    panel = _panel(client, tenant)
    body = {
        "source": {"name": "api", "kind": "http", "config": {"url": slow_server}},
        "timeout": 0.5,
    }
    started = time.monotonic()
    response = client.post(
        f"{API}/panels/{panel['id']}/sources/preview", json=body, headers=tenant.admin
    )
    assert time.monotonic() - started < 2.5
    assert response.status_code == 502, response.text
    assert response.json()["errors"][0]["type"] == "source_unavailable"
    assert "'api'" in response.json()["detail"]


def test_columns_from_source_maps_every_field_with_safe_keys_and_a_sync_reads_them(
    client, settings, tenant, kit, files
) -> None:
    write(_files(settings, tenant) / "f.csv", CSV)
    write(files / "f.csv", CSV)  # the sync's data root
    k = kit()
    k.source(name="f", kind="file", config={"path": "f.csv"})
    k.column("id", "integer")  # already mapped: skipped
    url = f"{k.url}/columns:from-source"

    response = client.post(url, json={"fields": ["day", "Dep Dealy"]}, headers=tenant.editor)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.fields.1" and '"Dep Delay"' in error["message"]
    response = client.post(url, json={"source": "g"}, headers=tenant.editor)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].endswith("(its sources: f)")

    response = client.post(url, json={}, headers=tenant.editor)
    assert response.status_code == 201, response.text
    made = response.json()
    assert [(c["key"], c["name"], c["type"]) for c in made["created"]] == [
        ("dep_delay", "Dep Delay", "number"),
        ("day", "day", "date"),
        ("at", "at", "datetime"),
        ("f_2nd_name", "2nd name", "text"),
        ("note", "note", "text"),
    ]
    assert made["created"][0]["mapping"] == {"source": "f", "field": "Dep Delay", "cast": None}
    assert made["skipped"] == [{"field": "id", "reason": "column 'id' maps it"}]
    again = client.post(url, json={}, headers=tenant.editor).json()
    assert again["created"] == [] and len(again["skipped"]) == 6

    assert k.sync().success
    rows = k.rows()
    assert rows[0]["dep_delay"] == 1.5 and rows[0]["f_2nd_name"] == "n1"
    assert str(rows[0]["day"]) == "2024-01-02"


def test_panels_sources_preview_prints_the_fields_or_one_line_errors(
    client, settings, database_url, tenant, tmp_path
) -> None:
    from tests.test_cli_config import one_line_error, panels_here

    write(_files(settings, tenant) / "f.csv", CSV)
    panel = _panel(client, tenant)
    key = f"{tenant.slug}.{panel['slug']}"
    env = {"PANELS_DATABASE_URL": database_url, "PANELS_DATA_ROOT": str(settings.data_root)}
    line = one_line_error(panels_here(["sources", "preview", key], tmp_path, **env))
    assert line == f"error: panel {key} has 0 sources"
    _source(client, tenant, panel, name="flights", kind="file", config={"path": "f.csv"})

    shown = panels_here(
        ["sources", "preview", key, "--limit", "5", "--format", "json"], tmp_path, **env
    )
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["rows_read"] == 5 and body["complete"] is False
    assert [(f["name"], f["type"]) for f in body["fields"]][:3] == [
        ("id", "integer"),
        ("Dep Delay", "number"),
        ("day", "date"),
    ]
    table = panels_here(["sources", "preview", key, "flights"], tmp_path, **env, COLUMNS="200")
    assert table.returncode == 0, table.stderr
    assert "flights: 120 rows read" in table.stdout and "Dep Delay" in table.stdout
    line = one_line_error(panels_here(["sources", "preview", key, "flight"], tmp_path, **env))
    assert 'did you mean "flights"' in line
    line = one_line_error(panels_here(["sources", "preview", key, "--limit", "0"], tmp_path, **env))
    assert line.startswith("error: --limit:")
