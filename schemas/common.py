"""Shapes shared by every endpoint: pages and the one error body."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

# Kept importable from here: the shapes and the routes name misspelt names the same way.
from core.names import closest, did_you_mean, unknown_name

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", strip_whitespace=True)
]
ColumnKey = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def article(word: str) -> str:
    """'an' before a vowel sound ('an integer', 'an http source'), else 'a'."""
    return "an" if word[:1].lower() in "aeiou" or word.lower().startswith("http") else "a"


class InputModel(BaseModel):
    """A request body: unknown fields are refused (422) with the field that was meant.

    OpenAPI says ``additionalProperties: false`` for every such shape, nested ones too.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _name_unknown_fields(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            names = [f.alias or n for n, f in cls.model_fields.items()]
            errors: list[InitErrorDetails] = []
            for err in exc.errors():
                loc = err["loc"]
                if err["type"] == "extra_forbidden" and len(loc) == 1:
                    message = unknown_name(str(loc[0]), names)
                else:  # kept as they were (nested models already named their own)
                    message = err["msg"]
                errors.append(
                    InitErrorDetails(
                        type=PydanticCustomError(err["type"], message),
                        loc=loc,
                        input=err["input"],
                    )
                )
            raise ValidationError.from_exception_data(exc.title, errors) from None


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


__all__ = [
    "ColumnKey",
    "FieldError",
    "InputModel",
    "Name",
    "Page",
    "Problem",
    "PublicModel",
    "Slug",
    "article",
    "closest",
    "did_you_mean",
    "unknown_name",
]
