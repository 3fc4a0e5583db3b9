"""The CLI from a second shell: it finds the database through the demo's file, and every
error is one line (no traceback), naming what to set or the closest panel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from serving.admin import cli_config
from tests.builders import make_panel
from tests.test_cli import PANELS


def panels(args: list[str], state_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``panels ARGS`` with no PANELS_* variable but the state dir (and ``env``)."""
    assert PANELS
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PANELS_")}
    return subprocess.run(
        [PANELS, *args],
        env={**clean, "PANELS_STATE_DIR": str(state_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",  # no .env of the repository
    )


def panels_here(args: list[str], state_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``panels ARGS`` run in this process by Click's runner, as ``panels`` above: the same
    commands and settings discovery without the seconds a new interpreter takes to import
    them (the tests above run the installed entry point itself)."""
    from typer.testing import CliRunner

    from serving.admin import cli_support
    from serving.admin.cli import app

    cli_support.loaded.cache_clear()  # the settings of this call's environment
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("PANELS_")}
    result = CliRunner().invoke(app, args, env={**unset, "PANELS_STATE_DIR": str(state_dir), **env})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    # Besides the note of the file it read, if any.
    lines = [x for x in result.stderr.strip().splitlines() if not x.startswith("using ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def panel_key(client, tenant) -> str:
    panel = make_panel(client, tenant.editor, slug="departures")
    return f"{tenant.slug}.{panel['slug']}"


def test_commands_read_the_demo_file_when_the_environment_is_silent(
    database_url, tenant, panel_key, tmp_path
) -> None:
    path = cli_config.write(
        tmp_path,
        {"PANELS_DATABASE_URL": database_url, "PANELS_DAGSTER_URL": "http://127.0.0.1:9"},
        note="as `panels demo` writes it",
    )
    assert path.stat().st_mode & 0o077 == 0  # the URL may hold a password
    versions = panels(["versions", panel_key], tmp_path)
    assert versions.returncode == 0, versions.stderr
    assert versions.stdout.splitlines()[0].split()[:2] == ["version", "status"]
    assert f"using PANELS_DAGSTER_URL, PANELS_DATABASE_URL from {path}" in versions.stderr
    rollback = panels(["rollback", panel_key, "1"], tmp_path)
    assert f"{panel_key} has no version 1" in one_line_error(rollback)
    backfill = panels(["backfill", "--panel", panel_key, "--failed-only"], tmp_path)
    assert backfill.returncode == 0 and "nothing to backfill" in backfill.stderr
    # The environment wins over the file: a URL set in the shell is the one used.
    elsewhere = panels(
        ["versions", panel_key], tmp_path, PANELS_DATABASE_URL="postgresql://u@127.0.0.1:9/x"
    )
    assert "127.0.0.1" in one_line_error(elsewhere) and "port 9" in elsewhere.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["versions", "demo.flights"],
        ["rollback", "demo.flights", "2"],
        ["backfill", "--tenant", "demo"],
        ["token", "a@b.example", "--tenant", "demo"],
    ],
)
def test_without_a_database_url_or_file_one_line_says_what_to_do(args, tmp_path) -> None:
    line = one_line_error(panels(args, tmp_path))
    assert "PANELS_DATABASE_URL" in line and str(tmp_path / "cli.env") in line
    assert "panels demo" in line


def test_a_misspelt_panel_gets_the_closest_name_in_one_line(
    database_url, tenant, panel_key, tmp_path
) -> None:
    env = {"PANELS_DATABASE_URL": database_url}
    line = one_line_error(panels(["versions", f"{tenant.slug}.departurse"], tmp_path, **env))
    assert f"did you mean '{panel_key}'" in line
    line = one_line_error(panels(["rollback", f"{tenant.slug}.depatures", "1"], tmp_path, **env))
    assert f"did you mean '{panel_key}'" in line
    line = one_line_error(
        panels(["backfill", "--tenant", tenant.slug, "--panel", "departure"], tmp_path, **env)
    )
    assert "did you mean 'departures'" in line
    line = one_line_error(panels(["sync", f"{tenant.slug}.deprtures"], tmp_path, **env))
    assert f"did you mean '{panel_key}'" in line
    line = one_line_error(panels(["versions", "departures"], tmp_path, **env))
    assert "TENANT.PANEL" in line
    # Unexpected failures are one line too, and --debug shows the traceback.
    env = {"PANELS_DATABASE_URL": "postgresql://u@127.0.0.1:9/x"}
    assert "OperationalError" in one_line_error(panels(["versions", panel_key], tmp_path, **env))
    debug = panels(["--debug", "versions", panel_key], tmp_path, **env)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_panel_list_and_show_tell_a_tenants_panels(
    client, database_url, tenant, panel_key, tmp_path
) -> None:
    """`panels panel list` and `panels panel show`, as tables and as JSON; a misspelt panel
    gets the closest name in one line."""
    import json

    from tests.builders import make_column, make_view

    listed_by_api = client.get("/api/v1/panels", headers=tenant.viewer).json()["data"]
    (panel_id,) = [p["id"] for p in listed_by_api if p["slug"] == panel_key.split(".")[1]]
    make_column(client, tenant.editor, panel_id, key="delay", type="number")
    make_column(
        client,
        tenant.editor,
        panel_id,
        key="late",
        type="boolean",
        mapping=None,
        formula='AND({delay} > 15, "[x]" = "[x]")',
    )
    make_view(client, tenant.editor, panel_id, name="Late ones")
    env = {"PANELS_DATABASE_URL": database_url}

    listed = panels_here(
        ["panel", "list", "--tenant", tenant.slug, "--format", "json"], tmp_path, **env
    )
    assert listed.returncode == 0, listed.stderr
    assert [p["panel"] for p in json.loads(listed.stdout)] == [panel_key]
    shown = panels_here(["panel", "show", panel_key, "--format", "json"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["panel"] == panel_key and body["views"] == ["Late ones"]
    assert body["columns"] == [
        {"key": "delay", "type": "number", "from": "delay"},
        {"key": "late", "type": "boolean", "from": '= AND({delay} > 15, "[x]" = "[x]")'},
    ]
    table = panels_here(["panel", "show", panel_key], tmp_path, **env, COLUMNS="200")
    assert table.returncode == 0, table.stderr
    assert '"[x]"' in table.stdout and "Late ones" in table.stdout
    assert (
        panel_key in panels_here(["panel", "list", "--tenant", tenant.slug], tmp_path, **env).stdout
    )
    line = one_line_error(
        panels_here(["panel", "show", f"{tenant.slug}.departurse"], tmp_path, **env)
    )
    assert f"did you mean '{panel_key}'" in line
    line = one_line_error(
        panels_here(["panel", "list", "--tenant", "no-such-tenant"], tmp_path, **env)
    )
    assert "no tenant 'no-such-tenant'" in line


def test_rows_prints_a_views_rows_or_a_filter_as_a_table_csv_or_json(
    kit, files, database_url, tenant, tmp_path
) -> None:
    """`panels rows TENANT.PANEL`: a saved view's columns, filter and sort, or --filter and
    --sort; as a table, CSV or JSON; a wrong filter or view named in one line."""
    import csv
    import io
    import json

    from tests.pipeline_fixtures import write

    write(files / "fl.csv", "id,carrier,delay\n1,AA,5\n2,UA,50\n3,AA,75\n4,B6,\n")
    k = kit()
    k.source(name="fl", kind="file", config={"path": "fl.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    k.column("delay", "integer")
    assert k.sync().success
    view = {
        "name": "Late",
        "filters": {"column": "delay", "op": "gt", "value": 10},
        "sorts": [{"column": "delay", "direction": "desc"}],
        "columns": [{"column": "carrier"}, {"column": "delay"}],
    }
    assert k.client.post(f"{k.url}/views", json=view, headers=tenant.editor).status_code == 201
    key = f"{tenant.slug}.{k.panel['slug']}"
    env = {"PANELS_DATABASE_URL": database_url}

    late = panels_here(["rows", key, "--view", "Late", "--format", "json"], tmp_path, **env)
    assert late.returncode == 0, late.stderr
    assert json.loads(late.stdout) == [
        {"carrier": "AA", "delay": 75},
        {"carrier": "UA", "delay": 50},
    ]
    aa = panels_here(
        [
            "rows",
            key,
            "--filter",
            '{"column": "carrier", "op": "is", "value": "AA"}',
            "--sort",
            "-id",
            "--format",
            "csv",
        ],
        tmp_path,
        **env,
    )
    assert aa.returncode == 0, aa.stderr
    assert list(csv.reader(io.StringIO(aa.stdout))) == [
        ["id", "carrier", "delay"],
        ["3", "AA", "75"],
        ["1", "AA", "5"],
    ]
    table = panels_here(["rows", key, "--limit", "2"], tmp_path, **env, COLUMNS="120")
    assert table.returncode == 0 and "2 rows" in table.stdout and "UA" in table.stdout
    line = one_line_error(
        panels_here(
            ["rows", key, "--filter", '{"column": "dealy", "op": "gt", "value": 1}'],
            tmp_path,
            **env,
        )
    )
    assert "dealy" in line and "delay" in line
    line = one_line_error(panels_here(["rows", key, "--view", "Lat"], tmp_path, **env))
    assert "no view 'Lat'" in line and "Late" in line


def test_panel_create_and_delete_by_slug_audited_as_the_cli(
    client, database_url, tenant, tmp_path
) -> None:
    env = {"PANELS_DATABASE_URL": database_url}
    key = f"{tenant.slug}.weather"
    made = panels_here(
        [
            "panel",
            "create",
            key,
            "--name",
            "Weather",
            "--refresh",
            "0 6 * * *",
            "--timezone",
            "Europe/Paris",
        ],
        tmp_path,
        **env,
    )
    assert made.returncode == 0, made.stderr
    (panel,) = client.get("/api/v1/panels", headers=tenant.viewer).json()["data"]
    assert (panel["slug"], panel["name"], panel["refresh_cron"], panel["timezone"]) == (
        "weather",
        "Weather",
        "0 6 * * *",
        "Europe/Paris",
    )
    line = one_line_error(panels_here(["panel", "create", key, "--name", "Again"], tmp_path, **env))
    assert line == f"error: panel {key} exists already"
    line = one_line_error(
        panels_here(
            ["panel", "create", f"{tenant.slug}.x", "--name", "X", "--refresh", "every day"],
            tmp_path,
            **env,
        )
    )
    assert line.startswith("error: --refresh: ")
    line = one_line_error(panels_here(["panel", "delete", key], tmp_path, **env))
    assert "add --yes" in line
    gone = panels_here(["panel", "delete", key, "--yes"], tmp_path, **env)
    assert gone.returncode == 0, gone.stderr
    assert client.get("/api/v1/panels", headers=tenant.viewer).json()["data"] == []
    audit = client.get("/api/v1/audit?limit=10", headers=tenant.admin).json()["data"]
    assert [(e["action"], e["actor_type"]) for e in audit if e["object_type"] == "panel"] == [
        ("delete", "cli"),
        ("create", "cli"),
    ]
    line = one_line_error(
        panels_here(["panel", "delete", f"{tenant.slug}.weathr", "--yes"], tmp_path, **env)
    )
    assert "no panel" in line
