"""Signing secrets (Standard Webhooks ``whsec_`` keys), sealed at rest, and the headers.

Signatures are made by the ``standardwebhooks`` library, the one receivers verify with, so
sender and receiver cannot disagree on the format. During a rotation's grace period a
delivery carries one signature per live secret (``v1,<new> v1,<old>``): a receiver still
holding the old secret verifies it, as does one that already has the new one.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from standardwebhooks import Webhook

from core.crypto import SecretBox

PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass(frozen=True)
class Keyring:
    """The current secret and, until ``previous_expires_at``, the one it replaced."""

    current: str
    previous: str | None = None
    previous_expires_at: datetime | None = None

    def live(self, now: datetime) -> list[str]:
        keys = [self.current]
        if self.previous and self.previous_expires_at and now < self.previous_expires_at:
            keys.append(self.previous)
        return keys

    def rotated(self, now: datetime, grace: timedelta) -> Keyring:
        if not grace:
            return Keyring(new_secret())
        return Keyring(new_secret(), self.current, now + grace)

    def seal(self, box: SecretBox) -> str:
        expires = self.previous_expires_at.isoformat() if self.previous_expires_at else None
        return box.seal(
            {"current": self.current, "previous": self.previous, "previous_expires_at": expires}
        )

    @classmethod
    def open(cls, box: SecretBox, sealed: str) -> Keyring:
        value = box.open(sealed)
        expires = value.get("previous_expires_at")
        return cls(
            value["current"],
            value.get("previous"),
            datetime.fromisoformat(expires) if expires else None,
        )


def signed_headers(message_id: str, body: bytes, keys: list[str], at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt (its own timestamp)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(key).sign(message_id, at, body) for key in keys),
    }
