"""``panels panel list`` and ``panels panel show``: a tenant's panels at a glance.

The same configuration discovery as every command (PANELS_* variables, else the demo's
file); panels named ``TENANT.PANEL`` (slugs), a misspelt one answered with the closest name.
Rich tables in a terminal, ``--format json`` for scripts.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.crypto import SecretBox
from core.names import unknown_name
from models import DataSource, Panel, PanelColumn, PanelVersion, Tenant, View
from schemas.panels import PanelCreate
from schemas.sources import PreviewOptions
from serving.admin import ops
from serving.admin import tenants as admin
from serving.admin.cli_support import cli_principal, fail, owner_settings, tenant_named
from serving.http.errors import ApiError
from serving.reads.rows import RowQuery, Sort, parse_keys, parse_sort

panel_app = typer.Typer(
    help="Panels: list them, show one, create or delete one.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table (a terminal) or json")]


def _out(
    rows: list[dict[str, Any]], fmt: Format, title: str, headers: list[str] | None = None
) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title=title)
    for key in headers or (list(rows[0]) if rows else ["panel"]):
        table.add_column(key)
    for row in rows:
        table.add_row(*("-" if v is None else escape(str(v)) for v in row.values()))
    Console().print(table)


def _panel(session: Session, key: str) -> Panel:
    """The panel of a TENANT.PANEL key, or a one-line error naming the closest."""
    try:
        return ops.panel_by_key(session, key)
    except admin.AdminError as exc:
        raise fail(str(exc)) from exc


@panel_app.command("list")
def panel_list(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    fmt: FormatOption = Format.table,
) -> None:
    """A tenant's panels: the served version, its rows, the refresh schedule."""
    with admin.owner_session(owner_settings()) as session:
        found = tenant_named(session, tenant)
        listed = session.execute(
            select(Panel, PanelVersion.number, PanelVersion.row_count)
            .outerjoin(PanelVersion, PanelVersion.id == Panel.current_version_id)
            .where(Panel.tenant_id == found.id)
            .order_by(Panel.slug)
        ).all()
        rows = [
            {
                "panel": f"{tenant}.{p.slug}",
                "name": p.name,
                "version": number,
                "rows": count,
                "refresh": p.refresh_cron,
                "timezone": p.timezone,
            }
            for p, number, count in listed
        ]
    _out(rows, fmt, f"{len(rows)} panels of {tenant}")


@panel_app.command("show")
def panel_show(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs), e.g. demo.flights")],
    fmt: FormatOption = Format.table,
) -> None:
    """One panel: its sources, columns (mapped or formula) and views."""
    with admin.owner_session(owner_settings()) as session:
        found = _panel(session, panel)
        sources = session.scalars(
            select(DataSource).where(DataSource.panel_id == found.id).order_by(DataSource.name)
        ).all()
        columns = session.scalars(
            select(PanelColumn)
            .where(PanelColumn.panel_id == found.id)
            .order_by(PanelColumn.position, PanelColumn.key)
        ).all()
        views = session.execute(
            select(View.name, func.count())
            .select_from(View)
            .where(View.panel_id == found.id)
            .group_by(View.name)
            .order_by(View.name)
        ).all()
        tenant = session.scalar(select(Tenant.slug).where(Tenant.id == found.tenant_id))
        key, name, refresh = f"{tenant}.{found.slug}", found.name, found.refresh_cron
        zone = found.timezone
        listed_sources = [{"name": x.name, "kind": x.kind.value} for x in sources]
        listed_columns: list[dict[str, Any]] = [
            {
                "key": c.key,
                "type": c.type.value,
                "from": f"= {c.formula}" if c.formula else (c.mapping or {}).get("field"),
            }
            for c in columns
        ]
        view_names = [view for view, _ in views]
    if fmt is Format.json:
        body = {
            "panel": key,
            "name": name,
            "refresh": refresh,
            "timezone": zone,
            "sources": listed_sources,
            "columns": listed_columns,
            "views": view_names,
        }
        typer.echo(json.dumps(body, indent=2))
        return
    console = Console()
    console.print(f"[bold]{escape(key)}[/bold]  {escape(name)}")
    console.print(f"refresh: {escape(refresh or 'on demand')} ({zone})")
    shown = ", ".join(f"{x['name']} ({x['kind']})" for x in listed_sources)
    console.print("sources: " + escape(shown or "-"))
    _out(listed_columns, Format.table, "columns")
    console.print("views: " + escape(", ".join(view_names) or "-"))


@panel_app.command("create")
def panel_create(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs), e.g. demo.weather")],
    name: Annotated[str, typer.Option(help="The panel's name")],
    description: Annotated[str, typer.Option(help="What the panel holds")] = "",
    refresh: Annotated[
        str | None, typer.Option(help="Refresh schedule, a cron expression (default: on demand)")
    ] = None,
    timezone: Annotated[str, typer.Option(help="The schedule's IANA time zone")] = "UTC",
    strict: Annotated[bool, typer.Option(help="Fail a sync on a bad row")] = False,
) -> None:
    """Create an empty panel (then: sources, columns, or `panels apply -f FILE`)."""
    from serving.api.routes import panels as routes  # noqa: PLC0415 - for this command only

    tenant_slug, sep, slug = panel.partition(".")
    if not sep:
        raise fail(f"name the panel as TENANT.PANEL (slugs), e.g. demo.flights, not {panel!r}")
    options = {"slug": "PANEL", "refresh_cron": "--refresh"}
    try:
        body = PanelCreate(
            slug=slug,
            name=name,
            description=description,
            refresh_cron=refresh,
            timezone=timezone,
            strict=strict,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else ""
        option = options.get(where, f"--{where.replace('_', '-')}")
        raise fail(f"{option}: {first['msg']}") from exc
    settings = owner_settings()
    with admin.owner_session(settings) as session:
        tenant = tenant_named(session, tenant_slug)
        if session.scalar(select(Panel.id).where(Panel.tenant_id == tenant.id, Panel.slug == slug)):
            raise fail(f"panel {panel} exists already")
        created = routes.add_panel(session, cli_principal(tenant.id, tenant.slug), body)
    routes.follow_partition(settings, add=panel)
    typer.echo(f"created panel {panel} ({created.id})")


@panel_app.command("delete")
def panel_delete(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs), e.g. demo.weather")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking")] = False,
) -> None:
    """Delete a panel with its sources, columns, views, rules and published versions."""
    from serving.api.routes import panels as routes  # noqa: PLC0415 - for this command only

    settings = owner_settings()
    with admin.owner_session(settings) as session:
        found = _panel(session, panel)
        if not yes:
            if not sys.stdin.isatty():
                raise fail(f"not deleted: add --yes to delete {panel} without being asked")
            typer.confirm(f"Delete panel {panel} and all its versions?", abort=True)
        tenant = session.get(Tenant, found.tenant_id)
        assert tenant is not None
        routes.delete_panel(session, cli_principal(tenant.id, tenant.slug), settings, found.id)
    typer.echo(f"deleted panel {panel}")


class RowsFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def rows(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs), e.g. demo.flights")],
    view: Annotated[str | None, typer.Option(help="A saved view's name")] = None,
    filter_json: Annotated[
        str | None,
        typer.Option(
            "--filter",
            help='A filter tree as JSON, e.g. \'{"column": "dep_delay", "op": "gt", "value": 60}\'',
        ),
    ] = None,
    sort: Annotated[str | None, typer.Option(help="Column keys, - for descending")] = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated column keys")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 20,
    fmt: Annotated[RowsFormat, typer.Option("--format", help="table, csv or json")] = (
        RowsFormat.table
    ),
) -> None:
    """The served version's rows: a view's columns, filters and sorts, or your own."""
    with admin.owner_session(owner_settings()) as session:
        found = _panel(session, panel)
        version = session.get(PanelVersion, found.current_version_id)
        if version is None:
            raise fail(f"{panel} has no published version yet (run `panels sync {panel}`)")
        schema: list[dict[str, str]] = list(version.schema)
        keys = [c["key"] for c in schema]
        sorts = parse_sort(sort)
        filters: list[Any] = []
        if view is not None:
            saved = session.scalar(select(View).where(View.panel_id == found.id, View.name == view))
            if saved is None:
                names = session.scalars(select(View.name).where(View.panel_id == found.id))
                raise fail(f"{panel} has no view {view!r}{ops.closest(view, names)}")
            by_id = {c.id: c.key for c in found.columns}
            shown = [by_id[vc.column_id] for vc in saved.view_columns if vc.visible]
            keys = [k for k in shown if k in keys] or keys
            sorts = sorts or [Sort(s["column"], s.get("direction") == "desc") for s in saved.sorts]
            if saved.filters:
                filters.append(saved.filters)
        if filter_json:
            try:
                filters.append(json.loads(filter_json))
            except ValueError as exc:
                raise fail(f"--filter: not valid JSON ({exc})") from exc
        if columns:
            keys = parse_keys(columns)
        try:
            query = RowQuery(str(version.table_name), schema, keys, sorts, filters)
        except ValueError as exc:  # QueryError, FilterError: the field and what is wrong
            where = getattr(exc, "field", None) or getattr(exc, "path", None)
            hint = getattr(exc, "hint", None)
            raise fail(f"{where}: {exc}" + (f" ({hint})" if hint else "")) from exc
        found_rows = [dict(r) for r in session.execute(query.select(limit=limit)).mappings()]
    out = [{k: r[k] for k in query.columns} for r in found_rows]
    if fmt is RowsFormat.json:
        typer.echo(json.dumps(out, indent=2, default=str))
    elif fmt is RowsFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(query.columns)
        writer.writerows([["" if v is None else v for v in r.values()] for r in out])
    else:
        _out(out, Format.table, f"{panel} v{version.number}: {len(out)} rows", query.columns)


sources_app = typer.Typer(help="A panel's data sources.", no_args_is_help=True)


@sources_app.command("preview")
def sources_preview(
    panel: Annotated[str, typer.Argument(help="TENANT.PANEL (slugs), e.g. demo.flights")],
    source: Annotated[
        str | None, typer.Argument(help="The source's name (may be left out when there is one)")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows read at most (1-10000)")] = 1_000,
    timeout: Annotated[float, typer.Option(help="Seconds, at most (up to 60)")] = 10.0,
    fmt: FormatOption = Format.table,
) -> None:
    """The fields a source's first rows show (name, type, nulls, examples), read through the
    sync's connector; nothing is stored or published."""
    from serving.writes import previews  # noqa: PLC0415 - the connectors, for this command

    settings = owner_settings()
    try:
        options = PreviewOptions(limit=limit, timeout=timeout)
    except ValidationError as exc:
        raise fail("; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from exc
    with admin.owner_session(settings) as session:
        found = _panel(session, panel)
        sources = session.scalars(
            select(DataSource).where(DataSource.panel_id == found.id).order_by(DataSource.name)
        ).all()
        tenant = session.scalar(select(Tenant.slug).where(Tenant.id == found.tenant_id))
        names = [s.name for s in sources]
        if source is None and len(sources) != 1:
            raise fail(
                f"panel {panel} has {len(sources)} sources"
                + (f" ({', '.join(names)}): name one" if sources else "")
            )
        chosen = next((s for s in sources if source in (None, s.name)), None)
        if chosen is None:
            raise fail(f"{unknown_name(str(source), names, 'source of ' + panel)}")
        spec = previews.saved_spec(chosen, SecretBox(settings))
    try:
        result = previews.read_preview(settings, str(tenant), spec, options, "source")
    except ApiError as exc:
        raise fail(exc.detail) from exc
    if fmt is Format.json:
        typer.echo(json.dumps(dataclasses.asdict(result), indent=2, default=str))
        return
    fields = [
        {
            "field": f.name,
            "type": f.type.value,
            "nulls": f.nulls,
            "examples": ", ".join(str(x) for x in f.examples),
        }
        for f in result.fields
    ]
    more = "" if result.complete else " (the source holds more)"
    _out(fields, Format.table, f"{spec.name}: {result.rows_read} rows read{more}")
    for note in result.notes:
        Console(stderr=True).print(f"note: {escape(note)}")
