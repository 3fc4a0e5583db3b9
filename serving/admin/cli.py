"""The ``panels`` command line."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Annotated

import typer

from core.enums import Role
from serving.admin import cli_backfill, cli_code, cli_panels, cli_support, cli_syncs
from serving.admin import tenants as admin
from serving.admin.cli_panels import panel_app, sources_app
from serving.admin.cli_support import PanelsApp, State, fail, owner_settings
from serving.admin.cli_webhooks import webhooks_app

app = PanelsApp(
    help="Panels: multi-tenant live data panels. Settings: PANELS_* variables, else the file"
    " a running `panels demo` writes (.panels/cli.env).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(panel_app, name="panel")
app.add_typer(sources_app, name="sources")
app.add_typer(webhooks_app, name="webhooks")
cli_code.register(app)
_fail = fail


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors")] = False,
) -> None:
    State.debug = debug


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create the database if missing and apply the migrations."""
    from models.migrate import upgrade  # noqa: PLC0415 - alembic only for this command

    url = owner_settings().require_database_url()
    if admin.ensure_database(url):
        typer.echo("created the database", err=True)
    upgrade(url, revision)
    typer.echo(f"database at {revision}", err=True)


@tenant_app.command("create")
def tenant_create(
    slug: str, name: Annotated[str | None, typer.Option(help="Display name")] = None
) -> None:
    """Create a tenant."""
    with admin.owner_session(owner_settings()) as session:
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
    with admin.owner_session(owner_settings()) as session:
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
    config = owner_settings()
    with admin.owner_session(config) as session:
        try:
            typer.echo(admin.issue_token(config, session, tenant_slug=tenant, email=email, ttl=ttl))
        except admin.AdminError as exc:
            raise _fail(str(exc)) from exc


app.command("sync")(cli_syncs.sync)
app.command("backfill")(cli_backfill.backfill)
app.command("versions")(cli_syncs.versions)
app.command("rows")(cli_panels.rows)
app.command("rollback")(cli_syncs.rollback)


@app.command("backup")
def backup_command(
    path: Annotated[str, typer.Argument(help="The dump file to write (pg_dump custom format)")],
) -> None:
    """Dump the whole Panels database (definitions, tenants, published tables)."""
    from serving.admin import ops  # noqa: PLC0415

    try:
        ops.backup(owner_settings().require_database_url(), path)
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
    from serving.admin import ops  # noqa: PLC0415

    url = database_url or owner_settings().require_database_url()
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

    config = owner_settings()
    # The app reads its settings from the environment: hand it what came from the file.
    os.environ.update(cli_support.from_file())
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # One /metrics answer for every worker: prometheus-client's multiprocess mode.
        metrics_dir = config.state_dir / "metrics" / str(os.getpid())
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    uvicorn.run(
        "serving.api.app:create_app",
        factory=True,
        host=host or config.api_host,
        port=port or config.api_port,
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
    from serving.admin.demo import run_demo  # noqa: PLC0415

    run_demo(seed_only=seed_only)


if __name__ == "__main__":
    app()
