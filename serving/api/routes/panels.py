from __future__ import annotations

import logging
import uuid
from typing import Any

import pydantic_core
from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from core.settings import Settings
from models import Panel
from schemas.common import Page
from schemas.panels import PanelCreate, PanelPublic, PanelUpdate
from serving.api.deps import EditorDep, PagingDep, ReadDep, SessionDep, SettingsDep
from serving.api.repo import get_owned
from serving.auth.principal import Principal
from serving.orchestration.dagster_client import DagsterClient, DagsterRejected, DagsterUnavailable
from serving.reads import lookups as reads
from serving.writes import mutations

router = APIRouter(prefix="/panels", tags=["panels"])
logger = logging.getLogger("panels.partitions")


def follow_partition(
    settings: Settings, *, add: str | None = None, remove: str | None = None
) -> None:
    """Keep the panel's Dagster partition in step at once; best effort, after the commit.

    When the webserver is away the ``panel_partitions_reconciler`` sensor repairs the drift.
    """
    client = DagsterClient(settings.resolved_dagster_url, timeout=2.0)
    try:
        if add:
            client.ensure_partition(add)
        if remove:
            client.delete_partition(remove)
    except (DagsterUnavailable, DagsterRejected) as exc:
        logger.info("partition change left to the reconciler", extra={"reason": str(exc)})


def load_panel(session: SessionDep, principal: Principal, panel_id: uuid.UUID) -> Panel:
    return get_owned(session, Panel, panel_id, principal, label="panel")


@router.get("", response_model=Page[PanelPublic])
async def list_panels(request: Request, reading: ReadDep, paging: PagingDep) -> Response:
    body = await reads.panel_page(reading, paging)
    return reading.hold(request, Response(body, media_type="application/json"))


def add_panel(session: Session, principal: Principal, panel_in: PanelCreate) -> PanelPublic:
    """Create the panel (its partition is the caller's to follow, after the commit)."""
    panel = Panel(tenant_id=principal.tenant_id, **panel_in.model_dump())
    return mutations.create(session, principal, panel, PanelPublic, object_type="panel")


def change_panel(
    session: Session, principal: Principal, panel: Panel, changes: dict[str, Any]
) -> PanelPublic:
    return mutations.update(session, principal, panel, changes, PanelPublic, object_type="panel")


@router.post("", response_model=PanelPublic, status_code=status.HTTP_201_CREATED)
def create_panel(
    session: SessionDep, principal: EditorDep, settings: SettingsDep, panel_in: PanelCreate
) -> PanelPublic:
    created = add_panel(session, principal, panel_in)
    follow_partition(settings, add=f"{principal.tenant_slug}.{created.slug}")
    return created


@router.get("/{panel_id}", response_model=PanelPublic)
async def read_panel(request: Request, reading: ReadDep, panel_id: uuid.UUID) -> Response:
    body = pydantic_core.to_json(await reads.panel(reading, panel_id))
    return reading.hold(request, Response(body, media_type="application/json"))


@router.patch("/{panel_id}", response_model=PanelPublic)
def update_panel(
    session: SessionDep,
    principal: EditorDep,
    settings: SettingsDep,
    panel_id: uuid.UUID,
    panel_in: PanelUpdate,
) -> PanelPublic:
    panel = load_panel(session, principal, panel_id)
    old_slug = panel.slug
    updated = change_panel(session, principal, panel, panel_in.model_dump(exclude_unset=True))
    if updated.slug != old_slug:  # the partition key follows the slug
        follow_partition(
            settings,
            add=f"{principal.tenant_slug}.{updated.slug}",
            remove=f"{principal.tenant_slug}.{old_slug}",
        )
    return updated


@router.delete("/{panel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_panel(
    session: SessionDep, principal: EditorDep, settings: SettingsDep, panel_id: uuid.UUID
) -> Response:
    panel = load_panel(session, principal, panel_id)
    key = f"{principal.tenant_slug}.{panel.slug}"
    mutations.delete(session, principal, panel, PanelPublic, object_type="panel")
    follow_partition(settings, remove=key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
