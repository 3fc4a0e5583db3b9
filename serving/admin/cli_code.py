"""``panels plan``, ``panels apply``, ``panels export``, ``panels schema``: panels as code.

A file (YAML or JSON, ``schemas.panels_file``) declares a tenant's panels. ``plan`` shows what
applying it would change (create / update / delete per object, field by field; the last line
``N to create, M to update, K to delete``); ``apply`` makes those changes through the API's own
checks in one transaction, after asking (``--yes`` does not ask). A refusal points at the file:
``flights.yaml:14:25: ...`` (a formula error at the character it names). ``export`` writes the
current definitions in the same format; planning an exported file changes nothing.

The commands run where the other ``panels`` commands do (the database from the configuration
discovery), as the tenant's owner: audited as ``cli``. ``POST /api/v1/apply`` does the same
over HTTP with an API token.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from core.crypto import SecretBox
from models.db import make_engine, set_tenant
from schemas.panels_file import ApplyRequest, ApplyResult, PanelsFile
from serving.admin import tenants as admin
from serving.admin.cli_support import cli_principal, fail, owner_settings, tenant_named
from serving.http.errors import ApiError

if TYPE_CHECKING:
    pass

FileOption = Annotated[Path, typer.Option("--file", "-f", help="The panels file (YAML or JSON)")]
TenantOption = Annotated[
    str | None, typer.Option(help="Tenant slug (default: the file's `tenant`)")
]
PruneOption = Annotated[bool, typer.Option("--prune", help="Delete what the file does not declare")]
HEADER = (
    "# A panels file: `panels plan -f FILE`, `panels apply -f FILE`."
    " Its JSON Schema: `panels schema`.\n"
)


# --- where in the file ------------------------------------------------------------------------


def _node_at(text: str, path: list[str]) -> yaml.Node | None:
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            return node
        if node is None:
            return None
    return node


def locate(text: str, field: str, offset: int | None = None) -> tuple[int, int] | None:
    """(line, column), 1-based, of the document path ``field`` (and ``offset`` into its text)."""
    parts = field.removeprefix("document").strip(".").split(".")
    node = _node_at(text, [p for p in parts if p])
    if node is None:
        return None
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if offset is None or not isinstance(node, yaml.ScalarNode):
        return line, column
    style = node.style or ""
    if style in ("|", ">"):  # a block scalar: its text starts on the next line
        before = str(node.value)[:offset]
        indent = len(text.splitlines()[node.start_mark.line + 1]) - len(
            text.splitlines()[node.start_mark.line + 1].lstrip()
        )
        return line + 1 + before.count("\n"), indent + 1 + len(before.rsplit("\n", 1)[-1])
    return line, column + (1 if style in ("'", '"') else 0) + offset


def _refusal(path: Path, text: str, exc: ApiError) -> typer.Exit:
    error = exc.errors[0] if exc.errors else None
    if error is None:
        return fail(f"{path}: {exc.detail}")
    where = locate(text, error.field, error.position)
    message = error.message + (f" ({error.hint})" if error.hint else "")
    if where is None:
        return fail(f"{path}: {error.field.removeprefix('document.')}: {message}")
    return fail(f"{path}:{where[0]}:{where[1]}: {error.field.removeprefix('document.')}: {message}")


# --- reading the file --------------------------------------------------------------------------


def read_document(path: Path) -> tuple[str, PanelsFile]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text) if path.suffix.lower() != ".json" else json.loads(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise fail(f"{path}{where}: not YAML: {exc.problem}") from exc
    except (yaml.YAMLError, ValueError) as exc:
        raise fail(f"{path}: cannot read it: {exc}") from exc
    try:
        return text, PanelsFile.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        spot = locate(text, field)
        at = f":{spot[0]}:{spot[1]}" if spot else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise fail(f"{path}{at}: {field}: {first['msg']}{more}") from exc


def _tenant_of(document: PanelsFile, tenant: str | None) -> str:
    if tenant and document.tenant and tenant != document.tenant:
        raise fail(f"--tenant {tenant} but the file is tenant {document.tenant!r}'s")
    chosen = tenant or document.tenant
    if not chosen:
        raise fail("which tenant? give --tenant or `tenant:` in the file")
    return chosen


def _run(path: Path, tenant: str | None, *, prune: bool, dry_run: bool) -> ApplyResult:
    from serving.api import apply  # noqa: PLC0415 - the API modules, for this command only

    text, document = read_document(path)
    slug = _tenant_of(document, tenant)
    settings = owner_settings()
    secrets = {n: os.environ[n] for n in apply.references(document) if n in os.environ}
    with admin.owner_session(settings) as session:
        found = tenant_named(session, slug)
        tenant_id = found.id
    principal = cli_principal(tenant_id, slug)
    engine = make_engine(settings.require_database_url(), pool_size=1)
    request = ApplyRequest(document=document, secrets=secrets, prune=prune, dry_run=dry_run)
    try:
        return apply.run(engine, apply.Context(settings, SecretBox(settings), principal), request)
    except ApiError as exc:
        raise _refusal(path, text, exc) from exc
    finally:
        engine.dispose()


def _show(result: ApplyResult) -> None:
    console = Console(highlight=False)
    colours = {"+": "green", "~": "yellow", "-": "red"}
    for line in result.text.splitlines():
        colour = colours.get(line[:1]) if line[1:2] == " " else None
        console.print(f"[{colour}]{escape(line)}[/{colour}]" if colour else escape(line))


# --- the commands -------------------------------------------------------------------------------


def plan(file: FileOption, tenant: TenantOption = None, prune: PruneOption = False) -> None:
    """What applying FILE would change, object by object and field by field."""

    _show(_run(file, tenant, prune=prune, dry_run=True))


def apply_command(
    file: FileOption,
    tenant: TenantOption = None,
    prune: PruneOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking")] = False,
) -> None:
    """Apply FILE: show the plan, ask, then make every change in one transaction."""
    planned = _run(file, tenant, prune=prune, dry_run=True)
    _show(planned)
    if not planned.changes:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise fail("not applied: add --yes to apply without being asked")
        typer.confirm("Apply these changes?", abort=True)
    result = _run(file, tenant, prune=prune, dry_run=False)
    summary = result.summary
    typer.echo(
        f"applied: {summary.create} created, {summary.update} updated, {summary.delete} deleted"
    )


def export_command(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    panel: Annotated[str | None, typer.Option(help="One panel's slug")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output)")
    ] = None,
) -> None:
    """The tenant's panels (or one) as a panels file; secrets become {env: NAME} references."""
    from serving.api import apply  # noqa: PLC0415 - the API modules, for this command only

    settings = owner_settings()
    with admin.owner_session(settings) as session:
        found = tenant_named(session, tenant)
        admin_tenant = found.id
    engine = make_engine(settings.require_database_url(), pool_size=1)
    try:
        with engine.connect() as conn, Session(bind=conn) as session:
            set_tenant(session, admin_tenant)
            try:
                document = apply.export(session, tenant, admin_tenant, SecretBox(settings), panel)
            except LookupError:
                raise fail(f"tenant {tenant} has no panel {panel!r}") from None
    finally:
        engine.dispose()
    body: dict[str, Any] = apply.document_json(document)
    text = HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    variables = apply.references(document)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(document.panels)} panels to {output}", err=True)
    if variables:
        typer.echo(
            "secrets are references: set " + ", ".join(variables) + " to change them on apply"
            " (unset, the stored secrets are kept)",
            err=True,
        )


def schema_command() -> None:
    """The JSON Schema of a panels file (for editors: yaml-language-server, VS Code...)."""
    typer.echo(json.dumps(PanelsFile.model_json_schema(), indent=2))


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("apply")(apply_command)
    app.command("export")(export_command)
    app.command("schema")(schema_command)
