"""Helpers to build panels through the API and materialise them with a real Dagster instance."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from models.db import sqlalchemy_url
from pipelines.assets import panel_extract, panel_table
from pipelines.partitions import PANELS_PARTITIONS_NAME, partition_key
from pipelines.resources import PanelsDatabase, SyncSettings
from tests.builders import created

API = "/api/v1"


class PanelKit:
    """One panel of a tenant, with its sources and columns, and ways to sync and read it."""

    def __init__(
        self,
        client: Any,
        tenant: Any,
        database_url: str,
        instance: dg.DagsterInstance,
        sync_settings: SyncSettings,
        **panel: Any,
    ) -> None:
        self.client, self.tenant, self.database_url, self.instance = (
            client,
            tenant,
            database_url,
            instance,
        )
        self.sync_settings = sync_settings
        body = {"slug": f"p-{uuid.uuid4().hex[:8]}", "name": "Sync test", **panel}
        self.panel = created(client.post(f"{API}/panels", json=body, headers=tenant.editor))
        self.key = partition_key(tenant.slug, self.panel["slug"])
        instance.add_dynamic_partitions(PANELS_PARTITIONS_NAME, [self.key])

    @property
    def url(self) -> str:
        return f"{API}/panels/{self.panel['id']}"

    def source(self, **body: Any) -> dict[str, Any]:
        return created(
            self.client.post(f"{self.url}/sources", json=body, headers=self.tenant.admin)
        )

    def unchecked_source(self, **body: Any) -> dict[str, Any]:
        """A source stored as given, past the checks made at save: as if saved before those
        checks existed, or changed in the database since. The sync-time guards are for these."""
        from psycopg.types.json import Jsonb

        from core.crypto import SecretBox
        from core.settings import Settings

        source = self.source(name=body["name"], kind="file", config={"path": "placeholder.csv"})
        secrets = body.get("secrets")
        sealed = (
            SecretBox(Settings(database_url=self.database_url)).seal(secrets) if secrets else None
        )
        with self._conn() as conn:
            conn.execute("SET app.all_tenants = 'on'")
            conn.execute(
                "UPDATE data_sources SET kind = %s, config = %s, secret_config = %s WHERE id = %s",
                (body["kind"], Jsonb(body.get("config", {})), sealed, source["id"]),
            )
        return source

    def column(
        self,
        key: str,
        type_: str,
        *,
        field: str | None = None,
        source: str | None = None,
        formula: str | None = None,
        cast: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"key": key, "name": key.replace("_", " ").title(), "type": type_}
        if formula is not None:
            body["formula"] = formula
        else:
            body["mapping"] = {"field": field or key, "source": source, "cast": cast}
        return created(
            self.client.post(f"{self.url}/columns", json=body, headers=self.tenant.editor)
        )

    def sync(
        self, *, stages: str = "all", raise_on_error: bool = True
    ) -> dg.ExecuteInProcessResult:
        assets = {"all": [panel_extract, panel_table], "table": [panel_table]}[stages]
        db = PanelsDatabase(url=self.database_url)
        try:
            return dg.materialize(
                assets,
                partition_key=self.key,
                instance=self.instance,
                resources={"panels_db": db, "sync_settings": self.sync_settings},
                raise_on_error=raise_on_error,
                selection=assets,
            )
        finally:
            db.dispose()

    def _conn(self) -> psycopg.Connection[Any]:
        return psycopg.connect(sqlalchemy_url(self.database_url).replace("+psycopg", ""))

    def current(self) -> dict[str, Any] | None:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT v.number, v.table_name, v.row_count, v.reject_count, v.status, v.stats"
                " FROM panels p JOIN panel_versions v ON v.id = p.current_version_id"
                " WHERE p.id = %s",
                (self.panel["id"],),
            ).fetchone()
        if row is None:
            return None
        return dict(
            zip(("number", "table", "rows", "rejects", "status", "stats"), row, strict=True)
        )

    def rows(self, order_by: str = "_row_id") -> list[dict[str, Any]]:
        current = self.current()
        assert current is not None, "the panel has no published version"
        with self._conn() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(
                sql.SQL("SELECT * FROM panel_data.{} ORDER BY {}").format(
                    sql.Identifier(current["table"]), sql.Identifier(order_by)
                )
            )
            meta = ("_row_id", "_created", "_changed", "_hash")  # the rows, not their history
            return [{k: v for k, v in r.items() if k not in meta} for r in cur.fetchall()]

    def rejects(self) -> list[dict[str, Any]]:
        current = self.current()
        assert current is not None
        name = current["table"].replace("p_", "r_", 1)
        with self._conn() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(
                sql.SQL("SELECT * FROM panel_data.{} ORDER BY _source_row").format(
                    sql.Identifier(name)
                )
            )
            return cur.fetchall()

    def checks(self) -> list[dict[str, Any]]:
        """The quality rules' results recorded on the current version."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT v.checks FROM panels p JOIN panel_versions v"
                " ON v.id = p.current_version_id WHERE p.id = %s",
                (self.panel["id"],),
            ).fetchone()
        return list(row[0] or []) if row else []

    def versions(self) -> list[tuple[int, str]]:
        with self._conn() as conn:
            return [
                tuple(r)
                for r in conn.execute(  # type: ignore[misc]
                    "SELECT number, status FROM panel_versions WHERE panel_id = %s ORDER BY number",
                    (self.panel["id"],),
                ).fetchall()
            ]

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        with self._conn() as conn:
            return [
                tuple(r)
                for r in conn.execute(  # type: ignore[misc]
                    "SELECT type, payload FROM panel_events WHERE panel_id = %s ORDER BY id",
                    (self.panel["id"],),
                ).fetchall()
            ]


def table_metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (event,) = result.asset_materializations_for_node("panel_table")
    return {k: v.value for k, v in event.metadata.items()}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def batched(settings: SyncSettings, rows: int) -> SyncSettings:
    """The same sync settings with batches of ``rows`` rows."""
    return SyncSettings(
        state_dir=settings.state_dir,
        data_root=settings.data_root,
        source_allowlist=settings.source_allowlist,
        batch_rows=rows,
        snapshot_root=settings.snapshot_root,
        write_snapshots=settings.write_snapshots,
        snapshot_compact_segments=settings.snapshot_compact_segments,
    )
