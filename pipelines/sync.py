"""One panel's sync, in two stages that Dagster runs as two assets.

``extract_panel`` reads every source (incremental sources from their stored cursor) and keeps
the result as Parquet per source; ``build_and_publish`` maps, casts, evaluates formulas and
publishes from those files, so a changed formula re-runs without calling the sources again.
Neither imports Dagster: the assets, the batch job and the tests call them directly.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine

from core.crypto import SecretBox
from core.enums import ColumnType
from core.events import EventType, write_event
from core.settings import Settings
from models import PanelColumn
from models.db import make_sessionmaker, system_session
from pipelines import build, publish
from pipelines.build import ChecksFailed
from pipelines.extract import _typed_cursor, extract_panel, merge_incremental
from pipelines.quality import status_of
from pipelines.spec import PanelSpec, load_spec

Log = Callable[[str], None]


@dataclass
class SyncEnv:
    """What a sync needs from outside: settings, the owner engine, the Dagster run id."""

    settings: Settings
    engine: Engine
    run_id: str | None = None
    log: Log = field(default=lambda _message: None)

    @property
    def conninfo(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def session(self) -> Any:
        return system_session(make_sessionmaker(self.engine))

    def spec(self, key: str) -> PanelSpec:
        with self.session() as session:
            return load_spec(session, key, SecretBox(self.settings))

    def extract_path(self, spec: PanelSpec, source: str) -> Path:
        return self.settings.extract_dir / spec.tenant_slug / spec.slug / f"{source}.parquet"


def _column_key(field_name: str, taken: set[str]) -> str:
    key = re.sub(r"[^a-z0-9_]+", "_", field_name.lower()).strip("_") or "field"
    if key[0].isdigit():
        key = f"f_{key}"
    key = key[:60]
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _add_drifted_columns(
    env: SyncEnv, spec: PanelSpec, added: list[tuple[str, ColumnType]]
) -> list[str]:
    taken = {c.key for c in spec.columns}
    position = max((c.position for c in spec.columns), default=-1) + 1
    keys = []
    with env.session() as session:
        for i, (field_name, column_type) in enumerate(added):
            key = _column_key(field_name, taken)
            session.add(
                PanelColumn(
                    tenant_id=spec.tenant_id,
                    panel_id=spec.panel_id,
                    key=key,
                    name=field_name,
                    type=column_type,
                    position=position + i,
                    mapping={"source": None, "field": field_name, "cast": None},
                )
            )
            keys.append(key)
        session.commit()
    return keys


def build_and_publish(env: SyncEnv, key: str) -> dict[str, Any]:
    """Map, cast, evaluate, check and publish the panel from its kept extract, streamed."""
    started = time.perf_counter()
    spec = env.spec(key)
    batch_rows = env.settings.sync_batch_rows
    sources = build.readers(spec, lambda name: env.extract_path(spec, name), batch_rows)
    per_source, added = build.drift(spec, sources)
    added_keys: list[str] = []
    if added:
        added_keys = _add_drifted_columns(env, spec, added)
        spec = env.spec(key)
        sources = build.readers(spec, lambda name: env.extract_path(spec, name), batch_rows)
        per_source, _ = build.drift(spec, sources)
    totals = [b.rows() for b in sources.values()]
    progress = build.Progress(
        log=env.log, total=None if None in totals else sum(t or 0 for t in totals)
    )
    schema = [{"key": c.key, "name": c.name, "type": c.type.value} for c in spec.columns]
    version_id: uuid.UUID | None = None
    number: int | None = None
    # Autocommit: each step below opens its own explicit transaction.
    with (
        psycopg.connect(env.conninfo, autocommit=True) as conn,
        publish.panel_lock(conn, spec.panel_id),
    ):
        try:
            version_id, number = publish.begin_version(conn, spec, env.run_id)
            built = build.load_version(
                conn,
                spec,
                number,
                sources,
                per_source,
                progress,
                batch_rows=batch_rows,
                engine=env.engine,
            )
            check_status = status_of(built.checks)
            if built.checks:
                env.log(f"quality rules: {check_status} ({len(built.checks)} checked)")
            if check_status == "failed":
                message = publish.fail_checks(
                    conn, spec, version_id, number, built.checks, env.run_id
                )
                raise ChecksFailed(message, built.checks)
            stats = {
                "sources": {n: vars(s) for n, s in per_source.items()},
                "formulas": built.formulas,
                "added_columns": added_keys,
                "load_seconds": built.seconds.get("copy", 0.0),
                "seconds": built.seconds,
                "progress": progress.as_metadata(),
            }
            publish.switch_version(
                conn,
                spec,
                version_id,
                number,
                row_count=built.row_count,
                reject_count=built.reject_count,
                schema=schema,
                stats=stats,
                event=build.materialized_event(
                    spec, number, env.run_id, built, check_status, publish.elapsed(started)
                ),
                checks=built.checks,
                check_status=check_status,
            )
            dropped = publish.apply_retention(conn, spec, env.settings.version_retention)
        except ChecksFailed:
            raise
        except Exception as exc:
            publish.fail_version(
                conn, spec, version_id, number, f"{exc.__class__.__name__}: {exc}", env.run_id
            )
            raise
    progress.phase = f"published version {number}"
    progress.report(force=True)
    return {
        "version": number,
        "row_count": built.row_count,
        "reject_count": built.reject_count,
        "reject_examples": built.reject_examples,
        "schema": schema,
        "sources": {n: vars(s) for n, s in per_source.items()},
        "formulas": built.formulas,
        "added_columns": added_keys,
        "dropped_versions": dropped,
        "load_seconds": built.seconds.get("copy", 0.0),
        "seconds": built.seconds,
        "progress": progress.as_metadata(),
        "duration_seconds": publish.elapsed(started),
        "checks": built.checks,
        "check_status": check_status,
    }


def record_failure(env: SyncEnv, key: str, error: BaseException) -> None:
    """A ``sync.failed`` event for a failure outside the publish (extract, mapping...)."""
    try:
        spec = env.spec(key)
    except LookupError:
        return
    with env.session() as session:
        write_event(
            session,
            EventType.sync_failed,
            {
                "panel_id": str(spec.panel_id),
                "dagster_run_id": env.run_id,
                "error": f"{error.__class__.__name__}: {error}"[:2000],
            },
            tenant_id=spec.tenant_id,
            panel_id=spec.panel_id,
        )
        session.commit()


__all__ = [
    "ChecksFailed",
    "SyncEnv",
    "_typed_cursor",
    "build_and_publish",
    "extract_panel",
    "merge_incremental",
    "record_failure",
]
