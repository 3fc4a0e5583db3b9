"""``panels webhooks``: a tenant's endpoints, their delivery log, redelivery, and the worker.

The same functions as the HTTP routes (serving/webhooks/endpoints.py), as the tenant's owner
(audited as ``cli``); endpoints named by id, tenants by slug.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from core.crypto import SecretBox
from core.events import EventType
from models.db import libpq_url
from schemas.webhooks import DeliveryState, SecretRotate, WebhookCreate, WebhookUpdate
from serving.admin import tenants as admin
from serving.admin.cli_support import cli_principal, fail, owner_settings, tenant_named
from serving.http.errors import ApiError
from serving.reads.paging import Paging
from serving.webhooks import endpoints

webhooks_app = typer.Typer(
    help="Webhooks: endpoints, their deliveries, and the deliverer.", no_args_is_help=True
)
Tenant = Annotated[str, typer.Argument(help="The tenant's slug")]
Endpoint = Annotated[uuid.UUID, typer.Argument(help="The endpoint's id")]
Events = Annotated[
    list[EventType] | None, typer.Option("--event", help="An event type to send (repeat)")
]
Panels = Annotated[
    list[str] | None, typer.Option("--panel", help="Only this panel's events (repeat; slug or id)")
]


def _json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def _body(model: type[Any], **fields: Any) -> Any:
    try:
        return model(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else ""
        raise fail(f"{where}: {first['msg']}") from exc


def _run(tenant: str, call: Any) -> Any:
    """``call(session, principal, settings)`` as the tenant's owner; API errors in one line."""
    settings = owner_settings()
    with admin.owner_session(settings) as session:
        found = tenant_named(session, tenant)
        try:
            return call(session, cli_principal(found.id, found.slug), settings)
        except ApiError as exc:
            raise fail(exc.detail) from exc


@webhooks_app.command("list")
def list_endpoints(tenant: Tenant) -> None:
    """The tenant's endpoints (JSON)."""
    page = _run(tenant, lambda s, p, _: endpoints.list_all(s, p, Paging(limit=1000, offset=0)))
    _json([w.model_dump(mode="json") for w in page.data])


@webhooks_app.command("create")
def create(
    tenant: Tenant,
    url: Annotated[str, typer.Option(help="Where to POST events (https://...)")],
    event: Events = None,
    panel: Panels = None,
    description: Annotated[str, typer.Option(help="What the endpoint is for")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it disabled")] = False,
) -> None:
    """Add an endpoint; prints it with its signing secret (shown only now)."""
    body = _body(
        WebhookCreate,
        url=url,
        event_types=event or list(EventType),
        panels=panel,
        description=description,
        enabled=not disabled,
    )
    created = _run(
        tenant, lambda s, p, settings: endpoints.create(s, p, settings, SecretBox(settings), body)
    )
    _json(created.model_dump(mode="json"))


@webhooks_app.command("update")
def update(
    tenant: Tenant,
    webhook: Endpoint,
    url: Annotated[str | None, typer.Option(help="A new URL")] = None,
    event: Events = None,
    panel: Panels = None,
    all_panels: Annotated[bool, typer.Option("--all-panels", help="Every panel's events")] = False,
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Turn deliveries on or off")
    ] = None,
) -> None:
    """Change an endpoint (--enable resumes a disabled one's waiting deliveries)."""
    fields: dict[str, Any] = {"url": url, "event_types": event, "enabled": enable}
    if all_panels and panel:
        raise fail("--panel and --all-panels exclude each other")
    body = _body(WebhookUpdate, **fields)
    if all_panels or panel:
        body = WebhookUpdate(**body.model_dump(exclude_unset=True), panels=panel or None)
    changed = _run(tenant, lambda s, p, settings: endpoints.change(s, p, settings, webhook, body))
    _json(changed.model_dump(mode="json"))


@webhooks_app.command("delete")
def delete(
    tenant: Tenant,
    webhook: Endpoint,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking")] = False,
) -> None:
    """Delete an endpoint with its delivery log."""
    if not yes:
        if not sys.stdin.isatty():
            raise fail(f"not deleted: add --yes to delete endpoint {webhook} without being asked")
        typer.confirm(f"Delete endpoint {webhook} and its delivery log?", abort=True)
    _run(tenant, lambda s, p, _: endpoints.delete(s, p, webhook))
    typer.echo(f"deleted endpoint {webhook}")


@webhooks_app.command("rotate-secret")
def rotate_secret(
    tenant: Tenant,
    webhook: Endpoint,
    grace: Annotated[
        int, typer.Option(help="Seconds the old secret still signs deliveries")
    ] = SecretRotate().grace_seconds,
) -> None:
    """A new signing secret (printed once); the old one signs too for --grace seconds."""
    body = _body(SecretRotate, grace_seconds=grace)
    rotated = _run(
        tenant, lambda s, p, settings: endpoints.rotate(s, p, SecretBox(settings), webhook, body)
    )
    _json(rotated.model_dump(mode="json"))


@webhooks_app.command("deliveries")
def deliveries(
    tenant: Tenant,
    webhook: Endpoint,
    state: Annotated[DeliveryState | None, typer.Option(help="Only this state")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Newest first, at most")] = 50,
) -> None:
    """The delivery log: attempts, status, latency, error, next retry (JSON)."""
    page = _run(
        tenant,
        lambda s, p, _: endpoints.deliveries(s, p, webhook, Paging(limit=limit, offset=0), state),
    )
    _json([d.model_dump(mode="json") for d in page.data])


@webhooks_app.command("retry")
def retry(
    tenant: Tenant,
    webhook: Endpoint,
    delivery: Annotated[int, typer.Argument(help="The delivery's id")],
) -> None:
    """Deliver again now (before the endpoint's later deliveries)."""
    again = _run(tenant, lambda s, p, _: endpoints.retry(s, p, webhook, delivery))
    _json(again.model_dump(mode="json"))


@webhooks_app.command("worker")
def worker() -> None:
    """Deliver webhooks in the foreground (one deliverer leads; others stand by)."""
    from serving.http.logs import configure_logging  # noqa: PLC0415
    from serving.webhooks.deliverer import Deliverer  # noqa: PLC0415

    settings = owner_settings()
    configure_logging(settings.log_level, settings.log_json)
    url = settings.app_database_url or settings.require_database_url()
    deliverer = Deliverer(libpq_url(url), settings, as_app_role=settings.app_database_url is None)
    typer.echo("delivering webhooks (Ctrl-C stops)", err=True)
    asyncio.run(deliverer.run())
