"""The embedded PostgreSQL that `make demo` starts when PANELS_DATABASE_URL is unset."""

from __future__ import annotations

import psycopg
import pytest

from models.migrate import upgrade
from serving.admin.embedded import EmbeddedPostgres
from serving.admin.tenants import ensure_database


def test_embedded_server_starts_migrates_restarts_and_stops(tmp_path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    server.start()
    try:
        url = server.url.rsplit("/", 1)[0] + "/panels"
        assert ensure_database(url)
        upgrade(url)
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO tenants (id, slug, name) VALUES (gen_random_uuid(), 'kept', 'k')"
            )
    finally:
        server.stop()
    # Data survives a restart on another port.
    again = EmbeddedPostgres(tmp_path / "pgdata")
    again.start()
    try:
        url = again.url.rsplit("/", 1)[0] + "/panels"
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT slug FROM tenants").fetchall() == [("kept",)]
    finally:
        again.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
