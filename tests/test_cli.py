"""The `panels` command line, run as a user would: a subprocess with PANELS_* variables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PANELS = shutil.which("panels", path=str(Path(sys.executable).parent))


def run(
    args: list[str], database_url: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    assert PANELS, "the panels console script is not installed in this virtualenv"
    env = {**os.environ, "PANELS_DATABASE_URL": database_url, "PANELS_ENVIRONMENT": "test"}
    return subprocess.run(
        [PANELS, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_database(fresh_database) -> str:
    url = fresh_database()
    result = run(["db", "upgrade"], url)
    assert result.returncode == 0, result.stderr
    return url


def test_db_upgrade_creates_a_missing_database(pg_server, fresh_database) -> None:
    from sqlalchemy.engine import make_url

    url = (
        make_url(fresh_database())
        .set(database=f"panels_cli_new_{os.getpid()}")
        .render_as_string(False)
    )
    try:
        result = run(["db", "upgrade"], url)
        assert result.returncode == 0, result.stderr
        assert "created the database" in result.stderr
        again = run(["db", "upgrade"], url)
        assert again.returncode == 0 and "created" not in again.stderr
    finally:
        from tests.conftest import drop_database

        drop_database(pg_server, make_url(url).database)


def test_tenant_user_and_token_commands_produce_a_working_jwt(cli_database, settings) -> None:
    from fastapi.testclient import TestClient

    from serving.api.app import create_app

    created = run(["tenant", "create", "acme", "--name", "Acme Corp"], cli_database)
    assert created.returncode == 0, created.stderr
    duplicate = run(["tenant", "create", "acme"], cli_database)
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr

    piped = run(
        ["user", "create", "ops@acme.example", "--tenant", "acme", "--role", "admin"],
        cli_database,
        stdin="a-strong-password-from-stdin\n",
    )
    assert piped.returncode == 0, piped.stderr
    assert "password:" not in piped.stdout
    generated = run(
        ["user", "create", "viewer@acme.example", "--tenant", "acme"], cli_database, stdin=""
    )
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout.startswith("password: ")
    short = run(
        ["user", "create", "x@acme.example", "--tenant", "acme"], cli_database, stdin="short\n"
    )
    assert short.returncode == 1 and "12 characters" in short.stderr

    token = run(["token", "ops@acme.example", "--tenant", "acme", "--ttl", "600"], cli_database)
    assert token.returncode == 0, token.stderr
    jwt = token.stdout.strip()
    app_settings = settings.model_copy(update={"database_url": cli_database})
    with TestClient(create_app(app_settings)) as client:
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {jwt}"})
        assert me.status_code == 200, me.text
        assert me.json()["tenant_slug"] == "acme" and me.json()["role"] == "admin"
        login = client.post(
            "/api/v1/auth/token",
            json={
                "email": "ops@acme.example",
                "password": "a-strong-password-from-stdin",
                "tenant": "acme",
            },
        )
        assert login.status_code == 200
        password = generated.stdout.split(": ", 1)[1].strip()
        login = client.post(
            "/api/v1/auth/token",
            json={"email": "viewer@acme.example", "password": password, "tenant": "acme"},
        )
        assert login.status_code == 200


def test_token_for_an_unknown_user_fails_clearly(cli_database) -> None:
    result = run(["token", "ghost@acme.example", "--tenant", "nope"], cli_database)
    assert result.returncode == 1
    assert "no tenant 'nope'" in result.stderr


def test_commands_without_a_database_url_say_what_to_set() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANELS_")}
    result = subprocess.run(
        [PANELS, "tenant", "create", "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/",
    )
    assert result.returncode != 0
    assert "PANELS_DATABASE_URL" in result.stderr
