"""What every ``panels`` command shares: its settings, and errors as one line, not tracebacks."""

from __future__ import annotations

import sys
import traceback
import uuid
from functools import cache
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from core.enums import Role
from core.settings import Settings
from models import Tenant
from serving.admin import cli_config
from serving.admin import tenants as admin
from serving.auth.principal import Principal


class State:
    debug = False  # --debug: show the traceback of an unexpected error


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@cache
def loaded() -> cli_config.Loaded:
    found = cli_config.load()
    if found.used:
        typer.echo(f"using {', '.join(found.used)} from {found.path}", err=True)
    return found


def settings() -> Settings:
    return loaded().settings


def from_file() -> dict[str, str]:
    """The variables this command took from the file (for the processes it starts)."""
    found = loaded()
    if not found.used:  # nothing came from it (and it may not exist)
        return {}
    return {k: v for k, v in cli_config.read(found.path).items() if k in found.used}


def owner_settings() -> Settings:
    """The settings of a command that needs the database (owner role)."""
    found = loaded()
    if not found.settings.database_url:
        raise fail(
            f"PANELS_DATABASE_URL is not set and there is no {found.path}: set the variable,"
            " or start `panels demo` in another shell (it writes that file)"
        )
    return found.settings


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "invalid settings: " + "; ".join(
            (f"PANELS_{'_'.join(map(str, e['loc'])).upper()}: " if e["loc"] else "")
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{exc.__class__.__name__}: {lines[0] if lines else 'no message'}"


def _hint(exc: BaseException) -> str:
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    if isinstance(exc, OperationalError | ConnectionError | OSError):
        found = loaded.cache_info().currsize and loaded()
        if found and found.used:
            return f"is the `panels demo` that wrote {found.path} still running?"
        return "is the database (PANELS_DATABASE_URL) up and reachable?"
    return "`panels --debug ...` shows the traceback"


class PanelsApp(typer.Typer):
    """A Typer app whose unexpected errors end in one line on stderr (exit 1)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the CLI's last word on any failure
            if State.debug:
                traceback.print_exception(exc)
            typer.echo(f"error: {_one_line(exc)} ({_hint(exc)})", err=True)
            sys.exit(1)


def tenant_named(session: Session, slug: str) -> Tenant:
    """The tenant of ``slug``, or a one-line error."""
    try:
        return admin.get_tenant(session, slug)
    except admin.AdminError as exc:
        raise fail(str(exc)) from exc


def cli_principal(tenant_id: uuid.UUID, tenant_slug: str) -> Principal:
    """Who a changing command acts as: the tenant's owner, audited as ``cli`` (nil UUID)."""
    return Principal(uuid.UUID(int=0), tenant_id, tenant_slug, Role.admin, "cli")


def progress_bar(console: Console) -> Progress | None:
    """A progress bar (what, bar, done of total, time) on a terminal; None elsewhere, where
    the command prints a line per change instead."""
    if not console.is_terminal:
        return None
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
