"""``panels sync``, ``versions`` and ``rollback``: commands that name panels (``backfill``:
``cli_backfill``).

A panel is named ``TENANT.PANEL`` (slugs) everywhere; a misspelt one gets the closest name.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from core.progress import SyncProgress
from core.settings import Settings
from serving.admin import ops
from serving.admin import tenants as admin
from serving.admin.cli_support import fail, owner_settings, progress_bar, settings
from serving.orchestration import syncs
from serving.orchestration.dagster_client import (
    DagsterClient,
    DagsterRejected,
    DagsterUnavailable,
    RunInfo,
)

PanelKey = Annotated[str, typer.Argument(help="TENANT.PANEL (slugs), e.g. demo.flights")]


def _check_panel(config: Settings, key: str) -> None:
    """Refuse an unknown panel before Dagster adds a partition for it (when the database is
    known; without it, Dagster alone decides)."""
    if not config.database_url:
        return
    with admin.owner_session(config) as session:
        try:
            ops.panel_by_key(session, key)
        except admin.AdminError as exc:
            raise fail(str(exc)) from exc


def explain(config: Settings, key: str, run: RunInfo) -> list[str]:
    """Why the run failed for this panel, from what it recorded in Panels; then the run."""
    url = f"{config.resolved_dagster_url}/runs/{run.run_id}"
    sync = None
    if config.database_url:
        with admin.owner_session(config) as session:
            panel = ops.panel_by_key(session, key)
            found = syncs.records(session, panel.tenant_id, panel.id, [run.run_id])
            sync = syncs.public(
                panel_id=panel.id,
                partition=key,
                run_id=run.run_id,
                run=run,
                record=found.get(run.run_id, syncs.Record()),
                dagster_url=config.resolved_dagster_url,
            )
    reason = sync.error if sync else f"the Dagster run failed ({run.failure_reason or 'unknown'})"
    lines = [f"error: {key}: the sync {run.status}: {reason}"]
    if sync and sync.failed_version:
        lines.append(f"  version {sync.failed_version} was not published; the last good one stays")
    for rule in sync.failed_rules if sync else []:
        count = "" if rule.unexpected_count is None else f": {rule.unexpected_count} rows"
        examples = f", e.g. {', '.join(map(str, rule.examples[:3]))}" if rule.examples else ""
        lines.append(f"  rule {rule.name!r} ({rule.severity}, {rule.kind}){count}{examples}")
    if run.retry_pending:
        lines.append("  Dagster will retry the run (its retry daemon re-executes it)")
    elif run.retry_run_id:
        lines.append(f"  Dagster retried it: {config.resolved_dagster_url}/runs/{run.retry_run_id}")
    lines.append(f"  run: {url}")
    return lines


def _follow(client: DagsterClient, key: str, run_id: str, timeout: int) -> RunInfo:
    """Poll the run until it ends: a line per status change, and the sync's progress (rows
    read, written, rejected, phase) from the run log, as a bar on a terminal or as lines."""
    console = Console(stderr=True, highlight=False)
    started, last, cursor = time.monotonic(), "", None
    bar = progress_bar(console)
    task = bar.add_task(f"{escape(key)}: starting", total=None) if bar is not None else None
    with bar or nullcontext():
        while time.monotonic() - started < timeout:
            run = client.run(run_id)
            status = run.status if run else "unknown"
            elapsed = time.monotonic() - started
            if status != last:
                console.print(f"[{elapsed:6.1f}s] {key}: {status}", markup=False, soft_wrap=True)
                last = status
            messages, cursor = client.logs(run_id, cursor)
            for message in messages:
                progress = SyncProgress.parse(message)
                if progress is None:
                    continue
                if bar is not None and task is not None:
                    bar.update(
                        task,
                        description=f"{escape(key)}: {escape(progress.phase)}"
                        f" ({progress.written:,} written, {progress.rejected:,} rejected)",
                        completed=progress.read,
                        total=progress.total,
                    )
                else:
                    # One line each, however narrow the console: logs and scripts read them.
                    console.print(
                        f"[{elapsed:6.1f}s] {key}: {progress.message()}",
                        markup=False,
                        soft_wrap=True,
                    )
            if run is not None and run.finished:
                return run
            time.sleep(1)
    raise fail(f"the run did not finish within {timeout}s (it goes on in Dagster)")


def sync(
    panel: PanelKey,
    wait: Annotated[bool, typer.Option(help="Follow the run until it ends")] = False,
    formulas_only: Annotated[
        bool, typer.Option(help="Re-run formulas from the last extract")
    ] = False,
    timeout: Annotated[int, typer.Option(help="Seconds to wait at most")] = 3600,
) -> None:
    """Start a sync as a Dagster run (through the webserver) and print its run id."""
    config = settings()
    if "." not in panel:
        raise fail("name the panel as TENANT.PANEL (slugs), e.g. demo.flights")
    _check_panel(config, panel)
    client = DagsterClient(config.resolved_dagster_url)
    try:
        run_id = client.launch_sync(
            panel, formulas_only=formulas_only, tags={"panels/trigger": "cli"}
        )
    except (DagsterUnavailable, DagsterRejected) as exc:
        raise fail(f"{exc} (set PANELS_DAGSTER_URL, or start `panels demo`)") from exc
    typer.echo(run_id)
    typer.echo(f"{config.resolved_dagster_url}/runs/{run_id}", err=True)
    if not wait:
        return
    try:
        run = _follow(client, panel, run_id, timeout)
    except KeyboardInterrupt:
        raise fail("stopped waiting; the run goes on in Dagster") from None
    except (DagsterUnavailable, DagsterRejected) as exc:
        raise fail(f"lost the run: {exc}") from exc
    if run.status != "succeeded":
        for line in explain(config, panel, run):
            typer.echo(line, err=True)
        raise typer.Exit(code=1)


def versions(panel: PanelKey) -> None:
    """List a panel's versions, newest first (* marks the served one)."""
    with admin.owner_session(owner_settings()) as session:
        try:
            rows = ops.versions(session, panel)
        except admin.AdminError as exc:
            raise fail(str(exc)) from exc
    typer.echo(f"{'':1} {'version':>7}  {'status':<10} {'rows':>10} {'rejects':>8}  checks   run")
    for v in rows:
        typer.echo(
            f"{'*' if v['current'] else ' '} {v['number']:>7}  {v['status']:<10}"
            f" {v['rows'] if v['rows'] is not None else '-':>10}"
            f" {v['rejects'] if v['rejects'] is not None else '-':>8}"
            f"  {v['checks'] or '-':<8} {v['run'] or '-'}"
        )


def rollback(
    panel: PanelKey,
    version: Annotated[int, typer.Argument(help="A retained version number")],
) -> None:
    """Serve a retained older version again (emits panel.materialized, audited)."""
    with admin.owner_session(owner_settings()) as session:
        try:
            done = ops.rollback(session, panel, version)
        except admin.AdminError as exc:
            raise fail(str(exc)) from exc
    typer.echo(f"{done.panel}: serving version {done.to_version} (was {done.from_version})")
