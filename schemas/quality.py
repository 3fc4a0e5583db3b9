"""Data-quality rules and their results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from schemas.common import ColumnKey, InputModel, PublicModel

RuleKind = Literal[
    "not_null",
    "unique",
    "between",
    "in_set",
    "matches_regex",
    "length_between",
    "row_count_between",
    "freshness",
]
Severity = Literal["error", "warning"]
RuleName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class QualityRuleCreate(InputModel):
    name: RuleName
    kind: RuleKind
    column: ColumnKey | None = Field(default=None, description="Not for row_count_between")
    params: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"min": 0, "max": 1440}, {"values": ["JFK", "LGA"]}, {"max_age_hours": 24}],
    )
    severity: Severity = Field(
        default="error", description="error blocks the publish; warning only reports"
    )


class QualityRuleUpdate(InputModel):
    name: RuleName | None = None
    column: ColumnKey | None = None
    params: dict[str, Any] | None = None
    severity: Severity | None = None


class QualityRulePublic(PublicModel):
    id: uuid.UUID
    panel_id: uuid.UUID
    name: str
    kind: str
    column: str | None = Field(validation_alias="column_key")
    params: dict[str, Any]
    severity: str
    created_at: datetime
    updated_at: datetime


class CheckResult(BaseModel):
    rule_id: uuid.UUID
    name: str
    kind: str
    column: str | None
    severity: str
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: list[Any] = Field(default_factory=list, description="Up to five failing values")
    error: str | None = None


class VersionChecks(BaseModel):
    version: int | None
    status: str | None = Field(description="passed, warned, failed, or null without rules")
    results: list[CheckResult]
