from __future__ import annotations

import psycopg

from models.migrate import downgrade, upgrade


def test_upgrade_downgrade_upgrade_on_an_empty_database(fresh_database) -> None:
    url = fresh_database()
    upgrade(url)
    downgrade(url, "base")
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).fetchone()
        assert tables == (0,)
    upgrade(url)
    with psycopg.connect(url) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert version == "0007"


def test_catalog_changes_notify_the_tenant_at_commit(fresh_database) -> None:
    """What the API's in-process read cache relies on: a committed change to a catalog table
    names its tenant on ``panels_catalog``, whoever made it; a rolled-back one says nothing."""
    url = fresh_database()
    upgrade(url)
    tenant = "7d4b8a52-3f1e-4c1a-9a35-0b6f1c2d3e4f"
    with psycopg.connect(url, autocommit=True) as listener, psycopg.connect(url) as writer:
        listener.execute("LISTEN panels_catalog")
        writer.execute("INSERT INTO tenants (id, slug, name) VALUES (%s, 't1', 'T1')", (tenant,))
        writer.execute(
            "INSERT INTO panels (id, tenant_id, slug, name, description, timezone, strict)"
            " VALUES (gen_random_uuid(), %s, 'p', 'P', '', 'UTC', false)",
            (tenant,),
        )
        writer.commit()
        writer.execute("UPDATE panels SET name = 'never' WHERE tenant_id = %s", (tenant,))
        writer.rollback()
        writer.execute("TRUNCATE view_columns")
        writer.commit()
        got = [n.payload for n in listener.notifies(timeout=5, stop_after=2)]
        # One transaction's identical notifications are folded into one.
        assert got == [tenant, "*"]
