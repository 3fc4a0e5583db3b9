from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from schemas.common import InputModel
from schemas.quality import CheckResult


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
    error: str | None = Field(
        default=None,
        description="Why it failed: the source error, the blocking quality rules, or the"
        " Dagster failure when the run ended before Panels recorded one",
        examples=["1 error quality rule(s) failed: small ids"],
    )
    failed_version: int | None = Field(
        default=None, description="The version number the failed attempt had taken"
    )
    failed_rules: list[CheckResult] = Field(
        default_factory=list, description="The quality rules that did not pass, with their counts"
    )
    retry_pending: bool = Field(
        default=False,
        description="Failed, and Dagster's retry daemon will re-execute the run (not yet done)",
    )
    retry_run_id: str | None = Field(
        default=None, description="The run Dagster launched to retry this one: follow it"
    )
    dagster_url: str | None = Field(default=None, description="The run in the Dagster UI")
