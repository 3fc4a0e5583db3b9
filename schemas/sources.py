from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Self

from pydantic import Field, model_validator

from models.enums import SourceKind
from schemas.common import ColumnKey, InputModel, PublicModel, article

REQUIRED_CONFIG = {
    SourceKind.file: ("path", "url"),
    SourceKind.http: ("url",),
    SourceKind.sql: ("query",),
}


def check_config(kind: SourceKind, config: dict[str, Any], secrets: dict[str, Any] | None) -> None:
    """The keys each kind cannot work without; the connectors validate the rest."""
    needed = REQUIRED_CONFIG[kind]
    if not any(key in config for key in needed):
        raise ValueError(
            f"{article(kind.value)} {kind.value} source needs config.{' or config.'.join(needed)}"
        )
    if kind is SourceKind.sql and "url" not in config and "url" not in (secrets or {}):
        raise ValueError("a sql source needs a database url in secrets.url (or config.url)")


class SourceCreate(InputModel):
    name: ColumnKey = Field(examples=["flights_csv"])
    kind: SourceKind
    config: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"path": "nycflights13/flights.csv", "format": "csv"}],
    )
    secrets: dict[str, Any] | None = Field(
        default=None,
        description="Encrypted at rest and never returned (passwords, auth headers)",
        examples=[{"headers": {"Authorization": "Bearer ..."}}],
    )

    @model_validator(mode="after")
    def _required_config(self) -> Self:
        check_config(self.kind, self.config, self.secrets)
        return self


class SourceUpdate(InputModel):
    name: ColumnKey | None = None
    config: dict[str, Any] | None = None
    secrets: dict[str, Any] | None = None


class SourcePublic(PublicModel):
    id: uuid.UUID
    panel_id: uuid.UUID
    name: str
    kind: SourceKind
    config: dict[str, Any]
    has_secrets: bool
    created_at: datetime
    updated_at: datetime
