"""Managing endpoints and their delivery log; the HTTP routes and the CLI both call these."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from core.crypto import SecretBox
from core.errors import SourceError
from core.netguard import NetworkPolicy
from core.settings import Settings
from models import Webhook, WebhookAttempt, WebhookDelivery
from schemas.common import FieldError, Page
from schemas.webhooks import (
    AttemptPublic,
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
from serving.api.repo import get_owned, scoped
from serving.auth.principal import Principal
from serving.http.errors import ApiError
from serving.reads.names import REFS, find
from serving.reads.paging import Paging, paginate
from serving.webhooks.signing import Keyring, new_secret
from serving.writes import audit, mutations

OBJECT = "webhook"


def check_url(settings: Settings, url: str) -> None:
    """The network guard at save: the host must resolve, and not to a blocked address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    policy = NetworkPolicy.from_settings(settings, webhooks=True)
    try:
        policy.checked_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    except SourceError as exc:
        error = FieldError(field="body.url", message=str(exc), type="url_refused")
        raise ApiError(422, f"url: {exc}", errors=[error]) from exc


def panel_ids(
    session: Session, principal: Principal, refs: list[str] | None
) -> list[uuid.UUID] | None:
    """The panels named by id or slug (422 naming the one that is not the tenant's)."""
    if refs is None:
        return None
    found: list[uuid.UUID] = []
    for index, ref in enumerate(refs):
        try:
            panel = find(session, REFS["panel_id"], principal.tenant_id, ref, None)
        except ApiError as exc:
            field = f"body.panels.{index}"
            error = FieldError(field=field, message=exc.detail, type="unknown_panel")
            raise ApiError(422, f"panels.{index}: {exc.detail}", errors=[error]) from exc
        if panel not in found:
            found.append(panel)
    return found


def get(session: Session, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    return get_owned(session, Webhook, webhook_id, principal, label=OBJECT)


def list_all(session: Session, principal: Principal, paging: Paging) -> Page[WebhookPublic]:
    stmt = scoped(Webhook, principal).order_by(Webhook.created_at, Webhook.id)
    return paginate(session, stmt, paging, WebhookPublic)


def create(
    session: Session,
    principal: Principal,
    settings: Settings,
    box: SecretBox,
    body: WebhookCreate,
) -> WebhookCreated:
    check_url(settings, body.url)
    secret = new_secret()
    webhook = Webhook(
        tenant_id=principal.tenant_id,
        url=body.url,
        description=body.description,
        event_types=[t.value for t in body.event_types],
        panel_ids=panel_ids(session, principal, body.panels),
        enabled=body.enabled,
        secrets=Keyring(secret).seal(box),
    )
    created = mutations.create(session, principal, webhook, WebhookPublic, object_type=OBJECT)
    return WebhookCreated(**created.model_dump(), secret=secret)


def change(
    session: Session,
    principal: Principal,
    settings: Settings,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
) -> WebhookPublic:
    webhook = get(session, principal, webhook_id)
    given = body.model_fields_set
    for name in given - {"panels", "description"}:
        if getattr(body, name) is None:
            error = FieldError(field=f"body.{name}", message="may not be null", type="null")
            raise ApiError(422, f"{name}: may not be null", errors=[error])
    changes: dict[str, Any] = {}
    if "url" in given and body.url != webhook.url:
        assert body.url is not None
        check_url(settings, body.url)
        changes["url"] = body.url
    if "event_types" in given and body.event_types is not None:
        changes["event_types"] = [t.value for t in body.event_types]
    if "panels" in given:
        changes["panel_ids"] = panel_ids(session, principal, body.panels)
    if "description" in given:
        changes["description"] = body.description or ""
    if body.enabled is not None:
        changes["enabled"] = body.enabled
        if body.enabled and not webhook.enabled:
            # Enabled again: forget the failures, and what waited is due now.
            changes.update(failing_since=None, disabled_reason=None, disabled_at=None)
            session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.webhook_id == webhook.id,
                    WebhookDelivery.state == DeliveryState.pending.value,
                )
                .values(next_attempt_at=datetime.now(UTC))
            )
            _wake(session)
    return mutations.update(session, principal, webhook, changes, WebhookPublic, object_type=OBJECT)


def delete(session: Session, principal: Principal, webhook_id: uuid.UUID) -> None:
    webhook = get(session, principal, webhook_id)
    mutations.delete(session, principal, webhook, WebhookPublic, object_type=OBJECT)


def rotate(
    session: Session,
    principal: Principal,
    box: SecretBox,
    webhook_id: uuid.UUID,
    body: SecretRotate,
) -> SecretRotated:
    webhook = get(session, principal, webhook_id)
    now = datetime.now(UTC)
    keys = Keyring.open(box, webhook.secrets).rotated(now, timedelta(seconds=body.grace_seconds))
    webhook.secrets = keys.seal(box)
    audit.record(
        session,
        principal,
        action="rotate_secret",
        object_type=OBJECT,
        object_id=webhook.id,
        after={"grace_seconds": body.grace_seconds},
    )
    session.commit()
    return SecretRotated(secret=keys.current, previous_secret_expires_at=keys.previous_expires_at)


def deliveries(
    session: Session,
    principal: Principal,
    webhook_id: uuid.UUID,
    paging: Paging,
    state: DeliveryState | None,
) -> Page[DeliveryPublic]:
    get(session, principal, webhook_id)
    stmt = scoped(WebhookDelivery, principal).where(WebhookDelivery.webhook_id == webhook_id)
    if state is not None:
        stmt = stmt.where(WebhookDelivery.state == state.value)
    page = paginate(session, stmt.order_by(WebhookDelivery.id.desc()), paging, DeliveryPublic)
    for delivery in page.data:
        if delivery.state is not DeliveryState.pending:
            delivery.next_attempt_at = None
    return page


def delivery(
    session: Session, principal: Principal, webhook_id: uuid.UUID, delivery_id: int
) -> DeliveryDetail:
    found = _delivery(session, principal, webhook_id, delivery_id)
    log = session.scalars(
        scoped(WebhookAttempt, principal)
        .where(WebhookAttempt.delivery_id == found.id)
        .order_by(WebhookAttempt.attempt, WebhookAttempt.id)
    ).all()
    detail = DeliveryDetail(
        **DeliveryPublic.model_validate(found).model_dump(),
        log=[AttemptPublic.model_validate(a) for a in log],
    )
    if detail.state is not DeliveryState.pending:
        detail.next_attempt_at = None
    return detail


def retry(
    session: Session, principal: Principal, webhook_id: uuid.UUID, delivery_id: int
) -> DeliveryDetail:
    """Deliver again now (a delivered one too: receivers de-duplicate on its webhook-id)."""
    found = _delivery(session, principal, webhook_id, delivery_id)
    found.state = DeliveryState.pending.value
    found.next_attempt_at = datetime.now(UTC)
    found.delivered_at = None
    audit.record(
        session,
        principal,
        action="redeliver",
        object_type="webhook_delivery",
        object_id=found.id,
        after={"webhook_id": str(webhook_id), "event_id": found.seq},
    )
    _wake(session)
    session.commit()
    return delivery(session, principal, webhook_id, delivery_id)


def _delivery(
    session: Session, principal: Principal, webhook_id: uuid.UUID, delivery_id: int
) -> WebhookDelivery:
    get(session, principal, webhook_id)
    found = session.scalar(
        scoped(WebhookDelivery, principal).where(
            WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.id == delivery_id
        )
    )
    if found is None:
        raise ApiError(404, f"webhook delivery {delivery_id} does not exist")
    return found


def _wake(session: Session) -> None:
    """Wake the deliverer at commit (a NOTIFY is sent only if the transaction commits)."""
    session.execute(text("SELECT pg_notify('panels_webhooks', '')"))
