"""The filter language's operator table, as the API publishes it (GET /filter-operators)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.enums import ColumnType
from core.filters import Takes


class OperatorPublic(BaseModel):
    label: str = Field(description="How the page's filter editor names it", examples=["≥"])
    takes: Takes = Field(
        description="Its value: none; one; many (a non-empty list); pair ([low, high]); "
        'window ({"past" or "next": N, "unit": "days", "weeks" or "months"})',
        examples=["one"],
    )


class TypeOperatorsPublic(BaseModel):
    operators: list[str] = Field(
        description="Every operator the column type takes, the editor's first",
        examples=[["is_true", "is_false", "is_empty", "is_not_empty", "is"]],
    )
    editor: list[str] = Field(
        description="Those the page's filter editor offers, in its order (the first is a new "
        "condition's)",
        examples=[["is_true", "is_false", "is_empty", "is_not_empty"]],
    )


class FilterOperators(BaseModel):
    operators: dict[str, OperatorPublic] = Field(description="Every operator, by name")
    types: dict[ColumnType, TypeOperatorsPublic] = Field(
        description="The operators of each column type"
    )
