from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from schemas.common import InputModel


class SyncCreate(InputModel):
    formulas_only: bool = Field(
        default=False, description="Re-evaluate formulas from the last extract, without the sources"
    )


class SyncPublic(BaseModel):
    id: str = Field(description="The Dagster run id", examples=["3f1c9a4e-..."])
    panel_id: uuid.UUID
    partition: str = Field(examples=["demo.flights"])
    status: str = Field(examples=["queued", "running", "succeeded", "failed", "canceled"])
    started_at: datetime | None = None
    finished_at: datetime | None = None
    version: int | None = Field(default=None, description="The version it published")
    row_count: int | None = None
    error: str | None = None
    dagster_url: str | None = Field(default=None, description="The run in the Dagster UI")
