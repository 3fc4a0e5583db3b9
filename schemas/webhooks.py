"""Webhook endpoints, their deliveries and the attempts of each (docs/webhooks.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
)

from core.events import EventType
from schemas.common import InputModel, PublicModel, unknown_name

GRACE_DEFAULT = 24 * 3600
GRACE_MAX = 7 * 24 * 3600


def _http_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        _ = parts.port  # a bad port raises here
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise ValueError("an endpoint's URL starts with https:// (or http://)")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    if parts.username or parts.password:
        raise ValueError("the URL may not carry credentials: verify the signature instead")
    if parts.fragment:
        raise ValueError("the URL may not have a #fragment (it is never sent)")
    return value


EndpointUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048), AfterValidator(_http_url)
]


def _event_type(value: object) -> object:
    names = [e.value for e in EventType]
    if isinstance(value, str) and value not in names:
        raise ValueError(unknown_name(value, names, "event type") + f" (one of {', '.join(names)})")
    return value


EventTypes = Annotated[
    list[Annotated[EventType, BeforeValidator(_event_type)]],
    Field(min_length=1, description="The event types sent to this endpoint"),
    AfterValidator(lambda types: sorted(set(types))),
]
PanelRefs = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] | None,
    Field(
        min_length=1,  # [] would send nothing, silently: null is "every panel"
        max_length=1000,
        description="Only these panels' events (ids or slugs); null: every panel's",
    ),
]


class DeliveryState(StrEnum):
    pending = "pending"  # queued or waiting for its next attempt
    delivered = "delivered"  # a 2xx answered
    failed = "failed"  # not retried: a 4xx other than 408/429, a redirect, or the endpoint gave up


class AttemptOutcome(StrEnum):
    delivered = "delivered"
    retry = "retry"  # failed; another attempt is scheduled
    failed = "failed"  # failed; no other attempt


class WebhookCreate(InputModel):
    url: EndpointUrl
    event_types: EventTypes
    panels: PanelRefs = None
    enabled: bool = True
    description: Annotated[str, StringConstraints(max_length=1000)] = ""


class WebhookUpdate(InputModel):
    """Changes; a field left out stays as it is (``panels: null`` means every panel)."""

    url: EndpointUrl | None = None
    event_types: EventTypes | None = None
    panels: PanelRefs = None
    enabled: bool | None = None
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None


class WebhookPublic(PublicModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[EventType]
    panel_ids: list[uuid.UUID] | None
    enabled: bool
    failing_since: datetime | None = Field(
        description="Deliveries have failed since then (no success in between)"
    )
    disabled_reason: str | None = Field(description="Why the server disabled the endpoint")
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="The signing secret (whsec_...), shown only now: store it where the "
        "receiver verifies signatures",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class SecretRotate(InputModel):
    grace_seconds: int = Field(
        default=GRACE_DEFAULT,
        ge=0,
        le=GRACE_MAX,
        description="How long deliveries are also signed with the old secret",
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="The new signing secret, shown only now")
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries carry a signature with the old secret too"
    )


class DeliveryPublic(PublicModel):
    id: int
    event_id: int = Field(
        validation_alias=AliasChoices("seq", "event_id"),
        description="The event's id (its webhook-id header): the same on every attempt",
    )
    event_type: EventType
    panel_id: uuid.UUID | None
    state: DeliveryState
    attempts: int
    last_attempt_at: datetime | None
    status_code: int | None = Field(description="The last attempt's HTTP status, if any")
    latency_ms: float | None
    error: str | None = Field(description="Why the last attempt failed")
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next")
    created_at: datetime
    delivered_at: datetime | None


class AttemptPublic(PublicModel):
    attempt: int
    at: datetime
    outcome: AttemptOutcome
    status_code: int | None
    latency_ms: float | None
    error: str | None
    next_attempt_at: datetime | None


class DeliveryDetail(DeliveryPublic):
    log: list[AttemptPublic] = Field(description="Every attempt, first to last")
