"""One data source as a connector reads it: its kind, configuration, decrypted secrets and state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.enums import SourceKind


@dataclass(frozen=True)
class SourceSpec:
    id: uuid.UUID
    name: str
    kind: SourceKind
    config: dict[str, Any]
    secrets: dict[str, Any]
    state: dict[str, Any]

    @property
    def drift(self) -> str:
        return str(self.config.get("schema_drift", "ignore"))

    @property
    def incremental(self) -> dict[str, Any] | None:
        sync = self.config.get("sync") or {}
        return sync if sync.get("mode") == "incremental" else None
