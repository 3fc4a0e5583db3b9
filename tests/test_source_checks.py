"""Source configurations are checked when saved: shape per kind, location and query."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.storage import tenant_files
from serving.api.app import create_app
from tests.builders import make_panel

API = "/api/v1"


@pytest.fixture(scope="module")
def strict_client(settings):
    """The API as deployed: no host allowlisted (the shared test app allows loopback)."""
    app = create_app(settings.model_copy(update={"source_allowlist": []}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(strict_client):
    strict_client.headers.clear()
    return strict_client


@pytest.fixture
def sources(client, tenant):
    panel = make_panel(client, tenant.editor)
    return f"{API}/panels/{panel['id']}/sources"


def _post(client, tenant, url, kind, config, secrets=None):
    body = {"name": "s", "kind": kind, "config": config}
    if secrets is not None:
        body["secrets"] = secrets
    return client.post(url, json=body, headers=tenant.admin)


def _refusal(response) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    (error, *_) = response.json()["errors"]
    return error["field"], error["message"]


@pytest.mark.parametrize(
    ("config", "field", "reason"),
    [
        ({"path": "/tmp/x.csv"}, "body.config.path", "is absolute"),
        ({"path": "../../README.md"}, "body.config.path", "leaves the data root"),
        ({"url": "file:///etc/passwd"}, "body.config.url", "scheme 'file' is not read"),
        ({"url": "gopher://example.com/x"}, "body.config.url", "scheme 'gopher' is not read"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "body.config.url", "169.254.169.254"),
        ({"url": "http://127.0.0.1:5432/"}, "body.config.url", "loopback, private or reserved"),
    ],
)
def test_file_sources_that_no_sync_could_read_are_refused_at_save(
    client, tenant, sources, config, field, reason
) -> None:
    got_field, message = _refusal(_post(client, tenant, sources, "file", config))
    assert got_field == field
    assert reason in message
    assert client.get(sources, headers=tenant.viewer).json()["count"] == 0


def test_http_sources_to_internal_addresses_are_refused_at_save(client, tenant, sources) -> None:
    response = _post(client, tenant, sources, "http", {"url": "http://127.0.0.1:5432/"})
    assert _refusal(response)[0] == "body.config.url"
    response = _post(client, tenant, sources, "http", {"url": "http://[::1]:8000/items"})
    assert "loopback, private or reserved" in _refusal(response)[1]


def test_a_file_not_there_yet_is_saved_with_a_warning(client, tenant, sources) -> None:
    response = _post(client, tenant, sources, "file", {"path": "later/arrives.csv"})
    assert response.status_code == 201, response.text
    (warning,) = response.json()["warnings"]
    assert "no file 'later/arrives.csv'" in warning


def test_a_file_that_is_there_saves_without_warning(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)
    url = f"{API}/panels/{panel['id']}/sources"
    files = tenant_files(Path(settings.data_root), tenant.slug)
    files.mkdir(parents=True, exist_ok=True)
    (files / "here.csv").write_text("a\n1\n")
    response = _post(client, tenant, url, "file", {"path": "here.csv"})
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []
    assert response.json()["config"] == {"path": "here.csv"}


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("DROP TABLE tenants", "DROP is not allowed"),
        ("SELECT 1; SELECT 2", "holds 2 statements"),
        ("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone", "DELETE is not allowed"),
        ("SELECT * INTO copy FROM t", "INTO is not allowed"),
        ("SELECT * FROM t FOR UPDATE", "LOCK is not allowed"),
        ("INSERT INTO t VALUES (1) RETURNING id", "INSERT is not allowed"),
        ("SELEC id FROM t", "not"),
    ],
)
def test_sql_that_is_not_one_read_only_select_is_refused(client, tenant, sources, query, reason):
    secrets = {"url": "postgresql://reader@db.example.com:5432/sales"}
    response = _post(client, tenant, sources, "sql", {"query": query}, secrets)
    field, message = _refusal(response)
    assert field == "body.config.query"
    assert reason in message


def test_a_read_only_select_is_saved(client, tenant, sources) -> None:
    secrets = {"url": "postgresql://reader@db.example.com:5432/sales"}
    query = "WITH recent AS (SELECT * FROM orders WHERE id > :cursor) SELECT * FROM recent"
    response = _post(client, tenant, sources, "sql", {"query": query}, secrets)
    assert response.status_code == 201, response.text
    assert response.json()["has_secrets"] is True


def test_a_sql_source_on_the_apps_own_database_is_refused(
    client, tenant, sources, database_url
) -> None:
    response = _post(
        client, tenant, sources, "sql", {"query": "SELECT id FROM tenants"}, {"url": database_url}
    )
    field, message = _refusal(response)
    assert field == "body.secrets.url"
    assert "own database" in message


def test_unknown_config_and_secret_keys_are_refused_with_the_one_meant(
    client, tenant, sources
) -> None:
    response = _post(client, tenant, sources, "file", {"path": "x.csv", "delimeter": ";"})
    field, message = _refusal(response)
    assert field == "body.config.delimeter"
    assert message == '"delimeter" is not a field; did you mean "delimiter"?'
    response = _post(
        client,
        tenant,
        sources,
        "http",
        {"url": "https://api.example.com/v1", "pagination": {"type": "page", "page_parm": "p"}},
    )
    assert _refusal(response)[0] == "body.config.pagination.page_parm"
    response = _post(
        client,
        tenant,
        sources,
        "http",
        {"url": "https://api.example.com/v1"},
        {"header": {"Authorization": "x"}},
    )
    field, message = _refusal(response)
    assert (field, message) == (
        "body.secrets.header",
        '"header" is not a field; did you mean "headers"?',
    )
    response = _post(client, tenant, sources, "sql", {"query": "SELECT 1"})
    assert _refusal(response)[0] == "body.secrets.url"


def test_a_patch_is_checked_like_a_create_and_changes_nothing_when_refused(
    client, tenant, sources
) -> None:
    created = _post(client, tenant, sources, "file", {"path": "x.csv"})
    assert created.status_code == 201
    url = f"{sources}/{created.json()['id']}"
    response = client.patch(url, json={"config": {"path": "/etc/passwd"}}, headers=tenant.admin)
    assert _refusal(response) == (
        "body.config.path",
        "path '/etc/passwd' is absolute: give it relative to the data root",
    )
    response = client.patch(url, json={"config": {"pth": "y.csv"}}, headers=tenant.admin)
    assert _refusal(response)[0] == "body.config.pth"
    assert client.get(url, headers=tenant.viewer).json()["config"] == {"path": "x.csv"}
    moved = client.patch(url, json={"config": {"path": "y.csv"}}, headers=tenant.admin)
    assert moved.status_code == 200
    assert moved.json()["config"] == {"path": "y.csv"}
    assert "no file 'y.csv'" in moved.json()["warnings"][0]


@pytest.mark.parametrize(
    ("kind", "config", "secrets", "field", "reason"),
    [
        ("file", {"path": "a\u0000.csv"}, None, "body.config.path", "not usable here"),
        ("file", {"path": "x" * 5000 + ".csv"}, None, "body.config.path", "not usable here"),
        ("http", {"url": "http://a..b/items"}, None, "body.config.url", "not a valid host"),
        ("sql", {"query": "SELECT 1"}, {"url": "not a url"}, "body.secrets.url", "not a database"),
        (
            "sql",
            {"query": "SELECT 1"},
            {"url": "sqlite:////etc/app.db"},
            "body.secrets.url",
            "files on the server",
        ),
        (
            "sql",
            {"query": "SELECT 1"},
            {"url": "postgresql://u@db.example.com/other?host=127.0.0.1&dbname=panels"},
            "body.secrets.url",
            "may not name where to connect (dbname, host)",
        ),
        (
            "http",
            {"url": "https://u:hunter2@api.example.com/v1"},
            None,
            "body.config.url",
            "password goes in secrets",
        ),
        (
            "sql",
            {"query": "SELECT 1", "url": "postgresql://u:pw@db.example.com/x"},
            None,
            "body.config.url",
            "password goes in secrets",
        ),
    ],
)
def test_malformed_locations_are_422s_never_500s(
    client, tenant, sources, kind, config, secrets, field, reason
) -> None:
    got_field, message = _refusal(_post(client, tenant, sources, kind, config, secrets))
    assert got_field == field
    assert reason in message


def test_a_view_name_with_a_nul_byte_is_refused_not_a_500(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    response = client.get(f"{API}/panels/{panel['slug']}/views/a%00b", headers=tenant.viewer)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "path.view_id"
