from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FunctionPublic")


@_attrs_define
class FunctionPublic:
    """
    Attributes:
        category (str): logic, text, numbers, dates, arrays, record or panel
        description (str):
        example (str):
        example_result (str): The example's result as text (empty where it reads columns)
        max_args (int | None): null: any number of arguments
        min_args (int):
        name (str):
        returns (str): The result's type
        usage (str):
    """

    category: str
    description: str
    example: str
    example_result: str
    max_args: int | None
    min_args: int
    name: str
    returns: str
    usage: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category = self.category

        description = self.description

        example = self.example

        example_result = self.example_result

        max_args: int | None
        max_args = self.max_args

        min_args = self.min_args

        name = self.name

        returns = self.returns

        usage = self.usage

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "category": category,
                "description": description,
                "example": example,
                "example_result": example_result,
                "max_args": max_args,
                "min_args": min_args,
                "name": name,
                "returns": returns,
                "usage": usage,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        category = d.pop("category")

        description = d.pop("description")

        example = d.pop("example")

        example_result = d.pop("example_result")

        def _parse_max_args(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        max_args = _parse_max_args(d.pop("max_args"))

        min_args = d.pop("min_args")

        name = d.pop("name")

        returns = d.pop("returns")

        usage = d.pop("usage")

        function_public = cls(
            category=category,
            description=description,
            example=example,
            example_result=example_result,
            max_args=max_args,
            min_args=min_args,
            name=name,
            returns=returns,
            usage=usage,
        )

        function_public.additional_properties = d
        return function_public

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
