from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime

from cronsim import CronSim, CronSimError
from pydantic import Field, field_validator

from schemas.common import InputModel, Name, PublicModel, Slug


def _check_cron(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        CronSim(value, datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValueError(f"not a valid cron expression: {exc}") from exc
    return value


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)"
        ) from exc
    return value


class _PanelFields(InputModel):
    @field_validator("refresh_cron", check_fields=False)
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return _check_cron(value)

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _check_timezone(value)


class PanelCreate(_PanelFields):
    slug: Slug = Field(examples=["flights"])
    name: Name = Field(examples=["NYC flights 2013"])
    description: str = Field(default="", max_length=10_000)
    refresh_cron: str | None = Field(default=None, examples=["0 * * * *"])
    timezone: str = Field(default="UTC", examples=["America/New_York"])
    strict: bool = Field(
        default=False, description="Fail the sync on a bad row instead of quarantining it"
    )


class PanelUpdate(_PanelFields):
    slug: Slug | None = None
    name: Name | None = None
    description: str | None = Field(default=None, max_length=10_000)
    refresh_cron: str | None = None
    timezone: str | None = None
    strict: bool | None = None


class PanelPublic(PublicModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    refresh_cron: str | None
    timezone: str
    strict: bool
    current_version_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
