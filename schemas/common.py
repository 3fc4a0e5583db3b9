"""Shapes shared by every endpoint: pages and the one error body."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", strip_whitespace=True)
]
ColumnKey = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="Rows matching, over all pages")
    limit: int
    offset: int


class FieldError(BaseModel):
    field: str = Field(examples=["body.slug"])
    message: str = Field(examples=["String should match pattern '^[a-z0-9][a-z0-9-]{0,62}$'"])
    type: str = Field(examples=["string_pattern_mismatch"])
    # Formula errors also say where: 0-based offset, 1-based line and column, and a hint.
    position: int | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = Field(default=None, examples=["did you mean {Dep delay}?"])


class Problem(BaseModel):
    """Every 4xx and 5xx answer has this body."""

    type: str = Field(examples=["not_found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["panel 0b7e... does not exist"])
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str | None = None
