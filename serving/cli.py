"""The ``panels`` command line."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Annotated

import typer

from models.enums import Role
from serving import admin
from serving.settings import get_settings

app = typer.Typer(help="Panels: multi-tenant live data panels.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create the database if missing and apply the migrations."""
    from models.migrate import upgrade  # noqa: PLC0415 - alembic only for this command

    settings = get_settings()
    url = settings.require_database_url()
    if admin.ensure_database(url):
        typer.echo("created the database", err=True)
    upgrade(url, revision)
    typer.echo(f"database at {revision}", err=True)


@tenant_app.command("create")
def tenant_create(
    slug: str, name: Annotated[str | None, typer.Option(help="Display name")] = None
) -> None:
    """Create a tenant."""
    with admin.owner_session(get_settings()) as session:
        try:
            tenant = admin.create_tenant(session, slug=slug, name=name or slug)
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc
        typer.echo(str(tenant.id))


@user_app.command("create")
def user_create(
    email: str,
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    role: Annotated[Role, typer.Option(help="viewer, editor or admin")] = Role.viewer,
) -> None:
    """Create a user. The password comes from stdin when piped, else is generated and printed."""
    password = (
        None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.readline().strip() or None
    )
    if password is not None and len(password) < 12:
        raise _fail("the password must have at least 12 characters")
    with admin.owner_session(get_settings()) as session:
        try:
            found = admin.get_tenant(session, tenant)
            user, generated = admin.create_user(
                session, tenant=found, email=email, role=role, password=password
            )
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc
        typer.echo(f"created {user.email} ({user.role.value}) in {tenant}", err=True)
        if generated:
            typer.echo(f"password: {generated}")


@app.command("token")
def token(
    email: str,
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds")] = None,
) -> None:
    """Print a JWT for a user on stdout."""
    settings = get_settings()
    with admin.owner_session(settings) as session:
        try:
            typer.echo(
                admin.issue_token(settings, session, tenant_slug=tenant, email=email, ttl=ttl)
            )
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc


@app.command("sync")
def sync(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL, e.g. demo.flights")],
    wait: Annotated[bool, typer.Option(help="Follow the run until it ends")] = False,
    formulas_only: Annotated[
        bool, typer.Option(help="Re-run formulas from the last extract")
    ] = False,
    timeout: Annotated[int, typer.Option(help="Seconds to wait at most")] = 3600,
) -> None:
    """Start a sync as a Dagster run (through the webserver) and print its run id."""
    import time  # noqa: PLC0415

    from serving.dagster_client import DagsterClient, DagsterRejected, DagsterUnavailable  # noqa: PLC0415

    if "." not in panel:
        raise _fail("name the panel as TENANT.PANEL, e.g. demo.flights")
    settings = get_settings()
    client = DagsterClient(settings.resolved_dagster_url)
    try:
        run_id = client.launch_sync(
            panel, formulas_only=formulas_only, tags={"panels/trigger": "cli"}
        )
    except (DagsterUnavailable, DagsterRejected) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(run_id)
    typer.echo(f"{settings.resolved_dagster_url}/runs/{run_id}", err=True)
    if not wait:
        return
    started, last = time.monotonic(), ""
    while time.monotonic() - started < timeout:
        run = client.run(run_id)
        status = run.status if run else "unknown"
        if status != last:
            typer.echo(f"[{time.monotonic() - started:6.1f}s] {panel}: {status}", err=True)
            last = status
        if run is not None and run.finished:
            if run.status != "succeeded":
                raise typer.Exit(code=1)
            return
        time.sleep(1)
    raise _fail(f"the run did not finish within {timeout}s (it goes on in Dagster)")


def _failed_panels(session: object, tenant_id: object) -> set[str]:
    """Panels whose latest sync outcome is a failure (no publish since)."""
    from sqlalchemy import text  # noqa: PLC0415

    rows = session.execute(  # type: ignore[attr-defined]
        text(
            "SELECT p.slug FROM panels p JOIN LATERAL ("
            " SELECT e.type FROM panel_events e WHERE e.panel_id = p.id"
            " AND e.type IN ('panel.materialized', 'sync.failed') ORDER BY e.id DESC LIMIT 1"
            ") last ON true WHERE p.tenant_id = :tenant AND last.type = 'sync.failed'"
        ),
        {"tenant": tenant_id},
    )
    return {slug for (slug,) in rows}


@app.command("backfill")
def backfill(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    panel: Annotated[
        list[str] | None, typer.Option(help="Panel slug (repeatable); default: all")
    ] = None,
    failed_only: Annotated[bool, typer.Option(help="Only panels whose last sync failed")] = False,
    batch_size: Annotated[int, typer.Option(help="Panels per Dagster run")] = 100,
) -> None:
    """Sync some or all panels of a tenant in batch runs (one Dagster run per batch)."""
    from sqlalchemy import select  # noqa: PLC0415

    from models import Panel  # noqa: PLC0415
    from serving.dagster_client import DagsterClient, DagsterRejected, DagsterUnavailable  # noqa: PLC0415

    settings = get_settings()
    with admin.owner_session(settings) as session:
        try:
            found = admin.get_tenant(session, tenant)
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc
        slugs = set(session.scalars(select(Panel.slug).where(Panel.tenant_id == found.id)))
        unknown = set(panel or []) - slugs
        if unknown:
            raise _fail(f"no panel {', '.join(sorted(unknown))} in tenant {tenant!r}")
        chosen = set(panel) if panel else slugs
        if failed_only:
            chosen &= _failed_panels(session, found.id)
    keys = sorted(f"{tenant}.{slug}" for slug in chosen)
    if not keys:
        typer.echo("nothing to backfill", err=True)
        return
    client = DagsterClient(settings.resolved_dagster_url)
    try:
        for key in keys:
            client.ensure_partition(key)
        for i in range(0, len(keys), batch_size):
            batch = keys[i : i + batch_size]
            run_id = client.launch(
                "sync_panels_batch",
                tags={"panels/trigger": "backfill", "panels/tenant": tenant},
                run_config={"ops": {"sync_panels": {"config": {"partitions": batch}}}},
            )
            typer.echo(run_id)
            typer.echo(
                f"{len(batch)} panels: {settings.resolved_dagster_url}/runs/{run_id}", err=True
            )
    except (DagsterUnavailable, DagsterRejected) as exc:
        raise _fail(str(exc)) from exc


@app.command("versions")
def versions_command(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs)")],
) -> None:
    """List a panel's versions, newest first (* marks the served one)."""
    from serving import ops  # noqa: PLC0415

    with admin.owner_session(get_settings()) as session:
        try:
            rows = ops.versions(session, panel)
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"{'':1} {'version':>7}  {'status':<10} {'rows':>10} {'rejects':>8}  checks   run")
    for v in rows:
        typer.echo(
            f"{'*' if v['current'] else ' '} {v['number']:>7}  {v['status']:<10}"
            f" {v['rows'] if v['rows'] is not None else '-':>10}"
            f" {v['rejects'] if v['rejects'] is not None else '-':>8}"
            f"  {v['checks'] or '-':<8} {v['run'] or '-'}"
        )


@app.command("rollback")
def rollback_command(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs)")],
    version: Annotated[int, typer.Argument(help="A retained version number")],
) -> None:
    """Serve a retained older version again (emits panel.materialized, audited)."""
    from serving import ops  # noqa: PLC0415

    with admin.owner_session(get_settings()) as session:
        try:
            done = ops.rollback(session, panel, version)
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"{done.panel}: serving version {done.to_version} (was {done.from_version})")


@app.command("backup")
def backup_command(
    path: Annotated[str, typer.Argument(help="The dump file to write (pg_dump custom format)")],
) -> None:
    """Dump the whole Panels database (definitions, tenants, published tables)."""
    from serving import ops  # noqa: PLC0415

    try:
        ops.backup(get_settings().require_database_url(), path)
    except admin.AdminError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"backup written to {path}", err=True)


@app.command("restore")
def restore_command(
    path: Annotated[str, typer.Argument(help="A dump written by `panels backup`")],
    database_url: Annotated[
        str | None, typer.Option(help="Restore into this database (default: PANELS_DATABASE_URL)")
    ] = None,
) -> None:
    """Restore a backup (into a new database, or over the configured one)."""
    from serving import ops  # noqa: PLC0415

    url = database_url or get_settings().require_database_url()
    try:
        ops.restore(url, path)
    except admin.AdminError as exc:
        raise _fail(str(exc)) from exc
    typer.echo("restored", err=True)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the API with uvicorn."""
    import uvicorn  # noqa: PLC0415

    from serving.realtime.protocol import PanelsWebSocketProtocol  # noqa: PLC0415

    settings = get_settings()
    settings.require_database_url()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # One /metrics answer for every worker: prometheus-client's multiprocess mode.
        metrics_dir = settings.state_dir / "metrics" / str(os.getpid())
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    uvicorn.run(
        "serving.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
        # Events are small and fan out to thousands of sockets: compressing each copy per
        # connection costs more CPU than the bytes it saves.
        ws_per_message_deflate=False,
        # uvicorn's sans-I/O WebSocket protocol, plus prebuilt frames for the event fan-out.
        ws=PanelsWebSocketProtocol,
        # Open WebSockets and slow downloads do not hold a restart forever.
        timeout_graceful_shutdown=15,
    )


@app.command("demo")
def demo(
    seed_only: Annotated[bool, typer.Option(help="Seed and exit without serving")] = False,
) -> None:
    """Start everything for a local demo (embedded PostgreSQL when PANELS_DATABASE_URL is unset)."""
    from serving.demo import run_demo  # noqa: PLC0415

    run_demo(seed_only=seed_only)


if __name__ == "__main__":
    app()
