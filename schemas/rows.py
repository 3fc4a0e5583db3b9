from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from schemas.common import PublicModel


class ColumnInfo(BaseModel):
    key: str
    name: str
    type: str


class RowGroup(BaseModel):
    group: dict[str, Any] = Field(examples=[{"carrier": "AA"}])
    count: int = Field(description="Rows in this group over the whole (filtered) result")
    start: int = Field(description="Index in data of the group's first row on this page")


class RowsPage(BaseModel):
    data: list[dict[str, Any]]
    columns: list[ColumnInfo]
    version: int | None = Field(description="The panel version read; null before the first sync")
    total: int | None = Field(description="Rows in the version")
    next_cursor: str | None = Field(default=None, description="Pass as cursor= for the next page")
    groups: list[RowGroup] | None = Field(
        default=None, description="With group_by: the groups on this page, in order"
    )


class VersionPublic(PublicModel):
    id: uuid.UUID
    number: int
    status: str
    dagster_run_id: str | None
    row_count: int | None
    reject_count: int | None
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    check_status: str | None = Field(
        default=None, description="Quality rules: passed, warned, failed, or null"
    )
    current: bool = False


class GroupPublic(BaseModel):
    group: dict[str, Any] = Field(examples=[{"carrier": "AA"}])
    values: dict[str, Any] = Field(examples=[{"count": 32729, "avg:dep_delay": 8.59}])


class AggregatesPublic(BaseModel):
    version: int | None
    groups: list[GroupPublic]
    footer: dict[str, Any] = Field(description="The same aggregates over every (filtered) row")
    truncated: bool = Field(description="More than 1,000 groups: only the first are returned")
