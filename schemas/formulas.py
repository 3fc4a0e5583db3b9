"""The formula catalogue and formula previews."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from core.enums import ColumnType
from schemas.common import ColumnKey, InputModel, PublicModel


class FunctionPublic(PublicModel):
    name: str = Field(examples=["ROUND"])
    category: str = Field(
        description="logic, text, numbers, dates, arrays, record or panel", examples=["numbers"]
    )
    usage: str = Field(examples=["ROUND(value, [precision])"])
    description: str
    returns: str = Field(description="The result's type", examples=["number"])
    min_args: int
    max_args: int | None = Field(description="null: any number of arguments")
    example: str = Field(examples=["ROUND(1.99, 0)"])
    example_result: str = Field(
        description="The example's result as text (empty where it reads columns)",
        examples=["2"],
    )


class FunctionList(PublicModel):
    data: list[FunctionPublic]
    count: int


class FormulaPreview(InputModel):
    """A formula checked against the panel's columns and evaluated over the first rows of its
    current version; nothing is saved."""

    formula: str = Field(min_length=1, max_length=10_000, examples=["ROUND({dep_delay} / 60, 1)"])
    type: ColumnType | None = Field(
        default=None,
        description="The column type it would fill (checked as a save would); default: the"
        " formula's own type",
    )
    limit: int = Field(default=20, ge=1, le=200, description="Rows evaluated")
    key: ColumnKey | None = Field(
        default=None,
        description="The column being edited, when it exists: the formula replaces its own,"
        " and using itself is a cycle",
    )


class PreviewRow(PublicModel):
    row_id: int
    inputs: dict[str, Any] = Field(description="The values of the columns the formula reads")
    value: Any
    error: bool = Field(description="The row's value is an error (blank in the column)")


class FormulaPreviewPublic(PublicModel):
    type: ColumnType = Field(description="The column type the values are given in")
    formula_type: str = Field(description="The formula's own type", examples=["number"])
    columns: list[str] = Field(description="The column keys the formula reads")
    version: int | None = Field(description="The version the rows come from")
    rows: list[PreviewRow]
    errors: int = Field(description="Rows whose value is an error")
    complete: bool = Field(description="Every row of the version was evaluated")
    notes: list[str] = Field(description="What differs from a sync's evaluation, if anything")
