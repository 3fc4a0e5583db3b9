from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from schemas.common import ColumnKey, InputModel, Name, PublicModel


class SortSpec(InputModel):
    column: ColumnKey
    direction: Literal["asc", "desc"] = "asc"


AggregateFunction = Literal[
    "count",
    "count_empty",
    "count_not_empty",
    "count_distinct",
    "sum",
    "avg",
    "min",
    "max",
    "median",
]


class AggregateSpec(InputModel):
    column: ColumnKey
    function: AggregateFunction


ChartKind = Literal["bar", "line", "histogram"]


class ChartSpec(InputModel):
    """A view shown as a chart, fed by ``/aggregates``: one value per group of ``dimension``.

    - ``bar``: a bar per value of the dimension (any column but JSON);
    - ``line``: a point per ``bucket`` of a date or time dimension (day, week, month,
      quarter or year; day when omitted);
    - ``histogram``: a bar per bin of a number dimension, ``bucket`` wide (a width the page
      picks from the range when omitted).

    The measure is an aggregate of a column (the count of rows when omitted)."""

    kind: ChartKind = Field(examples=["bar"])
    dimension: ColumnKey = Field(description="The column along the x axis", examples=["carrier"])
    measure: AggregateSpec | None = Field(
        default=None, description="What each bar or point shows; omitted: the count of rows"
    )
    bucket: Annotated[str, StringConstraints(strip_whitespace=True)] | None = Field(
        default=None,
        max_length=32,
        description="line: day, week, month, quarter or year; histogram: the bin width",
        examples=["month"],
    )


class ViewColumnIn(InputModel):
    """A shown column, by its id or its key."""

    column_id: uuid.UUID | None = None
    column: ColumnKey | None = Field(
        default=None, description="The column's key", examples=["dep_delay"]
    )
    visible: bool = True
    width: int | None = Field(default=None, ge=20, le=2000)

    @model_validator(mode="after")
    def _one_reference(self) -> Self:
        if (self.column_id is None) == (self.column is None):
            raise ValueError("give the column's id (column_id) or its key (column), not both")
        return self


class ViewCreate(InputModel):
    name: Name = Field(examples=["Late departures"])
    filters: dict[str, Any] | None = Field(
        default=None,
        examples=[{"and": [{"column": "dep_delay", "op": "gt", "value": 60}]}],
    )
    sorts: list[SortSpec] = Field(default_factory=list)
    group_by: list[ColumnKey] = Field(default_factory=list)
    aggregates: list[AggregateSpec] = Field(default_factory=list)
    columns: list[ViewColumnIn] | None = Field(
        default=None, description="Shown columns in order; omitted: every column of the panel"
    )
    chart: ChartSpec | None = Field(default=None, description="Show the view as a chart")


class ViewUpdate(InputModel):
    name: Name | None = None
    filters: dict[str, Any] | None = None
    sorts: list[SortSpec] | None = None
    group_by: list[ColumnKey] | None = None
    aggregates: list[AggregateSpec] | None = None
    columns: list[ViewColumnIn] | None = None
    chart: ChartSpec | None = Field(default=None, description="null shows the view as a grid")


class ViewColumnPublic(PublicModel):
    column_id: uuid.UUID
    position: int
    visible: bool
    width: int | None


class ViewPublic(PublicModel):
    id: uuid.UUID
    panel_id: uuid.UUID
    name: str
    filters: dict[str, Any] | None
    sorts: list[SortSpec]
    group_by: list[str]
    aggregates: list[AggregateSpec]
    chart: ChartSpec | None = None
    columns: list[ViewColumnPublic] = Field(validation_alias="view_columns")
    created_at: datetime
    updated_at: datetime
