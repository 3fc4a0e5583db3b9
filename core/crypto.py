"""Encryption at rest for data-source secrets (Fernet, with key rotation through MultiFernet)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.settings import Settings


class SecretBox:
    def __init__(self, settings: Settings) -> None:
        self._fernet = MultiFernet(
            [Fernet(key.get_secret_value().encode()) for key in settings.encryption_keys]
        )

    def seal(self, secrets: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            value = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError(
                "data source secrets cannot be decrypted with the configured keys"
            ) from exc
        if not isinstance(value, dict):
            raise ValueError("data source secrets are not a JSON object")
        return value
