"""Webhook deliveries checked and read: Standard Webhooks signatures, ``whsec_`` secrets.

A delivery's body is the event message the WebSocket sends (``panels_client.events``), signed
per the Standard Webhooks spec: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``
headers, an HMAC-SHA256 over ``id.timestamp.body``. The signature is checked by the spec's own
library, standardwebhooks; this module only ties it to the typed events.
"""

from __future__ import annotations

from collections.abc import Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .events import Event, parse_event

__all__ = ["WebhookVerificationError", "verify"]


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> Event:
    """The event a webhook delivered, once its signature checks out.

    ``body`` is the request body exactly as received (bytes, never re-encoded JSON),
    ``headers`` the request's headers (any case), ``secret`` the endpoint's ``whsec_...``
    secret. Raises ``WebhookVerificationError`` for a missing or wrong signature or a timestamp
    more than five minutes away from now (a replay), ``ValueError`` for a body that is not an
    event.
    """
    Webhook(secret).verify(body, dict(headers), json_parse=False)
    return parse_event(body)
