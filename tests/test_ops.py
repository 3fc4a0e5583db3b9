"""Ops commands on versions: `panels versions` and `panels rollback`, run as a subprocess."""

from __future__ import annotations

from tests.pipeline_fixtures import write
from tests.test_cli import run


def test_versions_and_rollback_to_a_retained_version(
    kit, sync_settings, database_url, files
) -> None:
    data = files / "ops.csv"
    write(data, "id,name\n1,old\n")
    k = kit()
    k.source(name="s", kind="file", config={"path": "ops.csv"})
    k.column("id", "integer")
    k.column("name", "text")
    assert k.sync().success
    write(data, "id,name\n1,new\n2,newer\n")
    assert k.sync().success
    listed = run(["versions", k.key], database_url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()[1:]
    assert lines[0].split()[:4] == ["*", "2", "published", "2"]
    assert lines[1].split()[:3] == ["1", "superseded", "1"]

    rolled = run(["rollback", k.key, "1"], database_url)
    assert rolled.returncode == 0, rolled.stderr
    assert "serving version 1 (was 2)" in rolled.stdout
    served = k.client.get(f"{k.url}/rows", headers=k.tenant.viewer).json()
    assert (served["version"], served["data"]) == (1, [{"id": 1, "name": "old"}])
    event = [p for t, p in k.events() if t == "panel.materialized"][-1]
    assert (event["version"], event["rolled_back_from"]) == (1, 2)
    audit = k.client.get("/api/v1/audit", headers=k.tenant.admin).json()["data"]
    assert any(a["action"] == "rollback" and a["after"] == {"version": 1} for a in audit)

    again = run(["rollback", k.key, "1"], database_url)
    assert again.returncode == 1 and "already serves version 1" in again.stderr
    missing = run(["rollback", k.key, "9"], database_url)
    assert missing.returncode == 1 and "has no version 9" in missing.stderr
    unknown = run(["versions", f"{k.tenant.slug}.nope"], database_url)
    assert unknown.returncode == 1 and "no panel" in unknown.stderr
    # The next sync publishes a newer version as usual.
    assert k.sync().success
    assert k.client.get(f"{k.url}/rows", headers=k.tenant.viewer).json()["version"] == 3


def test_backup_then_restore_into_a_new_database(
    kit,
    sync_settings,
    database_url,
    fresh_database,
    tmp_path,
    files,
) -> None:
    import psycopg

    data = files / "backup.csv"
    write(data, "id,name\n1,a\n2,b\n3,c\n")
    k = kit()
    k.source(name="s", kind="file", config={"path": "backup.csv"})
    k.column("id", "integer")
    k.column("name", "text")
    assert k.sync().success
    dump = tmp_path / "panels.dump"
    made = run(["backup", str(dump)], database_url)
    assert made.returncode == 0, made.stderr
    assert dump.stat().st_size > 0
    target = fresh_database()
    restored = run(["restore", str(dump), "--database-url", target], database_url)
    assert restored.returncode == 0, restored.stderr
    table = k.current()["table"]
    query = f'SELECT id, name FROM panel_data."{table}" ORDER BY id'
    with (
        psycopg.connect(target) as copy,
        psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as original,
    ):
        assert copy.execute(query).fetchall() == original.execute(query).fetchall()
        assert copy.execute(query).fetchall() == [(1, "a"), (2, "b"), (3, "c")]
        copy.execute("SELECT set_config('app.all_tenants', 'on', false)")
        assert copy.execute(
            "SELECT slug FROM panels WHERE id = %s", (k.panel["id"],)
        ).fetchone() == (k.panel["slug"],)
        # Row-level security came along: the app role sees nothing without a tenant.
        copy.execute("SET ROLE panels_app")
        copy.execute("SELECT set_config('app.all_tenants', 'off', false)")
        assert copy.execute("SELECT count(*) FROM panels").fetchone() == (0,)
