from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import Field, model_validator

from core.enums import ColumnType
from schemas.common import ColumnKey, InputModel, Name, PublicModel


class ColumnMapping(InputModel):
    source: str | None = Field(default=None, description="Source name; null maps every source")
    field: str = Field(min_length=1, max_length=500, examples=["dep_delay"])
    cast: str | None = Field(default=None, description="Parse format, e.g. %Y-%m-%d for dates")


class MappedOrFormula(InputModel):
    """A column's values: mapped from a source field or computed by a formula, exactly one
    (the subclass declares ``mapping`` and ``formula``, where its field order wants them)."""

    @model_validator(mode="after")
    def _mapping_xor_formula(self) -> Self:
        if (getattr(self, "mapping", None) is None) == (getattr(self, "formula", None) is None):
            raise ValueError("a column has exactly one of `mapping` or `formula`")
        return self


class ColumnCreate(MappedOrFormula):
    key: ColumnKey = Field(examples=["dep_delay"])
    name: Name = Field(examples=["Departure delay"])
    type: ColumnType
    position: int | None = Field(default=None, ge=0)
    mapping: ColumnMapping | None = None
    formula: str | None = Field(default=None, min_length=1, max_length=10_000)


class ColumnUpdate(InputModel):
    key: ColumnKey | None = None
    name: Name | None = None
    type: ColumnType | None = None
    position: int | None = Field(default=None, ge=0)
    mapping: ColumnMapping | None = None
    formula: str | None = Field(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _not_both(self) -> Self:
        if self.mapping is not None and self.formula is not None:
            raise ValueError("a column has exactly one of `mapping` or `formula`")
        return self


class ColumnPublic(PublicModel):
    id: uuid.UUID
    panel_id: uuid.UUID
    key: str
    name: str
    type: ColumnType
    position: int
    mapping: ColumnMapping | None
    formula: str | None
    created_at: datetime
    updated_at: datetime


class ColumnsFromSource(InputModel):
    """Map a source's fields to new columns, typed from a preview of its first rows."""

    source: str | None = Field(
        default=None, description="The source's name; may be left out when the panel has one"
    )
    fields: list[str] | None = Field(
        default=None, min_length=1, description="Only these fields (default: every field)"
    )
    limit: int = Field(default=1_000, ge=1, le=10_000, description="Rows read to infer types")
    timeout: float = Field(default=10, gt=0, le=60)


class SkippedField(PublicModel):
    field: str
    reason: str


class ColumnsFromSourcePublic(PublicModel):
    created: list[ColumnPublic]
    skipped: list[SkippedField] = Field(description="Fields a column already maps")
