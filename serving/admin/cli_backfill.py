"""``panels backfill``: a Dagster backfill of panel partitions, followed with ``--wait``.

The backfill is Dagster's own (the UI's Backfills tab): both sync assets over the chosen
panels' partitions, one run per panel, launched by the daemon under the instance's queue and
its per-tenant limit. One run for many panels (a single-run backfill policy) would be cheaper,
but Dagster records a step's outcome for every partition of its run, and the quality checks of
a run of several partitions have no partition to be recorded on: docs/scaling.md, "Backfills".
"""

from __future__ import annotations

import time
import uuid
from contextlib import nullcontext
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.events import EventType
from core.partitions import partition_key
from models import Panel
from serving.admin import ops
from serving.admin import tenants as admin
from serving.admin.cli_support import fail, owner_settings, progress_bar, tenant_named
from serving.admin.cli_syncs import explain
from serving.orchestration.dagster_client import (
    BackfillInfo,
    DagsterClient,
    DagsterRejected,
    DagsterUnavailable,
)

_FAILED = text(
    "SELECT p.slug FROM panels p JOIN LATERAL ("
    " SELECT e.type FROM panel_events e WHERE e.panel_id = p.id"
    " AND e.type IN (:published, :failed) ORDER BY e.id DESC LIMIT 1"
    ") last ON true WHERE p.tenant_id = :tenant AND last.type = :failed"
)


def _failed_panels(session: Session, tenant_id: uuid.UUID) -> set[str]:
    """Panels whose latest sync outcome is a failure (no publish since)."""
    rows = session.execute(
        _FAILED,
        {
            "tenant": tenant_id,
            "published": EventType.panel_materialized,
            "failed": EventType.sync_failed,
        },
    )
    return {slug for (slug,) in rows}


def _backfill_tenant(tenant: str | None, panels: list[str]) -> tuple[str, list[str]]:
    """The tenant and panel slugs of ``--tenant`` and ``--panel`` (slugs or TENANT.PANEL)."""
    named = {p.partition(".")[0] for p in panels if "." in p}
    if tenant is None and len(named) == 1:
        tenant = named.pop()
    if tenant is None:
        raise fail("say which tenant: --tenant SLUG, or --panel TENANT.PANEL")
    if named - {tenant}:
        raise fail(f"--panel names another tenant than {tenant!r}: {', '.join(sorted(named))}")
    return tenant, [p.partition(".")[2] if "." in p else p for p in panels]


def _progress(info: BackfillInfo, total: int) -> tuple[int, str]:
    """Panels done (published or failed), and a line saying where the backfill is."""
    latest = info.latest_runs()
    published, failed = len(info.published), len(info.failed)
    running = sum(1 for r in latest.values() if not r.finished)
    waiting = max(0, total - published - failed - running)
    if info.finished:
        state = info.dagster_status.lower().replace("_", " ")
    elif published + failed == total:
        state = "every run ended; Dagster closes the backfill on its next look"
    else:
        state = f"{running} running, {waiting} waiting"
    return published + failed, f"{published} published, {failed} failed; {state}"


def _follow(client: DagsterClient, backfill_id: str, total: int, timeout: int) -> BackfillInfo:
    """Poll the backfill until Dagster closes it: a bar on a terminal, else a line per change."""
    console = Console(stderr=True, highlight=False)
    started, last = time.monotonic(), ""
    bar = progress_bar(console)
    task = bar.add_task("backfill: requested", total=total) if bar is not None else None
    with bar or nullcontext():
        while time.monotonic() - started < timeout:
            info = client.backfill(backfill_id)
            if info is None:
                raise fail(f"Dagster knows no backfill {backfill_id!r} any more")
            done, line = _progress(info, total)
            if bar is not None and task is not None:
                bar.update(task, completed=done, description=f"backfill: {escape(line)}")
            elif line != last:
                elapsed = time.monotonic() - started
                console.print(f"[{elapsed:6.1f}s] backfill: {line}", markup=False, soft_wrap=True)
            last = line
            if info.finished:
                return info
            time.sleep(1)
    raise fail(f"the backfill did not finish within {timeout}s (it goes on in Dagster)")


def backfill(
    tenant: Annotated[
        str | None, typer.Option(help="Tenant slug (optional when --panel is TENANT.PANEL)")
    ] = None,
    panel: Annotated[
        list[str] | None,
        typer.Option(help="Panel: slug or TENANT.PANEL (repeatable); default: all"),
    ] = None,
    failed_only: Annotated[bool, typer.Option(help="Only panels whose last sync failed")] = False,
    wait: Annotated[bool, typer.Option(help="Show progress until the backfill ends")] = False,
    timeout: Annotated[int, typer.Option(help="Seconds to wait at most")] = 3600,
) -> None:
    """Sync some or all panels of a tenant as a Dagster backfill (one run per panel); its id
    on stdout. With --wait, exit 1 if any panel failed."""
    config = owner_settings()
    tenant, wanted = _backfill_tenant(tenant, panel or [])
    with admin.owner_session(config) as session:
        found = tenant_named(session, tenant)
        slugs = set(session.scalars(select(Panel.slug).where(Panel.tenant_id == found.id)))
        for slug in sorted(set(wanted) - slugs):
            raise fail(f"no panel {slug!r} in tenant {tenant!r}{ops.closest(slug, slugs)}")
        chosen = set(wanted) if wanted else slugs
        if failed_only:
            chosen &= _failed_panels(session, found.id)
    keys = sorted(partition_key(tenant, slug) for slug in chosen)
    if not keys:
        typer.echo("nothing to backfill", err=True)
        return
    client = DagsterClient(config.resolved_dagster_url)
    try:
        for key in keys:
            client.ensure_partition(key)
        backfill_id = client.launch_backfill(
            keys,
            tags={"panels/trigger": "backfill", "panels/tenant": tenant},
            title=f"panels backfill of {tenant}: {len(keys)} panels",
        )
    except (DagsterUnavailable, DagsterRejected) as exc:
        raise fail(f"{exc} (set PANELS_DAGSTER_URL, or start `panels demo`)") from exc
    typer.echo(backfill_id)
    url = f"{config.resolved_dagster_url}/runs/b/{backfill_id}"
    typer.echo(f"{len(keys)} panels: {url}", err=True)
    if not wait:
        return
    try:
        info = _follow(client, backfill_id, len(keys), timeout)
    except KeyboardInterrupt:
        raise fail("stopped waiting; the backfill goes on in Dagster") from None
    except (DagsterUnavailable, DagsterRejected) as exc:
        raise fail(f"lost the backfill: {exc}") from exc
    if info.succeeded:
        typer.echo(f"backfill {backfill_id}: {len(info.published)} panels published", err=True)
        return
    latest = info.latest_runs()
    for key in info.failed:
        for line in explain(config, key, latest[key]):
            typer.echo(line, err=True)
    typer.echo(
        f"error: the backfill ended {info.dagster_status.lower()}: {len(info.failed)} of"
        f" {len(keys)} panels failed ({url})",
        err=True,
    )
    raise typer.Exit(code=1)
