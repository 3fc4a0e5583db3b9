from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from models import Panel
from schemas.common import Page
from schemas.panels import PanelCreate, PanelPublic, PanelUpdate
from serving import mutations
from serving.deps import EditorDep, PagingDep, Principal, SessionDep, ViewerDep
from serving.pagination import paginate
from serving.repo import get_owned, scoped

router = APIRouter(prefix="/panels", tags=["panels"])


def load_panel(session: SessionDep, principal: Principal, panel_id: uuid.UUID) -> Panel:
    return get_owned(session, Panel, panel_id, principal, label="panel")


@router.get("", response_model=Page[PanelPublic])
def list_panels(session: SessionDep, principal: ViewerDep, paging: PagingDep) -> Page[PanelPublic]:
    return paginate(session, scoped(Panel, principal).order_by(Panel.slug), paging, PanelPublic)


@router.post("", response_model=PanelPublic, status_code=status.HTTP_201_CREATED)
def create_panel(session: SessionDep, principal: EditorDep, panel_in: PanelCreate) -> PanelPublic:
    panel = Panel(tenant_id=principal.tenant_id, **panel_in.model_dump())
    return mutations.create(session, principal, panel, PanelPublic, object_type="panel")


@router.get("/{panel_id}", response_model=PanelPublic)
def read_panel(session: SessionDep, principal: ViewerDep, panel_id: uuid.UUID) -> PanelPublic:
    return PanelPublic.model_validate(load_panel(session, principal, panel_id))


@router.patch("/{panel_id}", response_model=PanelPublic)
def update_panel(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, panel_in: PanelUpdate
) -> PanelPublic:
    panel = load_panel(session, principal, panel_id)
    return mutations.update(
        session,
        principal,
        panel,
        panel_in.model_dump(exclude_unset=True),
        PanelPublic,
        object_type="panel",
    )


@router.delete("/{panel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_panel(session: SessionDep, principal: EditorDep, panel_id: uuid.UUID) -> Response:
    panel = load_panel(session, principal, panel_id)
    mutations.delete(session, principal, panel, PanelPublic, object_type="panel")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
