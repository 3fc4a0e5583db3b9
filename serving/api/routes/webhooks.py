"""Webhook endpoints of the caller's tenant (admins): docs/webhooks.md."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from schemas.common import Page
from schemas.webhooks import (
    DeliveryDetail,
    DeliveryPublic,
    DeliveryState,
    SecretRotate,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)
from serving.api.deps import AdminDep, PagingDep, SessionDep, SettingsDep
from serving.api.state import app_state
from serving.webhooks import endpoints

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(
    session: SessionDep, principal: AdminDep, paging: PagingDep
) -> Page[WebhookPublic]:
    return endpoints.list_all(session, principal, paging)


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    settings: SettingsDep,
    body: WebhookCreate,
) -> WebhookCreated:
    """Add an endpoint; the answer holds its signing secret, shown only this once."""
    box = app_state(request.app).secret_box
    return endpoints.create(session, principal, settings, box, body)


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID) -> WebhookPublic:
    return WebhookPublic.model_validate(endpoints.get(session, principal, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookPublic)
def update_webhook(
    session: SessionDep,
    principal: AdminDep,
    settings: SettingsDep,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
) -> WebhookPublic:
    """Change an endpoint; ``enabled: true`` on a disabled one resumes what waited."""
    return endpoints.change(session, principal, settings, webhook_id, body)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID) -> Response:
    endpoints.delete(session, principal, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{webhook_id}/rotate-secret", response_model=SecretRotated)
def rotate_secret(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    webhook_id: uuid.UUID,
    body: SecretRotate | None = None,
) -> SecretRotated:
    """A new signing secret; the old one still signs deliveries for ``grace_seconds``."""
    box = app_state(request.app).secret_box
    return endpoints.rotate(session, principal, box, webhook_id, body or SecretRotate())


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(
    session: SessionDep,
    principal: AdminDep,
    paging: PagingDep,
    webhook_id: uuid.UUID,
    state: Annotated[
        DeliveryState | None, Query(description="Only deliveries in this state")
    ] = None,
) -> Page[DeliveryPublic]:
    """The delivery log, newest first."""
    return endpoints.deliveries(session, principal, webhook_id, paging, state)


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(
    session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID, delivery_id: int
) -> DeliveryDetail:
    """One delivery with every attempt."""
    return endpoints.delivery(session, principal, webhook_id, delivery_id)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryDetail,
    status_code=status.HTTP_202_ACCEPTED,
)
def retry_delivery(
    session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID, delivery_id: int
) -> DeliveryDetail:
    """Deliver it again now, before the endpoint's later deliveries."""
    return endpoints.retry(session, principal, webhook_id, delivery_id)
