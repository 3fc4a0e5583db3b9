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
        assert version == "0004"
